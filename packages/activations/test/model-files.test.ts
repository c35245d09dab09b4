import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ActivationsError } from "../src/index.ts";
import { openModelFiles } from "../src/model-files.ts";
import { gpt2TinyDir, tempDir } from "./_helpers.ts";

function folder(files: string[]): string {
  const d = tempDir();
  for (const f of files) {
    mkdirSync(join(d, f, ".."), { recursive: true });
    writeFileSync(join(d, f), f.endsWith(".json") ? "{}" : "x");
  }
  return d;
}

describe("openModelFiles", () => {
  it("finds onnx/model.onnx and config.json in a hub-layout folder", () => {
    const m = openModelFiles(gpt2TinyDir());
    expect(m.onnxPath).toBe(join(gpt2TinyDir(), "onnx", "model.onnx"));
    expect(m.config.n_layer).toBe(2);
    expect(m.defaultName).toBe("gpt2-tiny-torch");
  });
  it("an .onnx file inside onnx/ takes config and tokenizer from the parent folder", () => {
    const m = openModelFiles(join(gpt2TinyDir(), "onnx", "model.onnx"));
    expect(m.dir).toBe(gpt2TinyDir());
    expect(m.defaultName).toBe("model");
  });
  it("prefers the non-merged decoder over decoder_model_merged.onnx", () => {
    const d = folder(["onnx/decoder_model_merged.onnx", "onnx/decoder_model.onnx", "config.json"]);
    expect(openModelFiles(d).onnxPath).toBe(join(d, "onnx", "decoder_model.onnx"));
    const m = folder(["onnx/decoder_model_merged.onnx"]);
    expect(openModelFiles(m).onnxPath).toBe(join(m, "onnx", "decoder_model_merged.onnx"));
  });
  it("PL_ACTIVATIONS_MODEL_NOT_FOUND for a missing path, an empty folder, or an ambiguous one", () => {
    for (const p of ["/nonexistent/x", folder(["config.json"]), folder(["onnx/a.onnx", "onnx/b.onnx"])]) {
      try {
        openModelFiles(p);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(ActivationsError);
        expect((e as ActivationsError).code).toBe("PL_ACTIVATIONS_MODEL_NOT_FOUND");
      }
    }
  });
  it("PL_ACTIVATIONS_MODEL_INVALID for a broken config.json", () => {
    const d = folder(["onnx/model.onnx"]);
    writeFileSync(join(d, "config.json"), "{not json");
    expect(() => openModelFiles(d)).toThrow(/config\.json is not valid JSON/);
  });
});
