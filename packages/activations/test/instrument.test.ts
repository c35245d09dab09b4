import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeModel } from "@pattern-lens/onnx";
import { describe, expect, it } from "vitest";
import { ActivationsError, layerIndexFromName, openPatternModel, runPatternBatch } from "../src/index.ts";
import { maxAbsDiff, tempDir } from "./_helpers.ts";
import { TINY_TOKENIZER, type TinyVariant, tinyModel, tinyReference } from "./_tiny-model.ts";

async function open(variant: TinyVariant) {
  const dir = tempDir(`pl-tiny-${variant}-`);
  const path = join(dir, `${variant}.onnx`);
  writeFileSync(path, tinyModel(variant));
  return openPatternModel({ model: path, cacheDir: tempDir(), tokenizer: TINY_TOKENIZER });
}

const ROWS = [
  [0, 5, 17, 33, 2, 9, 9, 21],
  [0, 3],
  [0, 39, 1, 8, 30],
];

describe.each([
  ["softmax", "softmax", 1e-5],
  ["attentions", "attentions-output", 1e-5],
  ["mha", "multi-head-attention", 1e-5],
  ["if", "softmax-if-merged", 1e-5],
  ["softmax-fp16", "softmax", 2e-3],
] as const)("capture method for the %s graph", (variant, method, tol) => {
  it(`uses ${method} and equals the JS reference softmax, batched and single`, async () => {
    const pm = await open(variant);
    try {
      expect(pm.instrumented.plan.method).toBe(method);
      expect(pm.nLayers).toBe(2);
      const batched = await runPatternBatch(pm, ROWS);
      for (const [r, row] of ROWS.entries()) {
        const want = tinyReference(row);
        const [single] = await runPatternBatch(pm, [row]);
        for (let l = 0; l < 2; l++) {
          expect(single?.layers[l]?.nHeads).toBe(2);
          expect(maxAbsDiff(want[l] as Float64Array, single?.layers[l]?.data ?? [])).toBeLessThan(tol);
          expect(
            maxAbsDiff(batched[r]?.layers[l]?.data ?? [], single?.layers[l]?.data ?? []),
          ).toBeLessThanOrEqual(1e-6);
        }
      }
      // only the patterns are left as outputs; the vocabulary projection is pruned
      expect(pm.session.outputs.map((o) => o.name)).toEqual(["pattern_lens.attn.0", "pattern_lens.attn.1"]);
      const g = decodeModel(new Uint8Array(readFileSync(pm.instrumented.path))).graph;
      expect(g?.initializer.some((t) => t.name === "Et")).toBe(false);
      expect(g?.node.some((n) => n.input.includes("Et"))).toBe(false);
    } finally {
      await pm.close();
    }
  });
});

describe("instrumentation errors", () => {
  it("PL_ACTIVATIONS_MODEL_NO_ATTENTION lists the op types", async () => {
    const err = await open("no-attention").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActivationsError);
    expect((err as ActivationsError).code).toBe("PL_ACTIVATIONS_MODEL_NO_ATTENTION");
    expect((err as Error).message).toContain("Sigmoid");
    expect((err as Error).message).toContain("MatMul");
  });

  it("an input the tool cannot fill is named", async () => {
    const pm = await open("extra-input");
    try {
      const err = await runPatternBatch(pm, [[0, 1, 2]]).catch((e: unknown) => e);
      expect((err as ActivationsError).code).toBe("PL_ACTIVATIONS_MODEL_INPUT_UNSUPPORTED");
      expect((err as Error).message).toContain("'token_type_weird'");
    } finally {
      await pm.close();
    }
  });
});

describe("layerIndexFromName", () => {
  it.each([
    ["/model/layers.3/attn/Softmax", 3],
    ["/transformer/h.11/attn/Softmax", 11],
    ["/gpt_neox/layers.0/attention/Softmax", 0],
    ["blocks_7/attn/softmax", 7],
    ["/m/h.0/attn/Softmax", 0],
    ["Softmax_12", undefined],
  ])("%s -> %s", (name, want) => {
    expect(layerIndexFromName(name)).toBe(want);
  });
});
