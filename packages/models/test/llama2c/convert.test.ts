import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeModel, externalDataLocations } from "@pattern-lens/onnx";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sharedPath } from "#test-support/shared.ts";
import { convertLlama2c, defaultLlama2cCacheDir } from "../../src/index.ts";

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), "pl-llama2c-"));
});
afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const checkpoint = () => sharedPath("models/stories260K/stories260K.bin");
const tokenizer = () => sharedPath("models/stories260K/tok512.bin");

describe("convertLlama2c", () => {
  it("writes a hub-layout folder keyed by sha256, then reuses it", async () => {
    const first = await convertLlama2c({ checkpoint: checkpoint(), tokenizer: tokenizer(), cacheDir: tmp });
    expect(first.cached).toBe(false);
    expect(first.key).toMatch(/^[0-9a-f]{64}$/);
    expect(first.dir).toBe(join(tmp, first.key));
    for (const f of [
      "config.json",
      "tokenizer.json",
      "tokenizer_config.json",
      "onnx/model.onnx",
      "llama2c-source.json",
    ]) {
      expect(existsSync(join(first.dir, f)), f).toBe(true);
    }
    const config = JSON.parse(readFileSync(join(first.dir, "config.json"), "utf8"));
    expect(config).toMatchObject({
      model_type: "llama",
      num_hidden_layers: 5,
      num_attention_heads: 8,
      num_key_value_heads: 4,
      hidden_size: 64,
      vocab_size: 512,
      max_position_embeddings: 512,
      bos_token_id: 1,
    });
    const source = JSON.parse(readFileSync(join(first.dir, "llama2c-source.json"), "utf8"));
    expect(source.checkpoint).toBe("stories260K.bin");
    expect(source.checkpoint_sha256).toMatch(/^[0-9a-f]{64}$/);
    const model = decodeModel(new Uint8Array(readFileSync(first.onnxFile)));
    expect(model.graph!.input.map((i) => i.name)).toEqual(["input_ids"]);
    expect(externalDataLocations(model)).toEqual([]);
    const mtime = readFileSync(first.onnxFile).length;
    const again = await convertLlama2c({ checkpoint: checkpoint(), tokenizer: tokenizer(), cacheDir: tmp });
    expect(again).toMatchObject({ cached: true, key: first.key, dir: first.dir });
    expect(readFileSync(again.onnxFile).length).toBe(mtime);
    const forced = await convertLlama2c({
      checkpoint: checkpoint(),
      tokenizer: tokenizer(),
      cacheDir: tmp,
      force: true,
    });
    expect(forced.cached).toBe(false);
    // no temp folders left behind
    expect((await import("node:fs")).readdirSync(tmp).filter((n) => n.startsWith(".tmp"))).toEqual([]);
  });

  it("keys the cache by the tokenizer too", async () => {
    const tok2 = join(tmp, "tok-copy.bin");
    const bytes = readFileSync(tokenizer());
    bytes[4] = bytes[4]! ^ 1; // perturb the first token's score
    writeFileSync(tok2, bytes);
    const a = await convertLlama2c({
      checkpoint: checkpoint(),
      tokenizer: tokenizer(),
      cacheDir: join(tmp, "c"),
    });
    const b = await convertLlama2c({ checkpoint: checkpoint(), tokenizer: tok2, cacheDir: join(tmp, "c") });
    expect(a.key).not.toBe(b.key);
  });

  it("can keep the weights in onnx/model.onnx.data", async () => {
    const m = await convertLlama2c({
      checkpoint: checkpoint(),
      tokenizer: tokenizer(),
      cacheDir: tmp,
      externalData: true,
    });
    const model = decodeModel(new Uint8Array(readFileSync(m.onnxFile)));
    expect(externalDataLocations(model)).toEqual(["model.onnx.data"]);
    expect(readFileSync(m.onnxFile).length).toBeLessThan(200_000);
    expect(readFileSync(join(m.dir, "onnx", "model.onnx.data")).length).toBeGreaterThan(1_000_000);
  });

  it("throws PL_MODELS_LLAMA2C_IO for a missing input and an unwritable cache", async () => {
    await expect(
      convertLlama2c({ checkpoint: join(tmp, "nope.bin"), tokenizer: tokenizer(), cacheDir: tmp }),
    ).rejects.toMatchObject({ code: "PL_MODELS_LLAMA2C_IO", message: expect.stringContaining("nope.bin") });
    const file = join(tmp, "a-file");
    writeFileSync(file, "x");
    await expect(
      convertLlama2c({ checkpoint: checkpoint(), tokenizer: tokenizer(), cacheDir: join(file, "cache") }),
    ).rejects.toMatchObject({ code: "PL_MODELS_LLAMA2C_IO" });
  });

  it("defaults to $XDG_CACHE_HOME/pattern-lens/llama2c", () => {
    expect(defaultLlama2cCacheDir({ XDG_CACHE_HOME: "/x/cache" })).toBe("/x/cache/pattern-lens/llama2c");
    expect(defaultLlama2cCacheDir({})).toMatch(/\.cache\/pattern-lens\/llama2c$/);
  });
});
