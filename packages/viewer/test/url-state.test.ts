import { describe, expect, it } from "vitest";
import { decodeState, defaultState, encodeState, type ViewerState } from "../src/url-state.ts";

describe("URL state", () => {
  it("round-trips every field", () => {
    // Built on the defaults so that fields added later (with their own defaults) keep this test valid.
    const s: ViewerState = {
      ...defaultState(),
      models: ["pythia-14m", "gpt2"],
      prompts: ["-dDLtEAuQkO6aEbgF9OZ9A", "sCw9tqGtgecntuFkGO7kVw"],
      heads: { "pythia-14m": "L2-4H3, L*H0", gpt2: "L*H*" },
      figures: ["raw", "svd"],
      perRow: 9,
      colorBy: "layer",
      sortBy: "head",
      captions: false,
      dark: true,
      search: "a & b = c#d",
      dataset: "Pile-CC",
      minTokens: 10,
      maxTokens: 90,
      promptSort: "n_tokens",
      promptSortDir: "desc",
      modelSearch: "py",
      open: { model: "gpt2", prompt: "sCw9tqGtgecntuFkGO7kVw", layer: 3, head: 1 },
    };
    expect(decodeState(`#${encodeState(s)}`)).toEqual(s);
  });

  it("leaves defaults out and falls back on nonsense", () => {
    expect(encodeState(defaultState())).toBe("");
    expect(decodeState("")).toEqual(defaultState());
    const d = decodeState("row=0&color=rainbow&sort=x&tmin=-3&open=a:b:c:d");
    expect(d).toEqual(defaultState());
  });
});
