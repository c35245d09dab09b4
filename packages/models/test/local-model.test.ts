import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sharedPath } from "#test-support/shared.ts";
import { prepareLocalModel } from "../src/index.ts";
import { tempDir } from "./_helpers.ts";

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups) await c();
  cleanups = [];
});

// no hub access in these tests: an unreachable endpoint and an empty cache
const noHub = {
  env: { HF_ENDPOINT: "http://127.0.0.1:9", HF_HUB_OFFLINE: "1", HF_HUB_CACHE: "/nonexistent" },
};

describe("prepareLocalModel (model spec -> the .onnx file activations runs)", () => {
  it("gives a hub-layout folder's onnx/model.onnx and its name", async () => {
    const dir = sharedPath("models", "gpt2-tiny-torch");
    const m = await prepareLocalModel(dir, noHub);
    expect([m.path, m.name, m.resolved.kind]).toEqual([
      join(dir, "onnx", "model.onnx"),
      "gpt2-tiny-torch",
      "onnx-folder",
    ]);
  });

  it("converts a llama2.c checkpoint into <cacheDir>/llama2c and gives the converted graph", async () => {
    const t = await tempDir();
    cleanups.push(t.cleanup);
    const bin = sharedPath("models", "stories260K", "stories260K.bin");
    const m = await prepareLocalModel(bin, { ...noHub, cacheDir: t.dir });
    expect(m.name).toBe("stories260K");
    expect(m.resolved.kind).toBe("llama2c");
    expect(m.path.startsWith(join(t.dir, "llama2c"))).toBe(true);
    expect(m.path.endsWith(join("onnx", "model.onnx"))).toBe(true);
    expect(existsSync(m.path)).toBe(true);
    // config and tokenizer sit in the parent of onnx/, where activations looks for them
    expect(existsSync(join(m.path, "..", "..", "tokenizer.json"))).toBe(true);
    expect(existsSync(join(m.path, "..", "..", "config.json"))).toBe(true);
  });
});
