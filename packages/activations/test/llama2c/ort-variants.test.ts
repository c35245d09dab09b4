/**
 * The converted llama2.c graph in ONNX Runtime: weights in external data give the same logits as
 * inline weights, and a right-padded batch equals one prompt at a time.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sharedPath } from "#test-support/shared.ts";
import { convertLlama2c } from "../../../models/src/index.ts";

let cacheDir: string;
let inline: ort.InferenceSession;
let external: ort.InferenceSession;

beforeAll(async () => {
  cacheDir = mkdtempSync(join(tmpdir(), "pl-llama2c-ort-"));
  const files = {
    checkpoint: sharedPath("models/stories260K/stories260K.bin"),
    tokenizer: sharedPath("models/stories260K/tok512.bin"),
  };
  const a = await convertLlama2c({ ...files, cacheDir: join(cacheDir, "inline") });
  const b = await convertLlama2c({ ...files, cacheDir: join(cacheDir, "external"), externalData: true });
  inline = await ort.InferenceSession.create(a.onnxFile, { intraOpNumThreads: 1 });
  external = await ort.InferenceSession.create(b.onnxFile, { intraOpNumThreads: 1 });
});

afterAll(async () => {
  await inline?.release();
  await external?.release();
  rmSync(cacheDir, { recursive: true, force: true });
});

const ids = (rows: number[][]) =>
  new ort.Tensor(
    "int64",
    BigInt64Array.from(rows.flat(), (v) => BigInt(v)),
    [rows.length, rows[0]!.length],
  );

describe("converted stories260K", () => {
  it("external-data weights give identical logits", async () => {
    const input = { input_ids: ids([[1, 403, 407, 261, 378, 432]]) };
    const a = (await inline.run(input)).logits!.data as Float32Array;
    const b = (await external.run(input)).logits!.data as Float32Array;
    expect(a.length).toBe(6 * 512);
    expect(b).toEqual(a);
  });

  it("a right-padded batch equals single prompts on the real tokens", async () => {
    const long = [1, 403, 407, 261, 378, 432, 383, 286];
    const short = [1, 298, 315, 421];
    const padded = [...short, 0, 0, 0, 0];
    const batch = (await inline.run({ input_ids: ids([long, padded]) })).logits!.data as Float32Array;
    const one = (await inline.run({ input_ids: ids([long]) })).logits!.data as Float32Array;
    const two = (await inline.run({ input_ids: ids([short]) })).logits!.data as Float32Array;
    const V = 512;
    let worst = 0;
    for (let i = 0; i < long.length * V; i++) worst = Math.max(worst, Math.abs(batch[i]! - one[i]!));
    for (let i = 0; i < short.length * V; i++)
      worst = Math.max(worst, Math.abs(batch[long.length * V + i]! - two[i]!));
    expect(worst).toBeLessThan(1e-5);
  });
});
