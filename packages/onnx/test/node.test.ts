import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sharedPath } from "#test-support/shared.ts";
import {
  embedExternalData,
  externalDataInfo,
  externalDataLocations,
  GraphBuilder,
  type ModelProto,
  makeFloat32Tensor,
  setExternalDataEntry,
  tensorToFloat32,
} from "../src/index.ts";
import { externalDataResolver, isSafeExternalLocation, loadModel, saveModel } from "../src/node.ts";

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), "pl-onnx-"));
});
afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** A model whose two weights live in `<dir>/<location>` as external data. */
function modelWithExternalData(
  dir: string,
  location: string,
): { model: ModelProto; a: Float32Array; b: Float32Array } {
  const a = Float32Array.from({ length: 300 }, (_, i) => i / 7);
  const b = Float32Array.from({ length: 50 }, (_, i) => -i);
  const g = new GraphBuilder();
  const x = g.input("x", "float32", [300]);
  g.output(g.mul(x, g.initializer(makeFloat32Tensor("a", [300], a))), "y");
  g.initializer(makeFloat32Tensor("b", [50], b));
  const model = g.toModel();
  const file = new Uint8Array(16 + a.byteLength + b.byteLength);
  file.set(new Uint8Array(a.buffer), 16);
  file.set(new Uint8Array(b.buffer), 16 + a.byteLength);
  mkdirSync(join(dir, location, ".."), { recursive: true });
  writeFileSync(join(dir, location), file);
  let offset = 16;
  for (const t of model.graph!.initializer.filter((t) => t.name === "a" || t.name === "b")) {
    const len = t.rawData!.length;
    delete t.rawData;
    t.dataLocation = 1;
    setExternalDataEntry(t, "location", location);
    setExternalDataEntry(t, "offset", String(offset));
    setExternalDataEntry(t, "length", String(len));
    offset += len;
  }
  return { model, a, b };
}

describe("loadModel", () => {
  it("loads a real model", async () => {
    const m = await loadModel(sharedPath("models/ort-fused/tiny-random-gpt2-fp32/past.onnx"));
    expect(m.graph!.node.some((n) => n.opType === "Attention")).toBe(true);
  });

  it("names the file in PL_ONNX_NOT_FOUND and PL_ONNX_CORRUPT errors", async () => {
    await expect(loadModel(join(tmp, "missing.onnx"))).rejects.toMatchObject({ code: "PL_ONNX_NOT_FOUND" });
    writeFileSync(join(tmp, "bad.onnx"), "not a model at all\n");
    await expect(loadModel(join(tmp, "bad.onnx"))).rejects.toMatchObject({
      code: "PL_ONNX_CORRUPT",
      message: expect.stringContaining("bad.onnx"),
    });
  });
});

describe("external data", () => {
  it("resolves tensors from the files beside the model", () => {
    const { model, a, b } = modelWithExternalData(tmp, "weights.bin");
    expect(externalDataLocations(model)).toEqual(["weights.bin"]);
    const resolve = externalDataResolver(tmp);
    const [ta, tb] = model.graph!.initializer.filter((t) => externalDataInfo(t) !== undefined);
    expect(tensorToFloat32(ta!, resolve)).toEqual(a);
    expect(tensorToFloat32(tb!, resolve)).toEqual(b);
    resolve.close();
  });

  it("saveModel into another folder links the data file and keeps values readable", async () => {
    const src = join(tmp, "src");
    const { model, a } = modelWithExternalData(src, "weights.bin");
    const out = join(tmp, "out", "edited.onnx");
    await saveModel(model, out, { sourceDir: src });
    expect(existsSync(join(tmp, "out", "weights.bin"))).toBe(true);
    const back = await loadModel(out);
    const resolve = externalDataResolver(join(tmp, "out"));
    expect(tensorToFloat32(back.graph!.initializer.find((t) => t.name === "a")!, resolve)).toEqual(a);
    resolve.close();
  });

  it.each(["copy", "symlink"] as const)("saveModel with externalData=%s", async (mode) => {
    const src = join(tmp, "src");
    const { model } = modelWithExternalData(src, "weights.bin");
    await saveModel(model, join(tmp, "out", "m.onnx"), { sourceDir: src, externalData: mode });
    const st = lstatSync(join(tmp, "out", "weights.bin"));
    expect(st.isSymbolicLink()).toBe(mode === "symlink");
    expect(readFileSync(join(tmp, "out", "weights.bin"))).toEqual(readFileSync(join(src, "weights.bin")));
  });

  it("rewrites locations that escape the model folder (ONNX Runtime rejects them)", async () => {
    const src = join(tmp, "a", "model");
    const { model } = modelWithExternalData(src, "../shared/w.bin");
    expect(isSafeExternalLocation("../shared/w.bin")).toBe(false);
    expect(isSafeExternalLocation("/abs/w.bin")).toBe(false);
    expect(isSafeExternalLocation("sub/w.bin")).toBe(true);
    await saveModel(model, join(tmp, "out", "m.onnx"), { sourceDir: src });
    const back = await loadModel(join(tmp, "out", "m.onnx"));
    expect(externalDataLocations(back)).toEqual(["w.bin"]);
    expect(existsSync(join(tmp, "out", "w.bin"))).toBe(true);
  });

  it("throws PL_ONNX_EXTERNAL_DATA when the data file is missing (the genai Llama ships without it)", async () => {
    const llama = sharedPath("models/ort-fused/tiny-random-LlamaForCausalLM-fp32");
    const model = await loadModel(join(llama, "model.onnx"));
    await expect(saveModel(model, join(tmp, "m.onnx"), { sourceDir: llama })).rejects.toMatchObject({
      code: "PL_ONNX_EXTERNAL_DATA",
    });
    expect(existsSync(join(tmp, "m.onnx"))).toBe(false);
  });

  it("embedExternalData makes the model self-contained", async () => {
    const { model, a } = modelWithExternalData(tmp, "weights.bin");
    const resolve = externalDataResolver(tmp);
    expect(embedExternalData(model, resolve)).toBe(2);
    resolve.close();
    expect(externalDataLocations(model)).toEqual([]);
    await saveModel(model, join(tmp, "inline", "m.onnx"));
    const back = await loadModel(join(tmp, "inline", "m.onnx"));
    expect(tensorToFloat32(back.graph!.initializer.find((t) => t.name === "a")!)).toEqual(a);
  });
});
