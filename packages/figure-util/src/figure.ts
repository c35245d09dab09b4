import { FigureError } from "./errors.ts";
import { type MatrixInput, type Pattern, toDenseMatrix } from "./matrix.ts";
import {
  checkMatrixToRgbOptions,
  denseToIndexed,
  denseToRgb,
  type MatrixToRgbOptions,
} from "./matrix-to-rgb.ts";
import { type PlotOptions, renderPlotSvg } from "./plot.ts";
import { encodeIndexedPng, encodePng, type PngOptions } from "./png.ts";
import { pngToSvg, svgToSvgz } from "./svg.ts";

/** A figure file format, as in pattern-lens's `figure_save_fmt`. */
export type FigureFormat = "png" | "svg" | "svgz";

/** Every {@link FigureFormat}. */
export const FIGURE_FORMATS: readonly FigureFormat[] = Object.freeze(["png", "svg", "svgz"]);

/** How a figure was defined: {@link defineMatrixFigure}, {@link definePlotFigure} or {@link defineMultiFigure}. */
export type FigureKind = "matrix" | "plot" | "multi";

/** What a figure function knows besides the pattern: where the head comes from. */
export interface FigureContext {
  /** The prompt's token strings, one per row/column of the pattern. */
  readonly tokens: readonly string[];
  /** Layer index, from 0. */
  readonly layer: number;
  /** Head index within the layer, from 0. */
  readonly head: number;
  /** The model's name, as in the data folder. */
  readonly modelName: string;
  /** The prompt's hash (its folder name). */
  readonly promptHash: string;
}

/** One rendered file of a figure. `render` never writes files; the caller does. */
export interface FigureOutput {
  /**
   * For multi-figures, the sub-name: the file is `<name>.<suffix>.<fmt>`. Absent for single
   * figures: the file is `<name>.<fmt>`.
   */
  readonly suffix?: string;
  /** The file format. */
  readonly fmt: FigureFormat;
  /** The file's bytes (PNG, UTF-8 SVG text, or gzipped SVG). */
  readonly bytes: Uint8Array;
}

/**
 * A defined figure: plain metadata a registry can list and serialise (see {@link FigureDefinition.toJSON}),
 * plus `render`, which turns one head's pattern into file bytes.
 */
export interface FigureDefinition {
  /** The figure's name: the file name stem, e.g. `"raw"` → `raw.png`. Letters, digits, `_` and `-`. */
  readonly name: string;
  /** One-line description (pattern-lens's `doc`). */
  readonly doc: string;
  /** The output format of every file this figure writes. */
  readonly fmt: FigureFormat;
  /** Which helper made it. */
  readonly kind: FigureKind;
  /** For multi-figures the declared sub-names, in order; empty for single figures. */
  readonly suffixes: readonly string[];
  /** The file names one head gets, e.g. `["raw.png"]` or `["svd.u.svg", "svd.v.svg"]`. */
  readonly fileNames: readonly string[];
  /** The source text of the user's function (for `figures.jsonl`'s `code`). */
  readonly code: string;
  /**
   * Renders one head. Resolves to one output per file in {@link FigureDefinition.fileNames}, in
   * that order.
   *
   * @throws {FigureError} when the user function throws (`cause` keeps its error; code
   * `PL_FIGURE_RESULT`) or returns something unusable (`PL_FIGURE_NOT_2D`, `PL_FIGURE_EMPTY`,
   * `PL_FIGURE_SHAPE`, `PL_FIGURE_NAN`, `PL_FIGURE_RANGE`, `PL_FIGURE_RESULT`, `PL_FIGURE_FORMAT`).
   */
  render(pattern: Pattern, ctx: FigureContext): Promise<FigureOutput[]>;
  /** Plain metadata, without `render`: `{ name, doc, fmt, kind, suffixes, fileNames, code }`. */
  toJSON(): FigureMetadata;
}

/** The serialisable part of a {@link FigureDefinition}. */
export interface FigureMetadata {
  /** The figure name (file stem). */
  readonly name: string;
  /** One-line description. */
  readonly doc: string;
  /** Output format of every file. */
  readonly fmt: FigureFormat;
  /** Which helper made it. */
  readonly kind: FigureKind;
  /** Multi-figure part names; empty for single figures. */
  readonly suffixes: readonly string[];
  /** The file names one head gets. */
  readonly fileNames: readonly string[];
  /** The user function's source text. */
  readonly code: string;
}

/** How matrix figures colour their matrix: {@link MatrixToRgbOptions} without `alpha`, plus PNG knobs. */
export interface MatrixStyle {
  /** Min-max normalise before the colormap (see {@link MatrixToRgbOptions.normalize}). Default `false`. */
  readonly normalize?: boolean;
  /** Colormap name (see {@link COLORMAP_NAMES}). Default `"viridis"`. */
  readonly cmap?: string;
  /** Centre the colormap on 0 (see {@link MatrixToRgbOptions.diverging}). Default `false`. */
  readonly diverging?: boolean;
  /** Low end for `normalize` (see {@link MatrixToRgbOptions.normalizeMin}). */
  readonly normalizeMin?: number;
  /** PNG encoder knobs (also used for the PNG inside svg/svgz). */
  readonly png?: PngOptions;
}

/** Settings of {@link defineMatrixFigure}. */
export interface MatrixFigureConfig extends MatrixStyle {
  /** The figure name (file stem). Letters, digits, `_` and `-`. */
  readonly name: string;
  /** One-line description. Default: empty. */
  readonly doc?: string;
  /** `"png"`, `"svg"` (PNG embedded, pixelated) or `"svgz"`. */
  readonly fmt: FigureFormat;
}

/** Settings of {@link definePlotFigure}. */
export interface PlotFigureConfig {
  /** The figure name (file stem). Letters, digits, `_` and `-`. */
  readonly name: string;
  /** One-line description. Default: empty. */
  readonly doc?: string;
  /** `"svg"` or `"svgz"`. */
  readonly fmt: "svg" | "svgz";
}

/** Settings of {@link defineMultiFigure}. */
export interface MultiFigureConfig extends MatrixStyle {
  /** The function's name: files are `<name>.<suffix>.<fmt>`. */
  readonly name: string;
  /** One-line description. Default: empty. */
  readonly doc?: string;
  /** Format of every part. Plot parts need `"svg"` or `"svgz"`. */
  readonly fmt: FigureFormat;
  /** The sub-names the function returns, declared up front (so a runner knows the files). */
  readonly names: readonly string[];
}

/** A figure function's result may be returned directly or as a promise. */
export type MaybePromise<T> = T | Promise<T>;

/** A matrix figure function: pattern → matrix to colour. */
export type MatrixFigureFn = (pattern: Pattern, ctx: FigureContext) => MaybePromise<MatrixInput>;

/** A plot figure function: pattern → Observable Plot options (marks, scales, title...). */
export type PlotFigureFn = (pattern: Pattern, ctx: FigureContext) => MaybePromise<PlotOptions>;

/** One part of a multi-figure: a matrix (optionally with its own style) or a plot. */
export type MultiFigurePart =
  | ({ readonly matrix: MatrixInput } & MatrixStyle)
  | { readonly plot: PlotOptions };

/** A multi-figure function: pattern → one part per declared name. */
export type MultiFigureFn = (
  pattern: Pattern,
  ctx: FigureContext,
) => MaybePromise<Readonly<Record<string, MultiFigurePart>>>;

const NAME_RE = /^[A-Za-z0-9_-]+$/;

function checkName(what: string, name: unknown): string {
  if (typeof name !== "string" || !NAME_RE.test(name)) {
    throw new FigureError(
      "PL_FIGURE_DEFINITION",
      `${what} ${JSON.stringify(name)} is not usable as a file name: use letters, digits, "_" and "-".`,
    );
  }
  return name;
}

function checkFormat(fmt: unknown, allowed: readonly FigureFormat[], kind: string): FigureFormat {
  if (!allowed.includes(fmt as FigureFormat)) {
    throw new FigureError(
      "PL_FIGURE_FORMAT",
      `a ${kind} figure cannot be saved as ${JSON.stringify(fmt)}: use ${allowed.map((f) => `"${f}"`).join(" or ")}.`,
    );
  }
  return fmt as FigureFormat;
}

function checkFn(fn: unknown, name: string): void {
  if (typeof fn !== "function") {
    throw new FigureError(
      "PL_FIGURE_DEFINITION",
      `figure "${name}" needs a function as its second argument.`,
    );
  }
}

async function callUser<T>(name: string, run: () => MaybePromise<T>): Promise<T> {
  try {
    return await run();
  } catch (cause) {
    if (cause instanceof FigureError) throw cause;
    const msg = cause instanceof Error ? cause.message : String(cause);
    throw new FigureError("PL_FIGURE_RESULT", `figure function "${name}" threw: ${msg}`, { cause });
  }
}

const utf8 = new TextEncoder();

/**
 * Colours a matrix and encodes it as one figure file, exactly as a matrix figure does: the same
 * bytes `defineMatrixFigure(...).render` produces for that matrix.
 *
 * @param what - names the source in error messages, e.g. `figure function "raw"`
 * @throws {FigureError} `PL_FIGURE_NAN` for NaN cells (a figure function's NaN is a bug, not the
 * "bad" colour), and everything `matrixToRgb` throws.
 */
export function renderMatrix(
  matrix: MatrixInput,
  style: MatrixStyle,
  fmt: FigureFormat,
  what = "the matrix",
): Uint8Array {
  const dense = toDenseMatrix(matrix);
  const opts: MatrixToRgbOptions = {
    normalize: style.normalize ?? false,
    cmap: style.cmap ?? "viridis",
    diverging: style.diverging ?? false,
    ...(style.normalizeMin === undefined ? {} : { normalizeMin: style.normalizeMin }),
  };
  checkMatrixToRgbOptions(opts);
  const rejectNaN = (i: number) => {
    const r = Math.floor(i / dense.cols);
    return new FigureError(
      "PL_FIGURE_NAN",
      `${what} returned a matrix with NaN (first at row ${r}, column ${i - r * dense.cols}); return finite values.`,
    );
  };
  // unfiltered PNGs are written with the colormap as a palette when every cell has a colormap
  // colour (no bad colour): the same pixels, a third of the bytes to deflate
  const indexed = style.png?.filterType === 0 ? denseToIndexed(dense, opts, rejectNaN) : undefined;
  const img = indexed ?? denseToRgb(dense, opts, rejectNaN);
  const png = "rows" in img ? encodeIndexedPng(img, style.png) : encodePng(img, style.png);
  if (fmt === "png") return png;
  const svg = pngToSvg(png, img.width, img.height);
  return fmt === "svg" ? utf8.encode(svg) : svgToSvgz(svg);
}

function encodePlot(options: PlotOptions, fmt: FigureFormat, what: string): Uint8Array {
  if (fmt === "png") {
    throw new FigureError(
      "PL_FIGURE_FORMAT",
      `${what} is a plot; plots are saved as "svg" or "svgz", not "png".`,
    );
  }
  if (options === null || typeof options !== "object") {
    throw new FigureError(
      "PL_FIGURE_RESULT",
      `${what} must return Observable Plot options (an object with marks).`,
    );
  }
  const svg = renderPlotSvg(options);
  return fmt === "svg" ? utf8.encode(svg) : svgToSvgz(svg);
}

function makeDefinition(
  meta: Omit<FigureMetadata, "fileNames">,
  render: (pattern: Pattern, ctx: FigureContext) => Promise<FigureOutput[]>,
): FigureDefinition {
  const fileNames = Object.freeze(
    meta.suffixes.length === 0
      ? [`${meta.name}.${meta.fmt}`]
      : meta.suffixes.map((s) => `${meta.name}.${s}.${meta.fmt}`),
  );
  const metadata: FigureMetadata = Object.freeze({
    ...meta,
    suffixes: Object.freeze([...meta.suffixes]),
    fileNames,
  });
  return Object.freeze({ ...metadata, render, toJSON: () => metadata });
}

/**
 * Defines a figure that turns the pattern into a matrix and saves it as an image, one pixel per
 * cell (the counterpart of pattern-lens's `save_matrix_wrapper`). The function may return the
 * pattern itself, any 2D ndarray or `{ data, shape }`.
 *
 * @example
 * ```ts
 * export const raw = defineMatrixFigure(
 *   { name: "raw", doc: "raw attention matrix", fmt: "png", normalize: true, cmap: "Blues" },
 *   (pattern) => pattern,
 * );
 * ```
 * @throws {FigureError} `PL_FIGURE_DEFINITION` (bad name or function), `PL_FIGURE_FORMAT`,
 * `PL_FIGURE_UNKNOWN_CMAP` — at definition time, not per head.
 */
export function defineMatrixFigure(config: MatrixFigureConfig, fn: MatrixFigureFn): FigureDefinition {
  const name = checkName("figure name", config.name);
  const fmt = checkFormat(config.fmt, FIGURE_FORMATS, "matrix");
  checkFn(fn, name);
  checkMatrixToRgbOptions(config); // fail early on an unknown colormap or contradictory options
  const style: MatrixStyle = { ...config };
  return makeDefinition(
    { name, doc: config.doc ?? "", fmt, kind: "matrix", suffixes: [], code: fn.toString() },
    async (pattern, ctx) => {
      const m = await callUser(name, () => fn(pattern, ctx));
      return [{ fmt, bytes: renderMatrix(m, style, fmt, `figure function "${name}"`) }];
    },
  );
}

/**
 * Defines a figure drawn as a chart with Observable Plot (the counterpart of pattern-lens's
 * `matplotlib_figure_saver`): the function returns `Plot.plot` options; the chart is rendered
 * in Node to a standalone SVG (or SVGZ). Import marks from this package's {@link Plot} export.
 *
 * @example
 * ```ts
 * export const received = definePlotFigure(
 *   { name: "received", doc: "attention received per key", fmt: "svg" },
 *   (p, ctx) => ({
 *     x: { label: "key token" },
 *     marks: [Plot.barY(ctx.tokens.map((t, k) => { let s = 0; for (let q = 0; q < p.shape[0]!; q++) s += p.get(q, k); return s; }))],
 *   }),
 * );
 * ```
 * @throws {FigureError} `PL_FIGURE_DEFINITION`, `PL_FIGURE_FORMAT` (png is not allowed).
 */
export function definePlotFigure(config: PlotFigureConfig, fn: PlotFigureFn): FigureDefinition {
  const name = checkName("figure name", config.name);
  const fmt = checkFormat(config.fmt, ["svg", "svgz"], "plot");
  checkFn(fn, name);
  return makeDefinition(
    { name, doc: config.doc ?? "", fmt, kind: "plot", suffixes: [], code: fn.toString() },
    async (pattern, ctx) => {
      const options = await callUser(name, () => fn(pattern, ctx));
      return [{ fmt, bytes: encodePlot(options, fmt, `figure function "${name}"`) }];
    },
  );
}

/**
 * Defines a function that makes several named figures from one head (the counterpart of
 * pattern-lens's multi-figure functions). It returns one part per declared name, each a matrix
 * (`{ matrix, ...style }`, style defaulting to the config's) or a chart (`{ plot }`); each is saved as
 * `<name>.<part>.<fmt>`.
 *
 * @example
 * ```ts
 * export const halves = defineMultiFigure(
 *   { name: "halves", fmt: "svg", names: ["pattern", "log"], cmap: "viridis", normalize: true },
 *   (p) => ({
 *     pattern: { matrix: p },
 *     log: { matrix: { data: Float32Array.from(p.data.subarray(p.offset, p.offset + p.size), (x) => Math.log10(x)), shape: p.shape }, normalizeMin: -6 },
 *   }),
 * );
 * ```
 * @throws {FigureError} `PL_FIGURE_DEFINITION` (bad or duplicate names), `PL_FIGURE_FORMAT`,
 * `PL_FIGURE_UNKNOWN_CMAP`.
 */
export function defineMultiFigure(config: MultiFigureConfig, fn: MultiFigureFn): FigureDefinition {
  const name = checkName("figure name", config.name);
  const fmt = checkFormat(config.fmt, FIGURE_FORMATS, "multi");
  checkFn(fn, name);
  if (!Array.isArray(config.names) || config.names.length === 0) {
    throw new FigureError("PL_FIGURE_DEFINITION", `multi-figure "${name}" needs a non-empty names list.`);
  }
  const suffixes = config.names.map((s) => checkName(`part name of "${name}"`, s));
  if (new Set(suffixes).size !== suffixes.length) {
    throw new FigureError("PL_FIGURE_DEFINITION", `multi-figure "${name}" declares a part name twice.`);
  }
  checkMatrixToRgbOptions(config);
  const { names: _names, name: _name, doc: _doc, fmt: _fmt, ...baseStyle } = config;
  return makeDefinition(
    { name, doc: config.doc ?? "", fmt, kind: "multi", suffixes, code: fn.toString() },
    async (pattern, ctx) => {
      const parts = await callUser(name, () => fn(pattern, ctx));
      if (parts === null || typeof parts !== "object") {
        throw new FigureError("PL_FIGURE_RESULT", `multi-figure "${name}" must return an object of parts.`);
      }
      const got = Object.keys(parts);
      const missing = suffixes.filter((s) => !got.includes(s));
      const extra = got.filter((s) => !suffixes.includes(s));
      if (missing.length > 0 || extra.length > 0) {
        throw new FigureError(
          "PL_FIGURE_RESULT",
          `multi-figure "${name}" must return exactly the parts [${suffixes.join(", ")}]` +
            (missing.length ? `; missing: ${missing.join(", ")}` : "") +
            (extra.length ? `; undeclared: ${extra.join(", ")}` : "") +
            ".",
        );
      }
      return suffixes.map((suffix): FigureOutput => {
        const part = parts[suffix] as MultiFigurePart;
        const what = `part "${suffix}" of multi-figure "${name}"`;
        if (part !== null && typeof part === "object" && "plot" in part) {
          return { suffix, fmt, bytes: encodePlot(part.plot, fmt, what) };
        }
        if (part !== null && typeof part === "object" && "matrix" in part) {
          const { matrix, ...style } = part;
          return { suffix, fmt, bytes: renderMatrix(matrix, { ...baseStyle, ...style }, fmt, what) };
        }
        throw new FigureError("PL_FIGURE_RESULT", `${what} must be { matrix, ...style } or { plot }.`);
      });
    },
  );
}
