import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HeadMetricLineSchema } from "../src/head-metrics-schema.ts";
import { promptHash } from "../src/prompt-hash.ts";
import { FigureMetaSchema, ModelCfgSchema, ModelsIndexLineSchema, PromptMetaSchema } from "../src/schemas.ts";
import { demoDir, demoPromptDirs } from "./support/reference.ts";

const lines = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as unknown);

describe("schemas on the Python reference demo", () => {
  it("parse models.jsonl, figures.jsonl, model_cfg.json and prompts.jsonl", () => {
    const models = lines(join(demoDir(), "models.jsonl")).map((l) => ModelsIndexLineSchema.parse(l));
    expect(models.map((m) => [m.model_name, m.sanitized_name, m.n_layers, m.n_heads])).toEqual([
      ["pythia-14m", "pythia-14m", 6, 4],
    ]);
    const figures = lines(join(demoDir(), "figures.jsonl")).map((l) => FigureMetaSchema.parse(l));
    expect(figures.map((f) => [f.name, f.func_name, f.figure_save_fmt])).toEqual([["raw", "raw", "png"]]);
    const cfgRaw = JSON.parse(readFileSync(join(demoDir(), "pythia-14m", "model_cfg.json"), "utf8"));
    const cfg = ModelCfgSchema.parse(cfgRaw);
    expect(cfg).toEqual(cfgRaw); // every unknown key kept, values untouched
    expect(cfg.d_model).toBe(128);
    const prompts = lines(join(demoDir(), "pythia-14m", "prompts.jsonl")).map((l) =>
      PromptMetaSchema.parse(l),
    );
    expect(prompts.length).toBe(32);
  });

  it("parse every prompt.json; each hash recomputes to its folder name and matches prompts.jsonl", () => {
    const index = new Map(
      lines(join(demoDir(), "pythia-14m", "prompts.jsonl")).map((l) => {
        const p = PromptMetaSchema.parse(l);
        return [p.hash, p];
      }),
    );
    const dirs = demoPromptDirs();
    expect(dirs.length).toBe(32);
    for (const [hash, dir] of dirs) {
      const raw = JSON.parse(readFileSync(join(dir, "prompt.json"), "utf8"));
      const p = PromptMetaSchema.parse(raw);
      expect(p).toEqual(raw);
      expect(p.hash).toBe(hash);
      expect(promptHash(p.text)).toBe(hash);
      expect(p.n_tokens).toBe(p.tokens.length);
      expect(index.get(hash)).toEqual(p);
    }
  });
});

describe("schemas", () => {
  it("keep unknown keys (round-trip) and type the known ones", () => {
    const raw = {
      text: "hi",
      hash: promptHash("hi"),
      n_tokens: 1,
      tokens: ["hi"],
      token_ids: [42],
      truncated: false,
      pattern_lens: { implementation: "pattern-lens-ts", version: "0.1.0", extra: 1 },
      future_field: { nested: [1, 2] },
    };
    expect(PromptMetaSchema.parse(raw)).toEqual(raw);
    const fig = {
      name: "raw",
      func_name: "raw",
      doc: null,
      figure_save_fmt: "svg",
      source: null,
      code: null,
      x: 1,
    };
    expect(FigureMetaSchema.parse(fig)).toEqual(fig);
  });

  it("fill sanitized_name from model_name on old models.jsonl lines, keep it on new ones", () => {
    const cfg = { model_name: "EleutherAI/pythia-14m", n_layers: 6, n_heads: 4, other: "x" };
    expect(ModelsIndexLineSchema.parse(cfg)).toEqual({ ...cfg, sanitized_name: "EleutherAI/pythia-14m" });
    expect(
      ModelsIndexLineSchema.parse({ ...cfg, sanitized_name: "EleutherAI-pythia-14m" }).sanitized_name,
    ).toBe("EleutherAI-pythia-14m");
  });

  it("reject violations with a path", () => {
    const r = PromptMetaSchema.safeParse({ text: "a", hash: "h", n_tokens: 1.5, tokens: ["a", 3] });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join("."))).toEqual(["n_tokens", "tokens.1"]);
    expect(ModelCfgSchema.safeParse({ model_name: "m", n_layers: 2 }).success).toBe(false);
  });

  it("head_metrics.jsonl lines: null mean/std when no prompt defines the metric", () => {
    const line = {
      layer: 0,
      head: 2,
      metric: "induction",
      mean: null,
      std: null,
      count: 0,
      excluded: 3,
      x: 1,
    };
    expect(HeadMetricLineSchema.parse(line)).toEqual(line);
    expect(HeadMetricLineSchema.safeParse({ ...line, std: -1 }).success).toBe(false);
  });
});
