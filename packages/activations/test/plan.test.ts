import { describe, expect, it } from "vitest";
import { streamLean } from "../src/plan.ts";

const GB = 2 ** 30;
const MB = 2 ** 20;

describe("streamLean: overlap layers unless four of them would break --max-memory", () => {
  it("the benchmarked shapes under a 3 GiB budget", () => {
    // GPT-2 small (630 MB), 2,000 tokens: 192 MB a layer, four fit beside the model
    expect(streamLean(630 * MB, 12, 2000, 3 * GB)).toBe(false);
    // small Llama (81 MB), 8,192 tokens: 1.07 GB a layer
    expect(streamLean(81 * MB, 4, 8192, 3 * GB)).toBe(true);
    // 1B-class (6 GB, over the budget alone): the patterns get half of it
    expect(streamLean(6 * GB, 32, 1024, 3 * GB)).toBe(false); // 4 x 134 MB
    expect(streamLean(6 * GB, 32, 2048, 3 * GB)).toBe(true); // 4 x 537 MB
  });

  it("the boundary: four layers beside the model, byte for byte", () => {
    const layer = 4 * 128 * 128 * 4; // 4 heads, 128 tokens
    expect(streamLean(100, 4, 128, 100 + 4 * layer)).toBe(false);
    expect(streamLean(100, 4, 128, 100 + 4 * layer - 1)).toBe(true);
  });
});
