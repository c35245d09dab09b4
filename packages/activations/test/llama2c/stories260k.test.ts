/**
 * Done-means for llama2.c checkpoints (issue 5): the stories260K checkpoint converted to ONNX by
 * @pattern-lens/models runs in ONNX Runtime, reproduces llama2.c's greedy continuation of BOS, and
 * its attention patterns match an independent float64 reference within 1e-4.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeNpz, type NpyArray, toFloat32 } from "@pattern-lens/indexes";
import { addGraphOutput, decodeModel, encodeModel, findNodesByOpType } from "@pattern-lens/onnx";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sharedPath } from "#test-support/shared.ts";
import {
  type ConvertedLlama2c,
  convertLlama2c,
  llama2cSoftmaxName,
  loadLlama2cTokenizer,
} from "../../../models/src/index.ts";

const dir = () => sharedPath("models/stories260K");
let cacheDir: string;
let converted: ConvertedLlama2c;
let session: ort.InferenceSession;

beforeAll(async () => {
  cacheDir = mkdtempSync(join(tmpdir(), "pl-llama2c-"));
  converted = await convertLlama2c({
    checkpoint: join(dir(), "stories260K.bin"),
    tokenizer: join(dir(), "tok512.bin"),
    cacheDir,
  });
  // expose every layer's Softmax output next to the logits
  const model = decodeModel(new Uint8Array(readFileSync(converted.onnxFile)));
  for (let l = 0; l < converted.config.nLayers; l++) {
    const sm = findNodesByOpType(model.graph!, "Softmax").find((n) => n.name === llama2cSoftmaxName(l))!;
    addGraphOutput(model.graph!, sm.output[0]!);
  }
  session = await ort.InferenceSession.create(encodeModel(model), { intraOpNumThreads: 1 });
});

afterAll(async () => {
  await session?.release();
  rmSync(cacheDir, { recursive: true, force: true });
});

function ids(tokens: number[]): ort.Tensor {
  return new ort.Tensor(
    "int64",
    BigInt64Array.from(tokens, (t) => BigInt(t)),
    [1, tokens.length],
  );
}

describe("stories260K through ONNX Runtime", () => {
  it("converts with the header's shape", () => {
    expect(converted.config).toMatchObject({
      dim: 64,
      nLayers: 5,
      nHeads: 8,
      nKvHeads: 4,
      vocabSize: 512,
      seqLen: 512,
    });
    expect(session.inputNames).toEqual(["input_ids"]);
    expect(session.outputNames[0]).toBe("logits");
  });

  it("greedy decoding from BOS reproduces golden_greedy_t0.txt exactly", async () => {
    const golden = readFileSync(join(dir(), "golden_greedy_t0.txt"), "utf8");
    const tok = await loadLlama2cTokenizer(join(dir(), "tok512.bin"), 512);
    // llama2.c `run` (default -n 256): at each position 0..255 it predicts and prints the next
    // token, stopping early if that is BOS; so 256 tokens follow BOS
    const steps = 256;
    const tokens = [1];
    while (tokens.length <= steps) {
      const out = await session.run({ input_ids: ids(tokens) }, ["logits"]);
      const logits = out.logits!.data as Float32Array;
      const V = 512;
      const last = logits.subarray((tokens.length - 1) * V, tokens.length * V);
      let best = 0;
      for (let i = 1; i < V; i++) if (last[i]! > last[best]!) best = i;
      if (best === 1) break;
      tokens.push(best);
    }
    // llama2.c prints each piece after the previous token and a newline at the end
    expect(tokens.length).toBe(steps + 1);
    expect(`${tok.decode(tokens)}\n`).toBe(golden);
  });

  it("attention patterns for the reference tokens match the float64 numpy reference within 1e-4", async () => {
    const ref = JSON.parse(readFileSync(join(dir(), "reference_patterns_numpy.json"), "utf8")) as {
      input_ids: number[];
    };
    const tok = await loadLlama2cTokenizer(join(dir(), "tok512.bin"), 512);
    // the reference prompt is BOS + llama2.c's encoding of the text
    expect(tok.encode("Once upon a time, there was a little girl named Lily.", { bos: true })).toEqual(
      ref.input_ids,
    );
    const npz: Map<string, NpyArray> = decodeNpz(
      new Uint8Array(readFileSync(join(dir(), "reference_patterns_numpy.npz"))),
    );
    const out = await session.run({ input_ids: ids(ref.input_ids) });
    const n = ref.input_ids.length;
    let worst = 0;
    for (let l = 0; l < 5; l++) {
      const want = npz.get(`blocks.${l}.attn.hook_pattern`)!;
      expect(want.shape).toEqual([1, 8, n, n]);
      const name = `${llama2cSoftmaxName(l)}_output_0`;
      const got = out[name]!;
      expect(got.dims).toEqual([1, 8, n, n]);
      const g = got.data as Float32Array;
      const w = toFloat32(want);
      for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(g[i]! - w[i]!));
    }
    console.log(`stories260K patterns: max |ours - numpy float64| = ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-4);
  });
});
