import type { FigureContext, FigureFormat, FigureOutput, Pattern } from "@pattern-lens/figure-util";

export type { FigureContext, FigureFormat, FigureOutput };

/** One head's attention pattern: a float32 view of shape `[n_ctx, n_ctx]` (query rows, key columns). */
export type AttentionPattern = Pattern;

/** Where a registered figure function comes from, as written to `figures.jsonl`'s `source`. */
export type FigureSource =
  | { kind: "package"; name: string }
  | { kind: "module"; path: string }
  | { kind: "inline" };

/** A figure function as the registry keeps it. */
export interface RegisteredFigure {
  /** File stem: `{name}.{fmt}`, or the prefix of `{name}.{suffix}.{fmt}` for multi-figures. */
  readonly name: string;
  /** `matrix`/`plot`/`multi` from @pattern-lens/figure-util's helpers; `custom` for a plain {@link AttnFigureFunc}. */
  readonly kind: "matrix" | "plot" | "multi" | "custom";
  /** One-line description (figures.jsonl `doc`). */
  readonly doc: string;
  /** Format of every file it writes. */
  readonly fmt: FigureFormat;
  /** Sub-names of a multi-figure (files `{name}.{suffix}.{fmt}`); empty for single figures. */
  readonly suffixes: readonly string[];
  /** The files one head gets, e.g. `["raw.png"]`; a head is done when all exist. */
  readonly fileNames: readonly string[];
  /** Source text of the user's function (figures.jsonl `code`). */
  readonly code: string;
  /** Where it was registered from. */
  readonly source: FigureSource;
  /** Computes the file(s) of one head; never writes files. */
  render(pattern: AttentionPattern, ctx: FigureContext): Promise<FigureOutput[]>;
}

/**
 * A figure function in its plain, low-level form: `render` returns one file's bytes. Prefer
 * `defineMatrixFigure` / `definePlotFigure` from @pattern-lens/figure-util; use this for anything else.
 */
export interface AttnFigureFunc {
  /** File stem (`L{l}/H{h}/{name}.{fmt}`): letters, digits, `_` and `-`. */
  readonly name: string;
  /** Output format. */
  readonly fmt: FigureFormat;
  /** One-line description for figures.jsonl and the viewer. */
  readonly doc?: string;
  /** Source text shown in figures.jsonl; defaults to `render.toString()`. */
  readonly code?: string;
  /** Computes one head's figure file. Must not write files. */
  render(pattern: AttentionPattern, ctx: FigureContext): Uint8Array | Promise<Uint8Array>;
}
