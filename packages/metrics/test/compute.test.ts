import { describe, expect, it } from "vitest";
import { computePromptMetrics, layersFromNpz, positionTokenIds, previousToken, self } from "../src/index.ts";
import { identity, previous } from "./_patterns.ts";

describe("positionTokenIds", () => {
  it("uses token_ids when they cover every position", () => {
    expect(positionTokenIds(3, ["a", "b"], [50256, 7, 8])).toEqual({ ids: [50256, 7, 8], bosOffset: 1 });
  });
  it("derives ids from token strings, BOS first when the pattern is one longer", () => {
    expect(positionTokenIds(4, ["a", "b", "a"])).toEqual({ ids: [-1, 0, 1, 0], bosOffset: 1 });
    expect(positionTokenIds(3, ["a", "b", "a"])).toEqual({ ids: [0, 1, 0], bosOffset: 0 });
  });
});

describe("computePromptMetrics", () => {
  it("lays values out as [layer][head][metric], NaN where undefined", () => {
    const n = 4;
    const data = new Float32Array(2 * n * n);
    data.set(identity(n), 0);
    data.set(previous(n), n * n);
    const v = computePromptMetrics(
      { layers: [{ nHeads: 2, n, data }], tokens: ["a", "b", "c"] },
      [previousToken, self, { name: "nan", doc: "", fn: () => undefined }],
      { excludeBos: false, excludeCurrentToken: false },
    );
    expect(Array.from(v)).toEqual([0, 1, Number.NaN, 1, 0, Number.NaN]);
  });

  it("reports a throwing metric with its name, head and prompt", () => {
    const n = 2;
    expect(() =>
      computePromptMetrics(
        { layers: [{ nHeads: 1, n, data: identity(n) }], tokens: ["a"], hash: "abc" },
        [
          {
            name: "boom",
            doc: "",
            fn: () => {
              throw new Error("bad");
            },
          },
        ],
        { excludeBos: false, excludeCurrentToken: false },
      ),
    ).toThrowError(
      expect.objectContaining({
        code: "PL_METRICS_FAILED",
        message: expect.stringContaining('"boom" threw on L0H0 of prompt abc: bad'),
      }),
    );
  });

  it("reads [1, H, n, n] layers from npz entries in layer order", () => {
    const e = new Map([
      [
        "blocks.1.attn.hook_pattern",
        { dtype: "<f4" as const, shape: [1, 1, 2, 2], data: new Float32Array([1, 0, 0, 1]) },
      ],
      [
        "blocks.0.attn.hook_pattern",
        { dtype: "<f4" as const, shape: [1, 1, 2, 2], data: new Float32Array([1, 0, 1, 0]) },
      ],
    ]);
    const layers = layersFromNpz(e);
    expect(layers.map((l) => Array.from(l.data))).toEqual([
      [1, 0, 1, 0],
      [1, 0, 0, 1],
    ]);
    expect(() => layersFromNpz(new Map())).toThrowError(
      expect.objectContaining({ code: "PL_METRICS_NO_PROMPTS" }),
    );
  });
});
