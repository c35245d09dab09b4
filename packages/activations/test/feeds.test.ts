import { describe, expect, it } from "vitest";
import { type ActivationsError, buildFeeds } from "../src/index.ts";

describe("buildFeeds", () => {
  it("right-pads ids, masks padding, counts positions, zero-length past, use_cache_branch false", () => {
    const feeds = buildFeeds(
      [
        { name: "input_ids", type: "int64", shape: ["batch", "seq"] },
        { name: "attention_mask", type: "int32", shape: ["batch", "total"] },
        { name: "position_ids", type: "int64", shape: ["batch", "seq"] },
        {
          name: "past_key_values.0.key",
          type: "float32",
          shape: ["batch_size", 2, "past_sequence_length", 4],
        },
        { name: "past_0", type: "float16", shape: [2, "batch_size", 4, "past_seq_len", 8] },
        { name: "use_cache_branch", type: "bool", shape: [1] },
      ],
      { rows: [[5, 6, 7], [8]], padId: 0 },
    );
    expect([...(feeds.input_ids?.data ?? [])]).toEqual([5n, 6n, 7n, 8n, 0n, 0n]);
    expect(feeds.attention_mask?.type).toBe("int32");
    expect([...(feeds.attention_mask?.data ?? [])]).toEqual([1, 1, 1, 1, 0, 0]);
    expect([...(feeds.position_ids?.data ?? [])]).toEqual([0n, 1n, 2n, 0n, 0n, 0n]);
    expect(feeds["past_key_values.0.key"]?.dims).toEqual([2, 2, 0, 4]);
    expect(feeds.past_0?.dims).toEqual([2, 2, 4, 0, 8]);
    expect(feeds.past_0?.type).toBe("float16");
    expect(feeds.use_cache_branch).toEqual({ type: "bool", dims: [1], data: new Uint8Array([0]) });
  });
  it("names an input it cannot fill", () => {
    try {
      buildFeeds([{ name: "pixel_values", type: "float32", shape: [1, 3] }], { rows: [[1]], padId: 0 });
      expect.unreachable();
    } catch (e) {
      expect((e as ActivationsError).code).toBe("PL_ACTIVATIONS_MODEL_INPUT_UNSUPPORTED");
      expect((e as Error).message).toContain("'pixel_values'");
    }
  });
});
