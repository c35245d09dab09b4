/**
 * `run` and `figures` report what really happened: figures and metrics work on exactly the prompts
 * the activations step saved, and a step that produced nothing exits non-zero with a clear message.
 * Real ONNX Runtime on the embedded demo model; the CLI through runCommand.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runFigures } from "@pattern-lens/figures";
import { promptHash } from "@pattern-lens/indexes";
import { buildDemoModel, DEMO_MODEL_NAME } from "@pattern-lens/models";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCommand } from "../src/program.ts";
import { capture } from "./support/capture.ts";

const root = mkdtempSync(join(tmpdir(), "pl-cli-pipeline-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let modelDir = "";
const cache = join(root, "cache");

beforeAll(async () => {
  modelDir = (await buildDemoModel(join(root, DEMO_MODEL_NAME))).dir;
});

function promptsFile(name: string, texts: string[]): string {
  const p = join(root, name);
  writeFileSync(p, texts.map((text) => `${JSON.stringify({ text })}\n`).join(""));
  return p;
}

const base = (save: string) => [
  "--model",
  modelDir,
  "--save-path",
  save,
  "--min-chars",
  "1",
  "--cache-dir",
  cache,
];

describe("run --n-samples", () => {
  it("figures and metrics work on exactly the prompts activations just saved", async () => {
    const save = join(root, "n-samples");
    // an earlier run leaves 6 other prompts in prompts.jsonl (sorted by hash, so they interleave)
    const earlier = promptsFile("earlier.jsonl", [
      "abcabc xyz",
      "qwerty qwerty",
      "zz top zz",
      "lorem ipsum",
      "hello world",
      "one two one",
    ]);
    const c0 = capture();
    expect(
      await runCommand(["activations", ...base(save), "--prompts", earlier, "--no-index-html"], c0.io),
    ).toBe(0);

    const fresh = promptsFile("fresh.jsonl", ["the cat sat the cat", "red green red green", "a b c a b c"]);
    const c = capture();
    const code = await runCommand(
      [
        "run",
        ...base(save),
        "--prompts",
        fresh,
        "--n-samples",
        "2",
        "--figure-funcs",
        "raw",
        "--jobs",
        "1",
        "--no-index-html",
      ],
      c.io,
    );
    expect(code, c.errText()).toBe(0);
    const lines = readFileSync(join(save, DEMO_MODEL_NAME, "prompts.jsonl"), "utf8")
      .trim()
      .split("\n");
    expect(lines).toHaveLength(8);
    expect(c.text()).toContain("activations: 2 computed, 0 skipped");
    expect(c.text()).toContain("figures: raw × 2 prompts (16 outputs)");
    expect(c.text()).toMatch(/metrics: \d+ lines \(2 layers × 4 heads × \d+ metrics\) from 2 prompts/);
    // raw.png for the two new prompts only; none of the earlier ones got a figure
    const want = new Set(["the cat sat the cat", "red green red green"].map((t) => promptHash(t)));
    for (const line of lines) {
      const { hash } = JSON.parse(line) as { hash: string };
      const png = join(save, DEMO_MODEL_NAME, "prompts", hash, "L0", "H0", "raw.png");
      expect(existsSync(png), hash).toBe(want.has(hash));
    }
  });
});

describe("a step that produces nothing", () => {
  it("figures exits 1 with a clear message when a figure function throws on every head", async () => {
    const save = join(root, "throwing");
    const p = promptsFile("throwing.jsonl", ["the cat sat the cat", "red green red green"]);
    const c0 = capture();
    expect(await runCommand(["activations", ...base(save), "--prompts", p, "--no-index-html"], c0.io)).toBe(
      0,
    );
    const mod = join(root, "throws.mjs");
    writeFileSync(
      mod,
      'import { defineMatrixFigure } from "@pattern-lens/figure-util";\n' +
        'export default [defineMatrixFigure({ name: "always_throws", doc: "fails", fmt: "png" }, () => { throw new Error("deliberate failure"); })];\n',
    );
    const c = capture();
    const code = await runCommand(
      [
        "figures",
        "--model-name",
        DEMO_MODEL_NAME,
        "--save-path",
        save,
        "--module",
        mod,
        "--figure-funcs",
        "always_throws",
        "--jobs",
        "1",
      ],
      c.io,
    );
    expect(code).toBe(1);
    expect(c.text()).toContain("figures: 0 written, 0 already done, 16 failed");
    expect(c.errText()).toContain("deliberate failure");
    expect(c.errText()).toContain("pattern-lens: error: no figure was written: every figure failed");

    // the same through `run`: the pipeline goes on to metrics, then exits 1
    const r = capture();
    const runCode = await runCommand(
      [
        "run",
        ...base(save),
        "--prompts",
        p,
        "--figure-module",
        mod,
        "--figure-funcs",
        "always_throws",
        "--jobs",
        "1",
        "--no-index-html",
      ],
      r.io,
    );
    expect(runCode).toBe(1);
    expect(r.text()).toContain("run: step 3/3: metrics");
  });

  it("progress counts slow figures as they finish, not only once per layer", async () => {
    const save = join(root, "throwing");
    const mod = join(root, "slow.mjs");
    writeFileSync(
      mod,
      'import { defineMatrixFigure } from "@pattern-lens/figure-util";\n' +
        'export default [defineMatrixFigure({ name: "slow", doc: "slow", fmt: "png", normalize: true }, (p) => {\n' +
        "  const until = performance.now() + 300; while (performance.now() < until) {}\n" +
        "  return { data: new Float32Array(p.data.slice(0, p.shape[0] * p.shape[1])), shape: p.shape }; })];\n",
    );
    const seen: number[] = [];
    const s = await runFigures({
      savePath: save,
      model: DEMO_MODEL_NAME,
      modules: [mod],
      figureFuncs: "slow",
      jobs: 1,
      onProgress: (p) => {
        if (seen.at(-1) !== p.done) seen.push(p.done);
      },
    });
    expect(s.written).toBe(16);
    // 2 prompts x 2 layers: once per layer would be 4 distinct counts; 4 heads of >= 300 ms each
    // report after every second head
    expect(seen.length).toBeGreaterThanOrEqual(8);
    expect(seen.at(-1)).toBe(16);
  });

  it("the plan line shows prompts x layers x heads and the size before computing", async () => {
    const save = join(root, "plan");
    const p = promptsFile("plan.jsonl", ["abcd", "abcdefgh"]);
    const c = capture();
    expect(await runCommand(["activations", ...base(save), "--prompts", p, "--no-index-html"], c.io)).toBe(0);
    // demo tokenizer: one token per character plus BOS: 5 and 9 tokens; 2 layers x 4 heads x n^2 x 4 bytes
    const bytes = 2 * 4 * (5 * 5 + 9 * 9) * 4;
    expect(c.text()).toContain(`activations: ${DEMO_MODEL_NAME} (`);
    expect(c.text()).toContain(
      `2 prompts, 0 already saved; 2 prompts (14 tokens) x 2 layers x 4 heads to compute, about ${(bytes / 1000).toFixed(2)} kB of patterns before compression`,
    );
    const again = capture();
    expect(
      await runCommand(["activations", ...base(save), "--prompts", p, "--no-index-html"], again.io),
    ).toBe(0);
    expect(again.text()).toContain("2 prompts, 2 already saved; nothing to compute");
  });
});
