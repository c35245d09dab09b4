import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodePng } from "@pattern-lens/figure-util";
import { describe, expect, it } from "vitest";
import { sharedPath } from "#test-support/shared.ts";
import { runCommand } from "../src/program.ts";

const MODEL = "pythia-14m";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

/** The shared demo's inputs (no figures) in a writable temp folder. */
function demoCopy(): string {
  const src = sharedPath("reference", "pattern-lens-demo");
  const dst = mkdtempSync(join(tmpdir(), "pl-cli-figures-"));
  mkdirSync(join(dst, MODEL, "prompts"), { recursive: true });
  for (const f of ["model_cfg.json", "prompts.jsonl"]) copyFileSync(join(src, MODEL, f), join(dst, MODEL, f));
  for (const h of readdirSync(join(src, MODEL, "prompts"))) {
    mkdirSync(join(dst, MODEL, "prompts", h));
    for (const f of ["prompt.json", "activations.npz"]) {
      copyFileSync(join(src, MODEL, "prompts", h, f), join(dst, MODEL, "prompts", h, f));
    }
  }
  return dst;
}

function firstHash(save: string): string {
  const line = readFileSync(join(save, MODEL, "prompts.jsonl"), "utf8").split("\n")[0]!;
  return (JSON.parse(line) as { hash: string }).hash;
}

describe("pattern-lens figures", () => {
  it("renders raw for the first prompts and prints the summary", async () => {
    const save = demoCopy();
    const c = capture();
    const code = await runCommand(
      [
        "figures",
        "--model",
        MODEL,
        "--save-path",
        save,
        "--n-samples",
        "2",
        "--figure-funcs",
        "raw",
        "--jobs",
        "1",
      ],
      c.io,
    );
    expect(code).toBe(0);
    expect(c.out.join("")).toMatch(/figures: 48 written, 0 already done, 0 failed/);
    const png = readFileSync(join(save, MODEL, "prompts", firstHash(save), "L5", "H3", "raw.png"));
    expect(decodePng(png).width).toBeGreaterThan(1);
    const again = capture();
    await runCommand(
      [
        "figures",
        "--model",
        MODEL,
        "--save-path",
        save,
        "--n-samples",
        "2",
        "--figure-funcs",
        "raw",
        "--jobs",
        "1",
      ],
      again.io,
    );
    expect(again.out.join("")).toMatch(/0 written, 48 already done, 0 failed/);
  });

  it("fails with PL_FIGURES_MODEL_DIR_MISSING naming the folder and the command that creates it", async () => {
    const save = mkdtempSync(join(tmpdir(), "pl-cli-empty-"));
    await expect(
      runCommand(["figures", "--model", "gpt2", "--save-path", save], capture().io),
    ).rejects.toMatchObject({
      code: "PL_FIGURES_MODEL_DIR_MISSING",
      message: expect.stringMatching(new RegExp(`${save}/gpt2 does not exist.*pattern-lens activations`)),
    });
  });

  it("rejects a bad --jobs value with exit 2", async () => {
    const c = capture();
    expect(await runCommand(["figures", "--model", "m", "--save-path", ".", "--jobs", "two"], c.io)).toBe(2);
    expect(c.err.join("")).toContain("argument 'two' is invalid. --jobs must be an integer of at least 1.");
  });

  it("loads a TypeScript --module with a custom figure, with --jobs 2", async () => {
    const save = demoCopy();
    const dir = mkdtempSync(join(tmpdir(), "pl-cli-module-"));
    const mod = join(dir, "my-figures.ts");
    writeFileSync(
      mod,
      `import { registerAttnFigureFunc, type AttentionPattern } from "@pattern-lens/figures";
import { encodePng, matrixToRgb } from "@pattern-lens/figure-util";

/** Attention with the diagonal removed. */
function noDiag(p: AttentionPattern): Float32Array {
  const n: number = p.shape[0]!;
  const out = new Float32Array(n * n);
  for (let q = 0; q < n; q++) for (let k = 0; k < n; k++) out[q * n + k] = q === k ? 0 : p.get(q, k);
  return out;
}

registerAttnFigureFunc({
  name: "no_diag",
  fmt: "png",
  doc: "pattern without its diagonal",
  render: (p) => {
    const n = p.shape[0]!;
    return encodePng(matrixToRgb({ data: noDiag(p), shape: [n, n] }, { normalize: true, cmap: "viridis" }));
  },
});
`,
    );
    const c = capture();
    const code = await runCommand(
      [
        "figures",
        ...["--model", MODEL, "--save-path", save, "--n-samples", "3"],
        ...["--figure-funcs", "no_*", "--module", mod, "--jobs", "2"],
      ],
      c.io,
    );
    expect(c.err.join("")).toBe("");
    expect(code).toBe(0);
    expect(c.out.join("")).toMatch(/figures: 72 written, 0 already done, 0 failed/);
    const hash = firstHash(save);
    const file = join(save, MODEL, "prompts", hash, "L2", "H1", "no_diag.png");
    const img = decodePng(readFileSync(file));
    // viridis' darkest colour (68, 1, 84) on the zeroed diagonal.
    expect([...img.data.subarray(0, 3)]).toEqual([68, 1, 84]);
    expect(existsSync(join(save, MODEL, "prompts", hash, "L2", "H1", "raw.png"))).toBe(false);
    const index = readFileSync(join(save, "figures.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { name: string; source: string });
    const line = index.find((l) => l.name === "no_diag");
    expect(line?.source).toMatch(/^(\.\.\/)+.*my-figures\.ts$/);
    expect(index.every((l) => !l.source.startsWith("/"))).toBe(true);
  });
});
