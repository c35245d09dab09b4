import type { NdArray } from "ndarray";

/** The file formats a figure can be saved in (the same list as `FIGURE_FORMATS` of @pattern-lens/indexes). */
export type FigureFormat = "png" | "svg" | "svgz";

/** One head's attention pattern: a float32 view of shape `[n_ctx, n_ctx]` (query rows, key columns). */
export type AttentionPattern = NdArray<Float32Array>;

/** What a figure function knows besides the pattern. */
export interface FigureContext {
  /** The prompt's token strings (as in `prompts.jsonl`). */
  tokens: readonly string[];
  /** Layer index. */
  layer: number;
  /** Head index. */
  head: number;
  /** Model name (the folder name under the save path). */
  modelName: string;
  /** The prompt's 22-character hash. */
  promptHash: string;
}

/** One file a figure function produced; the runner writes it, figure functions never write files. */
export interface FigureOutput {
  /** Sub-name for multi-figure functions (file `{func}.{name}.{fmt}`); absent for single figures. */
  name?: string;
  /** File format. */
  fmt: FigureFormat;
  /** File contents. */
  data: Uint8Array;
}

/** Where a registered figure function comes from, as written to `figures.jsonl`'s `source`. */
export type FigureSource =
  | { kind: "package"; name: string }
  | { kind: "module"; path: string }
  | { kind: "inline" };

/** A figure function as the registry keeps it. */
export interface RegisteredFigure {
  /** File stem: `{name}.{fmt}`, or the prefix `{name}.{sub}.{fmt}` for multi-figure functions. */
  name: string;
  /** `single`: one file per head; `multi`: several named files per head. */
  kind: "single" | "multi";
  /** One-line description (figures.jsonl `doc`). */
  doc: string;
  /** The format of a single figure; for multi-figures the format of the first declared output, if known. */
  fmt: FigureFormat | undefined;
  /** Sub-names a multi-figure function declares up front (used to decide whether a head is done). */
  subNames: readonly string[] | undefined;
  /** Source text of the user's function (figures.jsonl `code`). */
  code: string;
  /** Where it was registered from. */
  source: FigureSource;
  /** Computes the figure(s) for one head. */
  render: (pattern: AttentionPattern, ctx: FigureContext) => FigureOutput[] | Promise<FigureOutput[]>;
}
