import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { decodeModel, encodeModel } from "@pattern-lens/onnx";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sharedPath } from "#test-support/shared.ts";
import { externalDataLocations, externalDataLocationsIn } from "../src/_onnx-external-data.ts";
import { fakeOnnx, tempDir } from "./_helpers.ts";

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => tmp.cleanup());

const MARKER = Buffer.concat([Buffer.from([0x0a, 0x08]), Buffer.from("location"), Buffer.from([0x12, 8])]);

describe("externalDataLocations", () => {
  it("finds none in a model with inline weights, and model.onnx.data in the ort-fused Llama graph", async () => {
    expect(
      await externalDataLocations(sharedPath("models", "gpt2-tiny-torch", "onnx", "model.onnx")),
    ).toEqual([]);
    expect(
      await externalDataLocations(
        sharedPath("models", "ort-fused", "tiny-random-LlamaForCausalLM-fp32", "model.onnx"),
      ),
    ).toEqual(["model.onnx.data"]);
  });

  it("walks the protobuf: initializers and Constant tensors count, look-alike bytes inside weights do not", async () => {
    const model = decodeModel(
      new Uint8Array(await readFile(sharedPath("models", "gpt2-tiny-torch", "onnx", "model.onnx"))),
    );
    const graph = model.graph!;
    const [a, b] = graph.initializer.filter((t) => (t.rawData?.length ?? 0) > 100);
    a!.externalData = [
      { key: "location", value: "weights/w.bin" },
      { key: "offset", value: "0" },
    ];
    a!.dataLocation = 1;
    a!.rawData = new Uint8Array(0);
    // raw weights that happen to contain the bytes of a location entry
    const raw = new Uint8Array(b!.rawData!);
    raw.set(Buffer.concat([MARKER, Buffer.from("fake.bin")]), 16);
    b!.rawData = raw;
    const constant = graph.node.find(
      (n) => n.opType === "Constant" && n.attribute.some((x) => x.t !== undefined),
    );
    const t = constant!.attribute.find((x) => x.t !== undefined)!.t!;
    t.externalData = [{ key: "location", value: "c.bin" }];
    t.dataLocation = 1;
    const path = join(tmp.dir, "edited.onnx");
    await writeFile(path, encodeModel(model));
    expect(await externalDataLocations(path)).toEqual(["c.bin", "weights/w.bin"]);
    // the plain byte scan would have been fooled by the weights
    expect([...externalDataLocationsIn(await readFile(path))].sort()).toEqual([
      "c.bin",
      "fake.bin",
      "weights/w.bin",
    ]);
  });

  it("falls back to scanning bytes that are not a protobuf it can follow", async () => {
    const path = join(tmp.dir, "fake.onnx");
    await writeFile(path, fakeOnnx("x", ["model.onnx_data", "more/w2.bin"]));
    expect(await externalDataLocations(path)).toEqual(["model.onnx_data", "more/w2.bin"].sort());
  });
});
