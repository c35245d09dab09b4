// Where every file of a pattern-lens data folder lives. Pure "/" joins: valid POSIX paths and URLs.
//
//   <save>/index.html, models.jsonl, figures.jsonl
//   <save>/<model>/model_cfg.json, prompts.jsonl
//   <save>/<model>/prompts/<hash>/prompt.json, activations.npz, L<l>/H<h>/<figure>.<fmt>
//
// Every model folder name and prompt hash is checked with `checkSafeName` before it is joined: a
// name read from a data file can never make a path that leaves the data folder.

import { IndexesError } from "./errors.ts";
import { checkSafeName } from "./safe-name.ts";

/** The figure file formats pattern-lens writes. */
export const FIGURE_FORMATS = ["png", "svg", "svgz"] as const;

/** One of {@link FIGURE_FORMATS}. */
export type FigureFormat = (typeof FIGURE_FORMATS)[number];

/** The model folder name, checked. */
function m(model: string): string {
  return checkSafeName("model folder name", model);
}

/** The prompt hash, checked. */
function h(hash: string): string {
  return checkSafeName("prompt hash", hash);
}

function join(save: string, ...parts: string[]): string {
  if (save === "") return parts.join("/");
  return [save.replace(/\/+$/, ""), ...parts].join("/");
}

/*
 * Every function below that takes a model folder name or a prompt hash throws
 * `IndexesError` `PL_INDEXES_UNSAFE_NAME` when it is not a plain folder name (see `isSafeName`).
 */

/** `<save>/models.jsonl`: one line per model. */
export function modelsIndexPath(save: string): string {
  return join(save, "models.jsonl");
}

/** `<save>/figures.jsonl`: one line per registered figure function. */
export function figuresIndexPath(save: string): string {
  return join(save, "figures.jsonl");
}

/**
 * `<save>/figures.d`: one `<func_name>.jsonl` per figure function ever registered, holding its
 * figures.jsonl lines. Each figures run writes its own; figures.jsonl is merged from them, so
 * concurrent runs with different figure modules lose no line.
 */
export function figureFragmentsDir(save: string): string {
  return join(save, "figures.d");
}

/** `<save>/index.html`: the viewer page. */
export function indexHtmlPath(save: string): string {
  return join(save, "index.html");
}

/**
 * `<save>/<model>`. `model` is the folder name, i.e. the model's `sanitized_name`
 * (see {@link sanitizeName}), not the raw model name.
 */
export function modelDir(save: string, model: string): string {
  return join(save, m(model));
}

/** `<save>/<model>/model_cfg.json`. */
export function modelCfgPath(save: string, model: string): string {
  return join(save, m(model), "model_cfg.json");
}

/** `<save>/<model>/prompts.jsonl`: one line per prompt of that model. */
export function promptsIndexPath(save: string, model: string): string {
  return join(save, m(model), "prompts.jsonl");
}

/** The file name of a model's head metrics (written by @pattern-lens/metrics), in its model folder. */
export const HEAD_METRICS_FILE = "head_metrics.jsonl";

/** `<save>/<model>/head_metrics.jsonl`: one line per layer, head and metric (see `HeadMetricLineSchema`). */
export function headMetricsPath(save: string, model: string): string {
  return join(save, m(model), HEAD_METRICS_FILE);
}

/**
 * `<save>/<model>/prompts/<hash>/head_metrics.json`: every head's metric values on one prompt (see
 * `PromptHeadMetricsSchema`), merged over prompts into {@link headMetricsPath}.
 */
export function promptHeadMetricsPath(save: string, model: string, hash: string): string {
  return join(save, model, "prompts", hash, HEAD_METRICS_PROMPT_FILE);
}

/** The file name of one prompt's head metric values, in its prompt folder. */
export const HEAD_METRICS_PROMPT_FILE = "head_metrics.json";

/** `<save>/<model>/prompts`: the folder holding one folder per prompt hash. */
export function promptsDir(save: string, model: string): string {
  return join(save, m(model), "prompts");
}

/** `<save>/<model>/prompts/<hash>` (hash from {@link promptHash}). */
export function promptDir(save: string, model: string, hash: string): string {
  return join(save, m(model), "prompts", h(hash));
}

/** `<save>/<model>/prompts/<hash>/prompt.json`. */
export function promptJsonPath(save: string, model: string, hash: string): string {
  return join(save, m(model), "prompts", h(hash), "prompt.json");
}

/** `<save>/<model>/prompts/<hash>/activations.npz` (keys from {@link patternKey}). */
export function activationsPath(save: string, model: string, hash: string): string {
  return join(save, m(model), "prompts", h(hash), "activations.npz");
}

function checkIndex(what: "layer" | "head", v: number): number {
  if (!Number.isInteger(v) || v < 0)
    throw new IndexesError("PL_INDEXES_INVALID_ARGUMENT", `${what} must be an integer >= 0, got ${v}`);
  return v;
}

/**
 * `L<layer>`: the name of a layer's folder in a prompt folder (see {@link headDir}); for code that
 * holds a prompt folder's path already, such as a worker given one prompt.
 *
 * @throws {@link IndexesError} `PL_INDEXES_INVALID_ARGUMENT` when `layer` is not an integer >= 0.
 */
export function layerFolderName(layer: number): string {
  return `L${checkIndex("layer", layer)}`;
}

/**
 * `H<head>`: the name of a head's folder in a layer folder (see {@link headDir}).
 *
 * @throws {@link IndexesError} `PL_INDEXES_INVALID_ARGUMENT` when `head` is not an integer >= 0.
 */
export function headFolderName(head: number): string {
  return `H${checkIndex("head", head)}`;
}

/**
 * `.L<layer>.<pid>.tmp`: a layer folder that process `pid` writes whole, beside where it goes in
 * the prompt folder, then renames to {@link layerFolderName} (so a killed writer leaves no
 * half-written `L<layer>`). Hidden, so the viewer and the Python tool never see it.
 *
 * @throws {@link IndexesError} `PL_INDEXES_INVALID_ARGUMENT` when `layer` is not an integer >= 0.
 */
export function stagedLayerName(layer: number, pid: number): string {
  return `.${layerFolderName(layer)}.${pid}.tmp`;
}

const STAGED_LAYER = /^\.L\d+\.(\d+)\.tmp$/;

/**
 * The writer's pid of a staged layer folder's name (see {@link stagedLayerName}), or `undefined`
 * when `name` is not one.
 *
 * @example
 * ```ts
 * stagedLayerPid(".L3.4242.tmp"); // 4242
 * stagedLayerPid("L3"); // undefined
 * ```
 */
export function stagedLayerPid(name: string): number | undefined {
  const m = STAGED_LAYER.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** `<save>/<model>/prompts/<hash>/L<layer>/H<head>`. */
export function headDir(save: string, model: string, hash: string, layer: number, head: number): string {
  return join(save, m(model), "prompts", h(hash), layerFolderName(layer), headFolderName(head));
}

/**
 * `<save>/<model>/prompts/<hash>/L<layer>/H<head>/<name>.<fmt>`.
 *
 * @example
 * ```ts
 * figurePath("data", "pythia-14m", "sCw9tqGtgecntuFkGO7kVw", 0, 3, "raw", "png");
 * // "data/pythia-14m/prompts/sCw9tqGtgecntuFkGO7kVw/L0/H3/raw.png"
 * ```
 */
export function figurePath(
  save: string,
  model: string,
  hash: string,
  layer: number,
  head: number,
  name: string,
  fmt: FigureFormat | string,
): string {
  return `${headDir(save, model, hash, layer, head)}/${checkSafeName("figure name", name)}.${checkSafeName("figure format", fmt)}`;
}

/**
 * The key of a layer's attention pattern inside `activations.npz` (TransformerLens hook name):
 * `blocks.<layer>.attn.hook_pattern`. The array is `[1, n_heads, n_ctx, n_ctx]`.
 */
export function patternKey(layer: number): string {
  return `blocks.${layer}.attn.hook_pattern`;
}
