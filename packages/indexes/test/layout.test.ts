import { describe, expect, it } from "vitest";
import {
  activationsPath,
  FIGURE_FORMATS,
  figurePath,
  figuresIndexPath,
  headDir,
  headFolderName,
  headMetricsPath,
  indexHtmlPath,
  layerFolderName,
  modelCfgPath,
  modelDir,
  modelsIndexPath,
  patternKey,
  promptDir,
  promptJsonPath,
  promptsDir,
  promptsIndexPath,
  stagedLayerName,
  stagedLayerPid,
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

  it("names layer and head folders, and a layer folder staged by one process", () => {
    expect(layerFolderName(0)).toBe("L0");
    expect(headFolderName(11)).toBe("H11");
    expect(stagedLayerName(3, 4242)).toBe(".L3.4242.tmp");
    expect(stagedLayerPid(stagedLayerName(3, 4242))).toBe(4242);
    for (const name of ["L3", ".L3.tmp", ".raw.png.4242.tmp", ".L3.42x.tmp", "H0"])
      expect(stagedLayerPid(name), name).toBeUndefined();
    for (const bad of [-1, 1.5, Number.NaN]) {
      expect(() => layerFolderName(bad)).toThrow(
        expect.objectContaining({ code: "PL_INDEXES_INVALID_ARGUMENT" }),
      );
      expect(() => headFolderName(bad)).toThrow(
        expect.objectContaining({ code: "PL_INDEXES_INVALID_ARGUMENT" }),
      );
      expect(() => headDir("d", "m", "h", bad, 0)).toThrow(
        expect.objectContaining({ code: "PL_INDEXES_INVALID_ARGUMENT" }),
      );
    }
  });
});
