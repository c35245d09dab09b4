import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sharedPath } from "#test-support/shared.ts";
import { ModelsError, resolveModel } from "../src/index.ts";
import { fakeOnnx, tempDir } from "./_helpers.ts";

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups) await c();
  cleanups = [];
});
async function tmp(): Promise<string> {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ModelsError) return `${err.code}: ${err.message}`;
    throw err;
  }
  return "no error";
}
// no hub access in these tests: an unreachable endpoint and an empty cache
const noHub = {
  env: { HF_ENDPOINT: "http://127.0.0.1:9", HF_HUB_OFFLINE: "1", HF_HUB_CACHE: "/nonexistent" },
};

describe("resolveModel on local paths", () => {
  it("takes a hub-layout folder (gpt2-tiny-torch): onnx/model.onnx, config and tokenizer files", async () => {
    const dir = sharedPath("models", "gpt2-tiny-torch");
    const m = await resolveModel(dir, noHub);
    expect(m).toEqual({
      kind: "onnx-folder",
      name: "gpt2-tiny-torch",
      dir,
      onnxFile: join(dir, "onnx", "model.onnx"),
      externalData: [],
      configFile: join(dir, "config.json"),
      tokenizerFile: join(dir, "tokenizer.json"),
      tokenizerConfigFile: join(dir, "tokenizer_config.json"),
      specialTokensMapFile: join(dir, "special_tokens_map.json"),
      source: { type: "local" },
    });
  });

  it("takes a relative path from cwd", async () => {
    const m = await resolveModel("gpt2-tiny-torch", { ...noHub, cwd: sharedPath("models") });
    expect(m.kind).toBe("onnx-folder");
  });

  it("takes an .onnx file inside onnx/ with the tokenizer of the parent folder", async () => {
    const dir = sharedPath("models", "gpt2-tiny-torch");
    const m = await resolveModel(join(dir, "onnx", "model.onnx"), noHub);
    expect(m).toMatchObject({
      kind: "onnx-file",
      name: "model",
      dir,
      tokenizerFile: join(dir, "tokenizer.json"),
    });
  });

  it("takes the only .onnx of a folder without default names (ort-fused past.onnx)", async () => {
    const dir = sharedPath("models", "ort-fused", "tiny-random-gpt2-fp32");
    const m = await resolveModel(dir, noHub);
    expect(m.kind === "onnx-folder" && m.onnxFile).toBe(join(dir, "past.onnx"));
  });

  it("names missing external data (ort-fused Llama without model.onnx.data)", async () => {
    const dir = sharedPath("models", "ort-fused", "tiny-random-LlamaForCausalLM-fp32");
    const msg = await codeOf(resolveModel(dir, noHub));
    expect(msg).toMatch(/^PL_MODELS_INVALID/);
    expect(msg).toContain("model.onnx.data");
  });

  it("finds external data beside a graph and honours --onnx-file in a folder", async () => {
    const dir = await tmp();
    await mkdir(join(dir, "onnx"));
    await writeFile(join(dir, "onnx", "model.onnx"), fakeOnnx("a", ["model.onnx_data"]));
    await writeFile(join(dir, "onnx", "model.onnx_data"), "x");
    await writeFile(join(dir, "onnx", "model_fp16.onnx"), fakeOnnx("b"));
    const m = await resolveModel(dir, noHub);
    expect(m.kind === "onnx-folder" && m.externalData).toEqual([join(dir, "onnx", "model.onnx_data")]);
    const f = await resolveModel(dir, { ...noHub, onnxFile: "fp16" });
    expect(f.kind === "onnx-folder" && f.onnxFile).toBe(join(dir, "onnx", "model_fp16.onnx"));
  });

  it("classifies a llama2.c checkpoint and finds tok512.bin beside it", async () => {
    const bin = sharedPath("models", "stories260K", "stories260K.bin");
    const m = await resolveModel(bin, noHub);
    expect(m).toEqual({
      kind: "llama2c",
      name: "stories260K",
      checkpoint: bin,
      tokenizer: sharedPath("models", "stories260K", "tok512.bin"),
      source: { type: "local" },
    });
  });

  it("takes --tokenizer for a checkpoint, and says what to do when it has none", async () => {
    const dir = await tmp();
    await copyFile(sharedPath("models", "stories260K", "stories260K.bin"), join(dir, "m.bin"));
    expect(await codeOf(resolveModel(join(dir, "m.bin"), noHub))).toMatch(
      /^PL_MODELS_TOKENIZER_MISSING: .*--tokenizer/,
    );
    const tok = sharedPath("models", "stories260K", "tok512.bin");
    const m = await resolveModel(join(dir, "m.bin"), { ...noHub, tokenizer: tok });
    expect(m.kind === "llama2c" && m.tokenizer).toBe(tok);
    expect(
      await codeOf(resolveModel(join(dir, "m.bin"), { ...noHub, tokenizer: "nope.bin", cwd: dir })),
    ).toMatch(/^PL_MODELS_TOKENIZER_MISSING: --tokenizer nope\.bin/);
    await writeFile(join(dir, "tok1.bin"), "");
    await writeFile(join(dir, "tok2.bin"), "");
    expect(await codeOf(resolveModel(join(dir, "m.bin"), noHub))).toMatch(/several tokenizer files/);
    await writeFile(join(dir, "tokenizer.bin"), "");
    const t = await resolveModel(join(dir, "m.bin"), noHub);
    expect(t.kind === "llama2c" && t.tokenizer).toBe(join(dir, "tokenizer.bin"));
  });

  it("rejects missing paths, non-model files and folders without a graph", async () => {
    const dir = await tmp();
    expect(await codeOf(resolveModel(join(dir, "missing.onnx"), noHub))).toMatch(/^PL_MODELS_NOT_FOUND/);
    expect(await codeOf(resolveModel("./nope", { ...noHub, cwd: dir }))).toMatch(/^PL_MODELS_NOT_FOUND/);
    expect(await codeOf(resolveModel("no-such-alias", { ...noHub, cwd: dir }))).toMatch(
      /^PL_MODELS_NOT_FOUND.*gpt2/,
    );
    await writeFile(join(dir, "notes.txt"), "hi");
    expect(await codeOf(resolveModel(join(dir, "notes.txt"), noHub))).toMatch(/^PL_MODELS_INVALID/);
    expect(await codeOf(resolveModel(dir, noHub))).toMatch(/^PL_MODELS_INVALID: no ONNX model/);
  });

  it("prefers an existing local folder over a hub repo id of the same spelling", async () => {
    const dir = await tmp();
    await mkdir(join(dir, "org", "name"), { recursive: true });
    await writeFile(join(dir, "org", "name", "model.onnx"), fakeOnnx("x"));
    const m = await resolveModel("org/name", { ...noHub, cwd: dir });
    expect(m).toMatchObject({ kind: "onnx-folder", name: "name", source: { type: "local" } });
  });
});
