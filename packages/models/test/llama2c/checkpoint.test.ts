import { describe, expect, it } from "vitest";
import { Llama2cError, parseLlama2cCheckpoint } from "../../src/index.ts";
import { stories260k, syntheticCheckpoint } from "./_helpers.ts";

describe("parseLlama2cCheckpoint", () => {
  it("reads the stories260K header and shares the classifier", () => {
    const { config, weights } = parseLlama2cCheckpoint(stories260k().checkpoint);
    expect(config).toEqual({
      dim: 64,
      hiddenDim: 172,
      nLayers: 5,
      nHeads: 8,
      nKvHeads: 4,
      vocabSize: 512,
      seqLen: 512,
      sharedClassifier: true,
      headSize: 8,
    });
    expect(weights.tokenEmbedding.length).toBe(512 * 64);
    expect(weights.wk.length).toBe(5 * 32 * 64);
    expect(weights.w2.length).toBe(5 * 64 * 172);
    expect(weights.rmsFinal.length).toBe(64);
    expect(weights.wcls).toBe(weights.tokenEmbedding);
  });

  it("slices weights in llama2.c order and reads an unshared classifier after the RoPE tables", () => {
    const h = { dim: 8, hidden: 12, layers: 2, heads: 2, kvHeads: 1, vocab: -10, seqLen: 6 };
    const { bytes, floats } = syntheticCheckpoint(h);
    const { config, weights } = parseLlama2cCheckpoint(bytes);
    expect(config.sharedClassifier).toBe(false);
    expect(config.vocabSize).toBe(10);
    const kv = 4;
    let at = 0;
    const expectNext = (arr: Float32Array, n: number) => {
      expect(arr.length).toBe(n);
      expect(arr).toEqual(floats.subarray(at, at + n));
      at += n;
    };
    expectNext(weights.tokenEmbedding, 10 * 8);
    expectNext(weights.rmsAtt, 2 * 8);
    expectNext(weights.wq, 2 * 64);
    expectNext(weights.wk, 2 * 8 * kv);
    expectNext(weights.wv, 2 * 8 * kv);
    expectNext(weights.wo, 2 * 64);
    expectNext(weights.rmsFfn, 2 * 8);
    expectNext(weights.w1, 2 * 96);
    expectNext(weights.w2, 2 * 96);
    expectNext(weights.w3, 2 * 96);
    expectNext(weights.rmsFinal, 8);
    at += 6 * 4; // freq_cis_real + freq_cis_imag: seq_len * head_size / 2 each
    expectNext(weights.wcls, 10 * 8);
    expect(at).toBe(floats.length);
  });

  it("parses an unaligned copy the same way", () => {
    const { checkpoint } = stories260k();
    const shifted = new Uint8Array(checkpoint.length + 1).subarray(1);
    shifted.set(checkpoint);
    expect(parseLlama2cCheckpoint(shifted).weights.rmsFinal).toEqual(
      parseLlama2cCheckpoint(checkpoint).weights.rmsFinal,
    );
  });

  it.each([
    ["a truncated file", (b: Uint8Array) => b.subarray(0, b.length - 4)],
    ["a header-only file", (b: Uint8Array) => b.subarray(0, 20)],
    ["a tokenizer file", () => stories260k().tokenizer],
    [
      "a zero n_heads",
      (b: Uint8Array) => {
        const c = b.slice();
        new DataView(c.buffer).setInt32(12, 0, true);
        return c;
      },
    ],
  ])("rejects %s with PL_MODELS_LLAMA2C_CORRUPT", (_label, mangle) => {
    const bad = mangle(stories260k().checkpoint);
    let err: unknown;
    try {
      parseLlama2cCheckpoint(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Llama2cError);
    expect((err as Llama2cError).code).toBe("PL_MODELS_LLAMA2C_CORRUPT");
    expect((err as Error).message).toMatch(/llama2\.c checkpoint/);
  });
});
