import { describe, expect, it } from "vitest";
import type { FigureInfo, ModelInfo, PromptInfo } from "../src/data.ts";
import { colourMap, gridItems } from "../src/grid-items.ts";
import { defaultState } from "../src/url-state.ts";

const models: ModelInfo[] = [
  { dir: "a", name: "a", nLayers: 2, nHeads: 2, cfg: {} },
  { dir: "b", name: "org/b", nLayers: 3, nHeads: 1, cfg: {} },
];
const prompt = (hash: string): PromptInfo => ({ hash, text: hash, nTokens: 3, dataset: "", tokens: [] });
const prompts = new Map([
  ["a", [prompt("p1"), prompt("p2")]],
  ["b", [prompt("p2")]],
]);
const figures: FigureInfo[] = [
  { name: "raw", fmt: "png", doc: "", complete: true },
  { name: "svd", fmt: "svgz", doc: "", complete: true },
];

describe("gridItems", () => {
  it("is the product of the selection, only for prompts a model has", () => {
    const s = { ...defaultState(), models: ["a", "b"], prompts: ["p2", "p1"], figures: ["raw"] };
    s.heads = { a: "L1H*", b: "L0-2H0" };
    const items = gridItems(s, models, figures, prompts);
    expect(items.map((i) => `${i.model}/${i.prompt}/L${i.layer}H${i.head}`)).toEqual([
      "a/p2/L1H0",
      "a/p2/L1H1",
      "a/p1/L1H0",
      "a/p1/L1H1",
      "b/p2/L0H0",
      "b/p2/L1H0",
      "b/p2/L2H0",
    ]);
  });

  it("sorts by the chosen key first and colours by first appearance", () => {
    const s = {
      ...defaultState(),
      models: ["a"],
      prompts: ["p1"],
      figures: ["raw", "svd"],
      sortBy: "function" as const,
    };
    s.heads = { a: "L*H0" };
    const items = gridItems(s, models, figures, prompts);
    expect(items.map((i) => `${i.figure}.${i.fmt}/L${i.layer}`)).toEqual([
      "raw.png/L0",
      "raw.png/L1",
      "svd.svgz/L0",
      "svd.svgz/L1",
    ]);
    expect([...colourMap(items, "layer")]).toEqual([
      ["L0", "#1f77b4"],
      ["L1", "#ff7f0e"],
    ]);
    expect(gridItems({ ...s, heads: { a: "bad" } }, models, figures, prompts)).toEqual([]);
  });
});
