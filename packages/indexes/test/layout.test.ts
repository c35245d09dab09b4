import { describe, expect, it } from "vitest";
import {
  activationsPath,
  FIGURE_FORMATS,
  figurePath,
  figuresIndexPath,
  headDir,
  headMetricsPath,
  indexHtmlPath,
  modelCfgPath,
  modelDir,
  modelsIndexPath,
  patternKey,
  promptDir,
  promptJsonPath,
  promptsDir,
  promptsIndexPath,
} from "../src/layout.ts";

describe("layout", () => {
  it("joins the pattern-lens layout with /", () => {
    const h = "sCw9tqGtgecntuFkGO7kVw";
    expect(modelsIndexPath("data")).toBe("data/models.jsonl");
    expect(figuresIndexPath("data")).toBe("data/figures.jsonl");
    expect(indexHtmlPath("data")).toBe("data/index.html");
    expect(modelDir("data", "pythia-14m")).toBe("data/pythia-14m");
    expect(modelCfgPath("data", "pythia-14m")).toBe("data/pythia-14m/model_cfg.json");
    expect(promptsIndexPath("data", "pythia-14m")).toBe("data/pythia-14m/prompts.jsonl");
    expect(promptsDir("data", "m")).toBe("data/m/prompts");
    expect(promptDir("data", "m", h)).toBe(`data/m/prompts/${h}`);
    expect(promptJsonPath("data", "m", h)).toBe(`data/m/prompts/${h}/prompt.json`);
    expect(activationsPath("data", "m", h)).toBe(`data/m/prompts/${h}/activations.npz`);
    expect(headDir("data", "m", h, 2, 3)).toBe(`data/m/prompts/${h}/L2/H3`);
    expect(figurePath("data", "m", h, 0, 1, "raw", "png")).toBe(`data/m/prompts/${h}/L0/H1/raw.png`);
    expect(headMetricsPath("data/", "m")).toBe("data/m/head_metrics.jsonl");
    expect(patternKey(5)).toBe("blocks.5.attn.hook_pattern");
    expect(FIGURE_FORMATS).toEqual(["png", "svg", "svgz"]);
  });

  it("works for absolute paths, trailing slashes, URLs and an empty base", () => {
    expect(modelDir("/abs/data/", "m")).toBe("/abs/data/m");
    expect(modelDir("/", "m")).toBe("/m");
    expect(modelsIndexPath("")).toBe("models.jsonl");
    expect(modelCfgPath("http://127.0.0.1:8000/data", "m")).toBe(
      "http://127.0.0.1:8000/data/m/model_cfg.json",
    );
    expect(modelCfgPath(".", "m")).toBe("./m/model_cfg.json");
  });
});
