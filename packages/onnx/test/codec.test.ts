import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { sharedPath } from "#test-support/shared.ts";
import {
  DataType,
  decodeGraph,
  decodeModel,
  decodeNode,
  decodeTensor,
  encodeGraph,
  encodeModel,
  encodeModelChunks,
  encodeTensor,
  type ModelProto,
  makeFloat32Tensor,
  OnnxError,
} from "../src/index.ts";

const REAL_MODELS = [
  ["gpt2-tiny-torch", "models/gpt2-tiny-torch/onnx/model.onnx"],
  ["ort-fused gpt2", "models/ort-fused/tiny-random-gpt2-fp32/past.onnx"],
  ["ort-fused llama (GQA)", "models/ort-fused/tiny-random-LlamaForCausalLM-fp32/model.onnx"],
] as const;

function unknownFieldPaths(value: unknown, path = "model", out: string[] = []): string[] {
  if (value === null || typeof value !== "object" || ArrayBuffer.isView(value)) return out;
  const o = value as Record<string, unknown>;
  if (Array.isArray(o.unknownFields)) out.push(path);
  for (const [k, v] of Object.entries(o))
    if (k !== "unknownFields") unknownFieldPaths(v, `${path}.${k}`, out);
  return out;
}

describe("decodeModel / encodeModel on real exports", () => {
  it.each(REAL_MODELS)("%s re-encodes byte for byte", (_label, rel) => {
    const bytes = new Uint8Array(readFileSync(sharedPath(rel)));
    const model = decodeModel(bytes);
    const again = encodeModel(model);
    expect(again.length).toBe(bytes.length);
    expect(Buffer.compare(Buffer.from(again), Buffer.from(bytes))).toBe(0);
    // everything in these files is modelled: no field fell back to unknown
    expect(unknownFieldPaths(model)).toEqual([]);
  });

  it("encodeModelChunks passes big weights through as views and concatenates to encodeModel's bytes", () => {
    const bytes = new Uint8Array(readFileSync(sharedPath(REAL_MODELS[0][1])));
    const model = decodeModel(bytes);
    const chunks = encodeModelChunks(model);
    expect(chunks.length).toBeGreaterThan(3);
    expect(Buffer.compare(Buffer.concat(chunks), Buffer.from(bytes))).toBe(0);
    // the weights are views into the decoded bytes, not copies
    const views = chunks.filter((c) => c.buffer === bytes.buffer);
    const viewBytes = views.reduce((a, c) => a + c.length, 0);
    expect(viewBytes / bytes.length).toBeGreaterThan(0.9);
  });

  it("decodes the structure of the PyTorch export", () => {
    const bytes = new Uint8Array(readFileSync(sharedPath(REAL_MODELS[0][1])));
    const model = decodeModel(bytes);
    expect(model.irVersion).toBe(7);
    expect(model.producerName).toBe("pytorch");
    expect(model.opsetImport).toEqual([{ version: 14 }]);
    const g = model.graph!;
    expect(g.input.map((i) => i.name)).toEqual(["input_ids", "attention_mask", "position_ids"]);
    const ids = g.input[0]!.type!.tensorType!;
    expect(ids.elemType).toBe(DataType.INT64);
    expect(ids.shape!.dim.map((d) => d.dimParam ?? d.dimValue)).toEqual(["batch_size", "sequence_length"]);
    expect(g.output[0]!.name).toBe("logits");
    expect(g.node.filter((n) => n.opType === "Softmax").length).toBeGreaterThan(0);
    const big = g.initializer.reduce((a, t) => ((t.rawData?.length ?? 0) > (a.rawData?.length ?? 0) ? t : a));
    // raw_data is a view into the input, not a copy
    expect(big.rawData!.length).toBeGreaterThan(100_000);
    expect(big.rawData!.buffer).toBe(bytes.buffer);
  });

  it("decodes GroupQueryAttention attributes of the genai Llama", () => {
    const model = decodeModel(new Uint8Array(readFileSync(sharedPath(REAL_MODELS[2][1]))));
    const gqa = model.graph!.node.find((n) => n.opType === "GroupQueryAttention")!;
    expect(gqa.domain).toBe("com.microsoft");
    const doRotary = gqa.attribute.find((a) => a.name === "do_rotary");
    expect(doRotary?.i).toBe(1);
    // its initializers are external (the weights file is not shipped)
    const ext = model.graph!.initializer.filter((t) => t.dataLocation === 1);
    expect(ext.length).toBeGreaterThan(0);
    expect(ext[0]!.externalData.find((e) => e.key === "location")?.value).toBe("model.onnx.data");
  });
});

describe("unknown fields", () => {
  it("keeps fields it does not model and writes them back in field-number order", () => {
    // ModelProto: ir_version=7 (field 1), field 20 (training_info, unmodelled) as bytes, field 30 varint
    const bytes = new Uint8Array([0x08, 0x07, 0xa2, 0x01, 0x02, 0x0a, 0x00, 0xf0, 0x01, 0x05]);
    const model = decodeModel(bytes);
    expect(model.irVersion).toBe(7);
    expect(model.unknownFields?.map((u) => u.fieldNumber)).toEqual([20, 30]);
    expect([...encodeModel(model)]).toEqual([...bytes]);
    // an edit to a known field keeps the unknown ones
    model.producerName = "x";
    const edited = decodeModel(encodeModel(model));
    expect(edited.producerName).toBe("x");
    expect(edited.unknownFields?.map((u) => [...u.bytes])).toEqual([
      [0xa2, 0x01, 0x02, 0x0a, 0x00],
      [0xf0, 0x01, 0x05],
    ]);
  });

  it("puts an unmodelled field back between the known fields around it (sparse_initializer = 15)", () => {
    // GraphProto: value_info (13) {name "v"}, sparse_initializer (15) {}, metadata_props (16) {key "k"}
    const bytes = new Uint8Array([
      0x6a, 0x03, 0x0a, 0x01, 0x76, 0x7a, 0x00, 0x82, 0x01, 0x03, 0x0a, 0x01, 0x6b,
    ]);
    const g = decodeGraph(bytes);
    expect(g.valueInfo[0]!.name).toBe("v");
    expect(g.metadataProps[0]!.key).toBe("k");
    expect(g.unknownFields?.map((u) => u.fieldNumber)).toEqual([15]);
    expect([...encodeGraph(g)]).toEqual([...bytes]);
  });

  it("round-trips model-local functions", () => {
    const model = decodeModel(new Uint8Array(readFileSync(sharedPath(REAL_MODELS[1][1]))));
    model.functions.push({
      name: "MyGelu",
      domain: "local",
      input: ["x"],
      output: ["y"],
      attribute: [],
      attributeProto: [],
      node: [{ input: ["x"], output: ["y"], opType: "Gelu", attribute: [], metadataProps: [] }],
      opsetImport: [{ domain: "", version: 20 }],
      valueInfo: [],
      metadataProps: [],
    });
    const back = decodeModel(encodeModel(model));
    expect(back.functions).toEqual(model.functions);
    expect(Buffer.compare(Buffer.from(encodeModel(back)), Buffer.from(encodeModel(model)))).toBe(0);
  });

  it("keeps a doc_string that is not UTF-8 byte for byte; lists decode lossily but keep positions", () => {
    // NodeProto: input "a", input <ff>, input "c", doc_string (6) <ff fe>, op_type "Add"
    const bytes = new Uint8Array([
      0x0a, 0x01, 0x61, 0x0a, 0x01, 0xff, 0x0a, 0x01, 0x63, 0x22, 0x03, 0x41, 0x64, 0x64, 0x32, 0x02, 0xff,
      0xfe,
    ]);
    const n = decodeNode(bytes);
    expect(n.input).toEqual(["a", "\ufffd", "c"]);
    expect(n.opType).toBe("Add");
    expect(n.docString).toBeUndefined();
    expect(n.unknownFields?.map((u) => [u.fieldNumber, ...u.bytes])).toEqual([[6, 0x32, 0x02, 0xff, 0xfe]]);
  });

  it("accepts packed and unpacked encodings of repeated numbers", () => {
    // TensorProto dims packed (field 1, wire type 2) [2, 3], float_data unpacked (field 4, wire type 5) x2
    const f = new Uint8Array(new Float32Array([1.5, -2]).buffer);
    const bytes = new Uint8Array([
      0x0a,
      0x02,
      0x02,
      0x03,
      0x25,
      ...f.subarray(0, 4),
      0x25,
      ...f.subarray(4, 8),
    ]);
    const t = decodeTensor(bytes);
    expect(t.dims).toEqual([2, 3]);
    expect([...t.floatData]).toEqual([1.5, -2]);
  });
});

describe("Node Buffers", () => {
  it("decodes packed floats from a pooled Buffer (whose slice() shares memory)", () => {
    const tensor = { ...makeFloat32Tensor("x", [0], []), dims: [3], floatData: new Float32Array([1, 2, 3]) };
    delete tensor.rawData;
    const bytes = encodeTensor(tensor);
    const pooled = Buffer.from(bytes); // small Buffers live at an offset in a shared pool
    const t = decodeTensor(pooled);
    expect([...t.floatData]).toEqual([1, 2, 3]);
    expect(t.name).toBe("x");
  });
});

describe("int64 values", () => {
  it("round-trips negative values, INT64_MAX and INT64_MIN", () => {
    const model: ModelProto = {
      opsetImport: [{ domain: "", version: 17 }],
      metadataProps: [],
      functions: [],
      graph: {
        node: [
          {
            input: [],
            output: ["y"],
            opType: "Constant",
            attribute: [
              {
                name: "ints",
                type: 7,
                ints: [-1, 0, 2 ** 40, Number.MAX_SAFE_INTEGER, 2 ** 63, -(2 ** 63)],
                floats: [],
                strings: [],
                tensors: [],
                graphs: [],
                typeProtos: [],
              },
            ],
            metadataProps: [],
          },
        ],
        initializer: [],
        input: [],
        output: [],
        valueInfo: [],
        metadataProps: [],
      },
    };
    const bytes = encodeModel(model);
    const back = decodeModel(bytes);
    expect(back.graph!.node[0]!.attribute[0]!.ints).toEqual([
      -1,
      0,
      2 ** 40,
      Number.MAX_SAFE_INTEGER,
      2 ** 63,
      -(2 ** 63),
    ]);
    expect([...encodeModel(back)]).toEqual([...bytes]);
    // INT64_MAX is written as 0x7fffffffffffffff (9 bytes of varint)
    const max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
    const hex = Buffer.from(bytes).toString("hex");
    expect(hex).toContain(Buffer.from([0x40, ...max]).toString("hex"));
  });

  it("round-trips int64_data as BigInt64Array", () => {
    const t = decodeTensor(
      encodeTensor({
        ...makeFloat32Tensor("x", [0], []),
        dataType: DataType.INT64,
        int64Data: BigInt64Array.from([-5n, 9223372036854775807n]),
      }),
    );
    expect([...t.int64Data]).toEqual([-5n, 9223372036854775807n]);
  });
});

describe("corrupt input", () => {
  it("throws PL_ONNX_CORRUPT on a truncated model", () => {
    const bytes = new Uint8Array(readFileSync(sharedPath(REAL_MODELS[1][1])));
    const err = (() => {
      try {
        decodeModel(bytes.subarray(0, 1000));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(OnnxError);
    expect((err as OnnxError).code).toBe("PL_ONNX_CORRUPT");
  });

  it("throws PL_ONNX_CORRUPT on text", () => {
    expect(() =>
      decodeModel(new TextEncoder().encode("version https://git-lfs.github.com/spec/v1\n")),
    ).toThrow(expect.objectContaining({ code: "PL_ONNX_CORRUPT" }));
  });
});
