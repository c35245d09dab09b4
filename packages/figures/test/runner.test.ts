import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodePng, defineMatrixFigure } from "@pattern-lens/figure-util";
import { encodeNpz, float32ToFloat16Bits, patternKey } from "@pattern-lens/indexes";
import { readNpzFileSync } from "@pattern-lens/indexes/node";
import { afterEach, describe, expect, it } from "vitest";
import { FiguresError, registerAttnFigureFunc, runFigures, unregisterAttnFigureFunc } from "../src/index.ts";
import { copyDemoInputs, DEMO_MODEL } from "./support/data.ts";

const promptsOf = (save: string) =>
  readFileSync(join(save, DEMO_MODEL, "prompts.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { hash: string; tokens: string[] });

const head = (save: string, hash: string, l: number, h: number) =>
  join(save, DEMO_MODEL, "prompts", hash, `L${l}`, `H${h}`);

describe("runner: skip, force, errors, retry", () => {
  const registered: string[] = [];
  afterEach(() => {
    for (const n of registered.splice(0)) unregisterAttnFigureFunc(n);
  });

  it("skips existing outputs, re-renders them with force, and honours nSamples in prompts.jsonl order", async () => {
    const save = copyDemoInputs();
    const first = await runFigures({
      savePath: save,
      model: DEMO_MODEL,
      figureFuncs: "raw",
      nSamples: 3,
      jobs: 1,
    });
    expect(first).toMatchObject({ written: 72, skipped: 0, failed: 0, prompts: 3 });
    const [p0, p1, p2, p3] = promptsOf(save);
    for (const p of [p0!, p1!, p2!]) expect(existsSync(join(head(save, p.hash, 5, 3), "raw.png"))).toBe(true);
    expect(existsSync(join(save, DEMO_MODEL, "prompts", p3!.hash, "L0"))).toBe(false);

    const file = join(head(save, p0!.hash, 0, 0), "raw.png");
    writeFileSync(file, "not a png");
    const second = await runFigures({
      savePath: save,
      model: DEMO_MODEL,
      figureFuncs: "raw",
      nSamples: 3,
      jobs: 1,
    });
    expect(second).toMatchObject({ written: 0, skipped: 72, failed: 0 });
    expect(readFileSync(file, "utf8")).toBe("not a png");

    const forced = await runFigures({
      savePath: save,
      model: DEMO_MODEL,
      figureFuncs: "raw",
      nSamples: 3,
      force: true,
      jobs: 1,
    });
    expect(forced).toMatchObject({ written: 72, skipped: 0, failed: 0 });
    expect(decodePng(readFileSync(file)).width).toBe(p0!.tokens.length + 1);
  });

  it("writes {name}.error.txt for a throwing, NaN or wrong-shape function, continues, and retries next run", async () => {
    const save = copyDemoInputs();
    let mode: "throw" | "nan" | "shape" | "ok" = "throw";
    registered.push("flaky");
    registerAttnFigureFunc(
      defineMatrixFigure({ name: "flaky", fmt: "png", normalize: true, cmap: "viridis" }, (p, ctx) => {
        if (ctx.head !== 1 || mode === "ok") return p;
        if (mode === "throw") throw new Error(`boom on layer ${ctx.layer}`);
        const n = p.shape[0]!;
        if (mode === "nan") return { data: new Float32Array(n * n).fill(Number.NaN), shape: [n, n] };
        return { data: new Float32Array(n * n * 2), shape: [2, n, n] };
      }),
    );
    const opts = { savePath: save, model: DEMO_MODEL, figureFuncs: "flaky,raw", nSamples: 2, jobs: 1 };
    const hash = promptsOf(save)[0]!.hash;
    const errFile = join(head(save, hash, 2, 1), "flaky.error.txt");
    const expectations = [
      ["throw", /boom on layer 2/],
      ["nan", /NaN/],
      ["shape", /2D/],
    ] as const;
    for (const [m, re] of expectations) {
      mode = m;
      const s = await runFigures(opts);
      // 2 prompts × 6 layers × head 1 fail; raw and the other heads succeed (or are skipped).
      expect(s.failed).toBe(12);
      expect(s.failures[0]).toMatchObject({ figure: "flaky", head: 1 });
      expect(readFileSync(errFile, "utf8")).toMatch(re);
      expect(existsSync(join(head(save, hash, 2, 1), "flaky.png"))).toBe(false);
      expect(existsSync(join(head(save, hash, 2, 1), "raw.png"))).toBe(true);
      expect(existsSync(join(head(save, hash, 2, 0), "flaky.png"))).toBe(true);
    }
    mode = "ok";
    const fixed = await runFigures(opts);
    // only the 12 failed outputs are retried; the error files go away
    expect(fixed).toMatchObject({ written: 12, failed: 0, skipped: 2 * 24 * 2 - 12 });
    expect(existsSync(errFile)).toBe(false);
    expect(existsSync(join(head(save, hash, 2, 1), "flaky.png"))).toBe(true);
  });

  it("reports and skips a prompt whose npz is missing or corrupt; the others continue", async () => {
    const save = copyDemoInputs();
    const [a, b, c] = promptsOf(save);
    rmSync(join(save, DEMO_MODEL, "prompts", a!.hash, "activations.npz"));
    const corrupt = join(save, DEMO_MODEL, "prompts", b!.hash, "activations.npz");
    const bytes = readFileSync(corrupt);
    writeFileSync(corrupt, bytes.subarray(0, bytes.length - 100));
    const skipped: string[] = [];
    const s = await runFigures({
      savePath: save,
      model: DEMO_MODEL,
      figureFuncs: "raw",
      nSamples: 3,
      jobs: 1,
      onPromptSkipped: (p) => skipped.push(p.hash),
    });
    expect(skipped).toEqual([a!.hash, b!.hash]);
    expect(s.written).toBe(24);
    expect(s.promptsSkipped.map((p) => p.hash)).toEqual([a!.hash, b!.hash]);
    expect(s.promptsSkipped[0]!.message).toMatch(/missing.*pattern-lens activations/);
    expect(s.promptsSkipped[1]!.message).toMatch(/corrupt/);
    expect(s.promptsSkipped[1]!.path).toBe(corrupt);
    expect(existsSync(join(head(save, c!.hash, 0, 0), "raw.png"))).toBe(true);
    expect(existsSync(join(save, DEMO_MODEL, "prompts", b!.hash, "L0"))).toBe(false);
  });

  it("reads float16 activations (as our own activations command may write them)", async () => {
    const save = copyDemoInputs();
    const hash = promptsOf(save)[0]!.hash;
    const npz = join(save, DEMO_MODEL, "prompts", hash, "activations.npz");
    const n = readNpzFileSync(npz).get(patternKey(0))!.shape[2]!; // the prompt's own size
    const entries = new Map();
    for (let l = 0; l < 6; l++) {
      const data = new Float32Array(4 * n * n);
      for (let h = 0; h < 4; h++)
        for (let q = 0; q < n; q++) for (let k = 0; k <= q; k++) data[h * n * n + q * n + k] = 1 / (q + 1);
      entries.set(patternKey(l), { dtype: "<f2", shape: [1, 4, n, n], data: float32ToFloat16Bits(data) });
    }
    writeFileSync(npz, encodeNpz(entries));
    const s = await runFigures({
      savePath: save,
      model: DEMO_MODEL,
      figureFuncs: "raw",
      nSamples: 1,
      jobs: 1,
    });
    expect(s).toMatchObject({ written: 24, failed: 0 });
    const img = decodePng(readFileSync(join(head(save, hash, 3, 2), "raw.png")));
    expect([img.width, img.height]).toEqual([n, n]);
    // (0,0) = 1 is the top of Blues, (0,1) = 0 its bottom.
    expect([...img.data.subarray(0, 3)]).toEqual([8, 48, 107]);
    expect([...img.data.subarray(4, 7)]).toEqual([247, 251, 255]);
  });

  it("fails clearly when the model folder, model_cfg.json or prompts.jsonl is missing", async () => {
    const empty = mkdtempSync(join(tmpdir(), "pl-figures-empty-"));
    const err = await runFigures({ savePath: empty, model: "gpt2" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FiguresError);
    expect(err).toMatchObject({ code: "PL_FIGURES_MODEL_DIR_MISSING", path: join(empty, "gpt2") });
    expect((err as Error).message).toContain("pattern-lens activations --model <model> --model-name gpt2");

    const save = copyDemoInputs();
    rmSync(join(save, DEMO_MODEL, "model_cfg.json"));
    await expect(runFigures({ savePath: save, model: DEMO_MODEL })).rejects.toMatchObject({
      code: "PL_FIGURES_MODEL_CFG_MISSING",
      path: join(save, DEMO_MODEL, "model_cfg.json"),
      message: expect.stringContaining("pattern-lens activations"),
    });
    const save2 = copyDemoInputs();
    rmSync(join(save2, DEMO_MODEL, "prompts.jsonl"));
    await expect(runFigures({ savePath: save2, model: DEMO_MODEL })).rejects.toMatchObject({
      code: "PL_FIGURES_PROMPTS_INDEX_MISSING",
      path: join(save2, DEMO_MODEL, "prompts.jsonl"),
      message: expect.stringContaining("pattern-lens activations"),
    });
  });

  it("rejects an unknown figure name before touching any file", async () => {
    const save = copyDemoInputs();
    await expect(
      runFigures({ savePath: save, model: DEMO_MODEL, figureFuncs: "raw,nope" }),
    ).rejects.toMatchObject({
      code: "PL_FIGURES_UNKNOWN",
      message: expect.stringContaining("'nope'"),
    });
    expect(existsSync(join(save, "figures.jsonl"))).toBe(false);
  });

  it("runs every built-in on a prompt: PNGs decode, SVG plots are SVG", async () => {
    const save = copyDemoInputs();
    const s = await runFigures({ savePath: save, model: DEMO_MODEL, nSamples: 1, jobs: 1 });
    expect(s.figures).toEqual(["raw", "raw_log", "attn_by_distance", "attn_received", "entropy"]);
    expect(s).toMatchObject({ written: 24 * 5, failed: 0 });
    const dir = head(save, promptsOf(save)[0]!.hash, 1, 2);
    expect(readdirSync(dir).sort()).toEqual([
      "attn_by_distance.svg",
      "attn_received.svg",
      "entropy.svg",
      "raw.png",
      "raw_log.png",
    ]);
    for (const f of ["attn_by_distance.svg", "attn_received.svg", "entropy.svg"]) {
      const svg = readFileSync(join(dir, f), "utf8");
      expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      expect(svg).toMatch(/<path|<rect/);
      expect(statSync(join(dir, f)).size).toBeGreaterThan(1000);
    }
    expect(readFileSync(join(dir, "entropy.svg"), "utf8")).toContain("L1H2: attention entropy per query");
    const log = decodePng(readFileSync(join(dir, "raw_log.png")));
    expect(log.width).toBe(decodePng(readFileSync(join(dir, "raw.png"))).width);
  });
});
