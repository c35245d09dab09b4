/**
 * A model with external data, edited and saved elsewhere by @pattern-lens/onnx's saveModel, still
 * loads in ONNX Runtime 1.30 (which rejects absolute locations and locations escaping the model
 * folder) and computes the same values.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addGraphOutput, GraphBuilder, type ModelProto, setExternalDataEntry } from "@pattern-lens/onnx";
import { loadModel, saveModel } from "@pattern-lens/onnx/node";
import * as ort from "onnxruntime-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), "pl-extdata-"));
});
afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const W = Float32Array.from({ length: 4096 }, (_, i) => (i % 17) / 8);

/** y = x * w, with w (16 KB) stored in `<dir>/<location>`. */
function writeModel(dir: string, location: string): ModelProto {
  const b = new GraphBuilder();
  const x = b.input("x", "float32", [4096]);
  const w = b.float32("w", [4096], W);
  b.output(b.mul(x, w), "y");
  const model = b.toModel();
  const t = model.graph!.initializer[0]!;
  mkdirSync(join(dir, location, ".."), { recursive: true });
  writeFileSync(join(dir, location), t.rawData!);
  delete t.rawData;
  t.dataLocation = 1;
  setExternalDataEntry(t, "location", location);
  return model;
}

async function runFile(path: string): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(path);
  try {
    const x = new ort.Tensor("float32", new Float32Array(4096).fill(2), [4096]);
    const out = await s.run({ x });
    return out.y!.data as Float32Array;
  } finally {
    await s.release();
  }
}

describe("saveModel keeps external data loadable by ONNX Runtime", () => {
  it.each(["link", "copy"] as const)("edited copy in another folder (%s)", async (mode) => {
    const src = join(tmp, "src");
    mkdirSync(src);
    await saveModel(writeModel(src, "model.onnx.data"), join(src, "model.onnx"));
    expect([...(await runFile(join(src, "model.onnx")))].slice(0, 3)).toEqual([0, 0.25, 0.5]);
    const model = await loadModel(join(src, "model.onnx"));
    addGraphOutput(model.graph!, "x"); // an edit
    const out = join(tmp, "instrumented", "model.onnx");
    await saveModel(model, out, { sourceDir: src, externalData: mode });
    const y = await runFile(out);
    expect(y).toEqual(W.map((v) => v * 2));
  });

  it("(a fact of ORT 1.30) a symlinked data file whose real path is elsewhere is rejected", async () => {
    const src = join(tmp, "src");
    mkdirSync(src);
    await saveModel(writeModel(src, "model.onnx.data"), join(src, "model.onnx"));
    const out = join(tmp, "instrumented", "model.onnx");
    await saveModel(await loadModel(join(src, "model.onnx")), out, {
      sourceDir: src,
      externalData: "symlink",
    });
    await expect(runFile(out)).rejects.toThrow(/escapes model directory/);
  });

  it("rewrites a location escaping the folder, which ONNX Runtime would reject", async () => {
    const src = join(tmp, "repo", "onnx");
    mkdirSync(src, { recursive: true });
    const model = writeModel(src, "../weights/w.bin");
    await saveModel(model, join(tmp, "out", "model.onnx"), { sourceDir: src });
    expect(await runFile(join(tmp, "out", "model.onnx"))).toEqual(W.map((v) => v * 2));
  });
});
