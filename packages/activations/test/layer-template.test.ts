import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sharedPath } from "#test-support/shared.ts";
import { convertLlama2c } from "../../models/src/index.ts";
import { type LayerPattern, openPatternModel, type PatternModel } from "../src/index.ts";
import { openLayerStreamer } from "../src/layer-stream.ts";
import { expectLayerByLayerLikeWhole, maxAbsDiff, tempDir } from "./_helpers.ts";
import { TINY_TOKENIZER, type TinyVariant, tinyModel, tinyReference } from "./_tiny-model.ts";

const LAYERS = 5;
const IDS = [0, 5, 17, 3, 9, 33, 1, 12, 30, 2];

async function open(variant: TinyVariant): Promise<PatternModel> {
  const path = join(tempDir(`pl-shared-${variant}-`), `${variant}.onnx`);
  writeFileSync(path, tinyModel(variant, LAYERS));
  return openPatternModel({ model: path, cacheDir: tempDir(), tokenizer: TINY_TOKENIZER });
}

async function stream(pm: PatternModel, ids: number[]): Promise<LayerPattern[]> {
  const s = await openLayerStreamer(pm);
  if (!s) throw new Error("expected a split");
  const got: LayerPattern[] = [];
  try {
    await s.run(ids, async (_, p) => {
      got.push({ ...p, data: p.data.slice() });
    });
  } finally {
    await s.close();
  }
  return got;
}

const planPath = (pm: PatternModel) => join(dirname(pm.instrumented.path), "segments-v3", "segments.json");

describe("layers of the same structure share one session (weights fed as inputs)", () => {
  for (const variant of ["softmax", "attentions", "mha"] as const) {
    describe(`builder graph '${variant}', ${LAYERS} layers`, () => {
      let pm: PatternModel;
      beforeAll(async () => {
        pm = await open(variant);
      });
      afterAll(async () => pm?.close());

      it("the middle layers run on one shared model; the first and last keep their own", async () => {
        await stream(pm, IDS.slice(0, 3)); // builds the split
        const plan = JSON.parse(readFileSync(planPath(pm), "utf8"));
        const shared = plan.segments.map((s: { shared?: { template: string } }) => s.shared?.template);
        // layer 0 also embeds the tokens; the last layer has nothing to pass on
        expect(shared).toEqual([undefined, "shared0.onnx", "shared0.onnx", "shared0.onnx", undefined]);
        const s1 = plan.segments[1].shared;
        // q, k, v, o of each layer differ: they are inputs, read from the instrumented model
        expect(s1.weights.map((w: { dims: number[] }) => w.dims)).toEqual([
          [8, 8],
          [8, 8],
          [8, 8],
          [8, 8],
        ]);
        expect(
          new Set(
            plan.segments
              .slice(1, 4)
              .map((s: { shared: { weights: { offset: number }[] } }) => s.shared.weights[0]?.offset),
          ).size,
        ).toBe(3);
      });

      it("patterns equal the float64 forward pass and the whole-model run bit for bit", async () => {
        const got = await stream(pm, IDS);
        const ref = tinyReference(IDS, LAYERS);
        expect(got).toHaveLength(LAYERS);
        for (const [l, p] of got.entries())
          expect(maxAbsDiff(ref[l] as Float64Array, p.data)).toBeLessThan(1e-5);
        await expectLayerByLayerLikeWhole(pm, IDS);
      });

      it("the shared model gives the same bits as each layer's own model", async () => {
        const shared = await stream(pm, IDS);
        // the same split without the shared model: every layer runs its own segment file
        const path = planPath(pm);
        const plan = JSON.parse(readFileSync(path, "utf8"));
        for (const s of plan.segments) delete s.shared;
        writeFileSync(path, JSON.stringify(plan));
        const own = await stream(pm, IDS);
        for (const [l, p] of shared.entries())
          expect(Buffer.from(p.data.buffer).equals(Buffer.from((own[l] as LayerPattern).data.buffer))).toBe(
            true,
          );
      });
    });
  }
});

describe("stories260K (a real trained llama2.c checkpoint, GQA, 5 layers, weights in a data file)", () => {
  it("shares one model across layers 1-3, reading weights from the data file; same bits as the whole-model run", async () => {
    const converted = await convertLlama2c({
      checkpoint: sharedPath("models/stories260K/stories260K.bin"),
      tokenizer: sharedPath("models/stories260K/tok512.bin"),
      cacheDir: tempDir(),
    });
    const pm = await openPatternModel({
      model: converted.onnxFile,
      cacheDir: tempDir(),
      tokenizer: { encode: () => [], idToToken: (i: number) => `t${i}`, bosId: 1 },
    });
    try {
      const ids = [1, 403, 407, 261, 378, 9, 300, 301, 302, 500, 17, 42];
      await expectLayerByLayerLikeWhole(pm, ids);
      const plan = JSON.parse(readFileSync(planPath(pm), "utf8"));
      const shared = plan.segments.map((s: { shared?: { template: string } }) => s.shared?.template);
      expect(shared).toEqual([undefined, "shared0.onnx", "shared0.onnx", "shared0.onnx", undefined]);
      // the matrices are in the data file, the small norm weights inside the .onnx
      const sources = new Set(plan.segments[2].shared.weights.map((w: { source: string }) => w.source));
      expect(sources).toEqual(new Set(["external", "model"]));
    } finally {
      await pm.close();
    }
  });
});
