import { describe, expect, it } from "vitest";
import { chooseOnnxFile, ModelsError } from "../src/index.ts";

const xenova = [
  "config.json",
  "onnx/decoder_model.onnx",
  "onnx/decoder_model_merged.onnx",
  "onnx/model.onnx",
  "onnx/model_fp16.onnx",
  "onnx/model_quantized.onnx",
];

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof ModelsError ? err.code : "not a ModelsError";
  }
  return undefined;
}

describe("chooseOnnxFile", () => {
  it("takes fp32 onnx/model.onnx first, else onnx/decoder_model.onnx, merged last", () => {
    expect(chooseOnnxFile(xenova, undefined, "x")).toBe("onnx/model.onnx");
    expect(
      chooseOnnxFile(
        xenova.filter((f) => f !== "onnx/model.onnx"),
        undefined,
        "x",
      ),
    ).toBe("onnx/decoder_model.onnx");
    expect(chooseOnnxFile(["onnx/decoder_model_merged.onnx", "onnx/x.onnx"], undefined, "x")).toBe(
      "onnx/decoder_model_merged.onnx",
    );
  });
  it("takes the only .onnx file when none has a default name", () => {
    expect(chooseOnnxFile(["past.onnx", "tokenizer.json"], undefined, "x")).toBe("past.onnx");
  });
  it("resolves --onnx-file paths and short names", () => {
    expect(chooseOnnxFile(xenova, "onnx/model_quantized.onnx", "x")).toBe("onnx/model_quantized.onnx");
    expect(chooseOnnxFile(xenova, "model_fp16", "x")).toBe("onnx/model_fp16.onnx");
    expect(chooseOnnxFile(xenova, "fp16", "x")).toBe("onnx/model_fp16.onnx");
    expect(chooseOnnxFile(xenova, "decoder_model_merged.onnx", "x")).toBe("onnx/decoder_model_merged.onnx");
    expect(chooseOnnxFile(["onnx/decoder_model_fp16.onnx"], "fp16", "x")).toBe(
      "onnx/decoder_model_fp16.onnx",
    );
  });
  it("fails with PL_MODELS_INVALID listing the ONNX files", () => {
    expect(codeOf(() => chooseOnnxFile(xenova, "int4", "repo a/b"))).toBe("PL_MODELS_INVALID");
    expect(() => chooseOnnxFile(xenova, "int4", "repo a/b")).toThrow(/onnx\/model_fp16\.onnx/);
    expect(() => chooseOnnxFile(["a.onnx", "b.onnx"], undefined, "f")).toThrow(/--onnx-file/);
    expect(() => chooseOnnxFile(["config.json"], undefined, "f")).toThrow(/no ONNX model/);
  });
});
