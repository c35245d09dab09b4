import { describe, expect, it } from "vitest";
import { checkLiveMemory, liveMemoryEstimate, liveTokenLimit } from "../src/live-fetch.ts";

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const gpt2Small = { n_layer: 12, n_head: 12, n_positions: 1024 };
const qwenSmall = { num_hidden_layers: 24, num_attention_heads: 14, max_position_embeddings: 32768 };

describe("live memory estimate", () => {
  it("counts the weights twice and 64 MiB of working memory", () => {
    expect(liveMemoryEstimate({ onnxBytes: 500 * MiB, externalBytes: 48 * MiB })).toBe(
      2 * 548 * MiB + 64 * MiB,
    );
  });

  it("limits prompts to the tokens whose attention fits beside the weights, not beyond the context", () => {
    // GPT-2 small: a full 1,024-token prompt's attention (1.1 GiB, twice) fits: no limit
    expect(liveTokenLimit({ onnxBytes: 548 * MiB, externalBytes: 0, config: gpt2Small })).toBeUndefined();
    // a 32k-context model: the limit n solves 8 * layers * heads * n^2 = what the weights leave
    const n = liveTokenLimit({ onnxBytes: 0, externalBytes: 1976 * MiB, config: qwenSmall });
    const free = 4 * GiB - (2 * 1976 * MiB + 64 * MiB);
    expect(n).toBe(Math.floor(Math.sqrt(free / (8 * 24 * 14))));
    expect(checkLiveMemory({ onnxBytes: 0, externalBytes: 1976 * MiB, config: qwenSmall })).toBe(n);
    // a plan's layer count wins over config.json
    expect(liveTokenLimit({ onnxBytes: 0, externalBytes: 0, config: qwenSmall, nLayers: 1 })).toBe(
      Math.floor(Math.sqrt((4 * GiB - 64 * MiB) / (8 * 14))),
    );
  });

  it("stops a 1.1B fp32 model before loading, with a message saying what to do", () => {
    const tiny = { num_hidden_layers: 22, num_attention_heads: 32, max_position_embeddings: 2048 };
    let err: { code?: string; message?: string } = {};
    try {
      checkLiveMemory({ onnxBytes: 1 * MiB, externalBytes: 4400 * MiB, config: tiny });
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.code).toBe("PL_ACTIVATIONS_MODEL_TOO_LARGE");
    expect(err.message).toMatch(/needs about 8\.6\d GB .* a page has 4\.00 GB\. Capture it with the CLI/);
  });
});
