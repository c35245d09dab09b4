import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { decodeNpz, promptHash } from "@pattern-lens/indexes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LayerPattern, openPatternModel, type PatternModel, runPatternBatch } from "../src/index.ts";
import { openLayerStreamer } from "../src/layer-stream.ts";
import {
  expectLayerByLayerLikeWhole,
  gpt2TinyDir,
  gpt2TinyPrompts,
  gpt2TinyReference,
  maxAbsDiff,
  tempDir,
  toFloat32,
} from "./_helpers.ts";
import { TINY_TOKENIZER, type TinyVariant, tinyModel, tinyReference } from "./_tiny-model.ts";

async function openTiny(variant: TinyVariant): Promise<PatternModel> {
  const path = join(tempDir(`pl-stream-${variant}-`), `${variant}.onnx`);
  writeFileSync(path, tinyModel(variant));
  return openPatternModel({ model: path, cacheDir: tempDir(), tokenizer: TINY_TOKENIZER });
}

async function streamAll(pm: PatternModel, ids: number[]): Promise<LayerPattern[]> {
  const streamer = await openLayerStreamer(pm);
  if (!streamer) throw new Error("expected a split");
  const got: LayerPattern[] = [];
  try {
    await streamer.run(ids, async (l, p) => {
      expect(l).toBe(got.length); // layer order, one at a time
      got.push(p);
    });
  } finally {
    await streamer.close();
  }
  return got;
}

describe("openLayerStreamer: one ONNX Runtime session per layer", () => {
  let pm: PatternModel;
  beforeAll(async () => {
    pm = await openPatternModel({ model: gpt2TinyDir(), cacheDir: tempDir() });
  });
  afterAll(async () => pm?.close());

  it("gpt2-tiny-torch: per-layer patterns equal the PyTorch reference (1e-5) and the whole-model run (1e-6)", async () => {
    for (const [j, ref] of gpt2TinyPrompts().entries()) {
      const streamed = await streamAll(pm, ref.input_ids);
      const [whole] = await runPatternBatch(pm, [ref.input_ids]);
      expect(streamed).toHaveLength(2);
      for (const [l, p] of streamed.entries()) {
        const want = gpt2TinyReference(j).get(`blocks.${l}.attn.hook_pattern`);
        expect(maxAbsDiff(toFloat32(want as never), p.data)).toBeLessThan(1e-5);
        expect(maxAbsDiff(whole?.layers[l]?.data ?? [], p.data)).toBeLessThanOrEqual(1e-6);
      }
      await expectLayerByLayerLikeWhole(pm, ref.input_ids);
    }
    // the split is cached beside the instrumented copy: layer 1 reads what layer 0 passes on
    const plan = JSON.parse(
      readFileSync(join(dirname(pm.instrumented.path), "segments-v3", "segments.json"), "utf8"),
    );
    expect(plan.split).toBe(true);
    expect(plan.segments).toHaveLength(2);
    expect(plan.segments[1].carriesIn.length).toBeGreaterThan(0);
    expect(plan.segments[0].carriesOut).toEqual(expect.arrayContaining(plan.segments[1].carriesIn));
    expect(plan.segments[1].carriesOut).toEqual([]);
    // the product of layer 0's probabilities with its values is computed in layer 0's segment:
    // the probabilities themselves (the pattern, or the Softmax output it is a cast of) never pass
    const softmax0 = pm.instrumented.plan.outputs[0] as string;
    expect(plan.segments[1].carriesIn).not.toContain(softmax0);
    expect(plan.segments[1].carriesIn.some((c: string) => /Softmax/.test(c))).toBe(false);
  });

  for (const variant of ["softmax", "attentions", "mha", "softmax-fp16"] as const) {
    it(`builder graph '${variant}': per-layer patterns equal a float64 JS forward pass`, async () => {
      const m = await openTiny(variant);
      try {
        const ids = [0, 5, 17, 3, 9, 33, 1, 12];
        const streamed = await streamAll(m, ids);
        const ref = tinyReference(ids);
        expect(streamed).toHaveLength(ref.length);
        const tol = variant === "softmax-fp16" ? 2e-3 : 1e-5;
        for (const [l, p] of streamed.entries())
          expect(maxAbsDiff(ref[l] as Float64Array, p.data)).toBeLessThan(tol);
        // float16 graphs: the split's results differ from the whole graph's in a few values (at
        // float16 precision, not investigated further); the float32 ones are the same bits
        if (variant !== "softmax-fp16") await expectLayerByLayerLikeWhole(m, ids);
      } finally {
        await m.close();
      }
    });
  }

  it("a merged decoder (patterns inside If branches) cannot be split: undefined", async () => {
    const m = await openTiny("if");
    try {
      expect(await openLayerStreamer(m)).toBeUndefined();
    } finally {
      await m.close();
    }
  });
});

describe("activationsMain with streamFromTokens", () => {
  it("streams every prompt at or over the threshold, writing the same npz as a whole-model run", async () => {
    const { activationsMain } = await import("../src/index.ts");
    const prompts = join(tempDir(), "p.jsonl");
    writeFileSync(
      prompts,
      `${gpt2TinyPrompts()
        .map((r) => JSON.stringify({ text: r.text }))
        .join("\n")}\n`,
    );
    const cacheDir = tempDir();
    const run = (savePath: string, streamFromTokens?: number) =>
      activationsMain({
        model: gpt2TinyDir(),
        prompts,
        savePath,
        minChars: 1,
        cacheDir,
        compressLevel: 0,
        ...(streamFromTokens === undefined ? {} : { streamFromTokens }),
      });
    const [a, b] = [tempDir(), tempDir()];
    const whole = await run(a);
    const lens = gpt2TinyPrompts().map((r) => r.input_ids.length);
    const cut = [...lens].sort((x, y) => x - y)[1] as number; // stream all but the shortest
    const streamed = await run(b, cut);
    expect(whole.streamed).toBe(0);
    expect(streamed.streamed).toBe(lens.filter((n) => n >= cut).length);
    expect(streamed.computed).toBe(whole.computed);
    for (const r of gpt2TinyPrompts()) {
      const p = (d: string) =>
        decodeNpz(
          new Uint8Array(
            readFileSync(join(d, "gpt2-tiny-torch", "prompts", promptHash(r.text), "activations.npz")),
          ),
        );
      const [x, y] = [p(a), p(b)];
      expect([...y.keys()]).toEqual([...x.keys()]);
      for (const [k, v] of x)
        expect(maxAbsDiff(toFloat32(v), toFloat32(y.get(k) as never))).toBeLessThanOrEqual(1e-6);
    }
  });
});

describe("activationsMain: layer by layer or all at once, the same npz bytes", () => {
  // every float32 capture method of the builder graphs (the fused Attention and GQA exports are
  // checked layer by layer in instrument-fused/instrument-gqa.test.ts)
  for (const variant of ["softmax", "attentions", "mha", "if"] as const) {
    it(`builder graph '${variant}': streamed npz files (overlapped and lean) equal the in-memory ones byte for byte`, async () => {
      const { activationsMain } = await import("../src/index.ts");
      const model = join(tempDir(), `${variant}.onnx`);
      writeFileSync(model, tinyModel(variant));
      const prompts = join(tempDir(), "p.jsonl");
      const texts = ["a b c d e f g", "h i j k l m n o p q r s t", "u v w"];
      writeFileSync(prompts, `${texts.map((text) => JSON.stringify({ text })).join("\n")}\n`);
      const cacheDir = tempDir();
      const warnings: string[] = [];
      const run = (savePath: string, how: "whole" | "overlapped" | "lean") =>
        activationsMain({
          model,
          prompts,
          savePath,
          minChars: 1,
          cacheDir,
          tokenizer: TINY_TOKENIZER,
          batchSize: 1,
          // lean: a budget no layer fits four times; overlapped: every prompt streamed by length
          ...(how === "lean" ? { maxMemory: 1 } : { maxMemory: 1e15 }),
          ...(how === "overlapped" ? { streamFromTokens: 1 } : {}),
          onWarning: (m) => warnings.push(m),
        });
      const [a, b, c] = [tempDir(), tempDir(), tempDir()];
      const whole = await run(a, "whole");
      const lean = await run(b, "lean");
      const overlapped = await run(c, "overlapped");
      expect([whole.streamed, whole.lean]).toEqual([0, 0]);
      // a merged decoder cannot be split: it runs whole, with a warning
      const n = variant === "if" ? 0 : texts.length;
      expect([lean.streamed, lean.lean]).toEqual([n, n]);
      expect([overlapped.streamed, overlapped.lean]).toEqual([n, 0]);
      if (variant === "if") expect(warnings.join("\n")).toMatch(/cannot be split by layer/);
      for (const text of texts) {
        const f = (d: string) =>
          readFileSync(join(d, variant, "prompts", promptHash(text), "activations.npz"));
        expect(f(b).equals(f(a))).toBe(true);
        expect(f(c).equals(f(a))).toBe(true);
      }
    });
  }
});
