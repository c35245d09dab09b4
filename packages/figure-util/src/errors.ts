/**
 * Stable codes of {@link FigureError}. Match on the code, never on the message.
 *
 * - `PL_FIGURE_RANGE`: values outside what the options allow (outside [0, 1] without `normalize`,
 *   outside [-1, 1] for `diverging` without `normalize`, or infinite values).
 * - `PL_FIGURE_EMPTY`: a matrix with zero rows or zero columns.
 * - `PL_FIGURE_NOT_2D`: a matrix whose shape does not have exactly two dimensions.
 * - `PL_FIGURE_SHAPE`: a matrix whose data length does not match its shape.
 * - `PL_FIGURE_NAN`: a figure function returned a matrix containing NaN.
 * - `PL_FIGURE_UNKNOWN_CMAP`: a colormap name that is not in {@link COLORMAP_NAMES}.
 * - `PL_FIGURE_FORMAT`: an output format the figure kind cannot produce (e.g. a plot as png).
 * - `PL_FIGURE_OPTIONS`: options that contradict each other or are malformed.
 * - `PL_FIGURE_DEFINITION`: a malformed figure definition (bad name, missing function).
 * - `PL_FIGURE_RESULT`: a figure function returned something that is not what its kind needs
 *   (not a matrix, not Plot options, missing or extra names of a multi-figure).
 */
export type FigureErrorCode =
  | "PL_FIGURE_RANGE"
  | "PL_FIGURE_EMPTY"
  | "PL_FIGURE_NOT_2D"
  | "PL_FIGURE_SHAPE"
  | "PL_FIGURE_NAN"
  | "PL_FIGURE_UNKNOWN_CMAP"
  | "PL_FIGURE_FORMAT"
  | "PL_FIGURE_OPTIONS"
  | "PL_FIGURE_DEFINITION"
  | "PL_FIGURE_RESULT";

/**
 * A user mistake: bad input to a figure helper or a figure function that returned something
 * unusable. The message says what to do; the CLI prints it as one line.
 *
 * @example
 * ```ts
 * try { matrixToRgb(m, { cmap: "Blues" }); }
 * catch (e) { if (e instanceof FigureError && e.code === "PL_FIGURE_RANGE") ... }
 * ```
 */
export class FigureError extends Error {
  /** Stable machine-readable code. */
  readonly code: FigureErrorCode;

  /**
   * @param code - stable code
   * @param message - what went wrong and what to do about it
   * @param options - `cause`: the underlying error, kept for debugging
   */
  constructor(code: FigureErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "FigureError";
    this.code = code;
  }
}

/**
 * A bug inside @pattern-lens/figure-util (a broken invariant), not a user mistake.
 * Please report it with the stack trace.
 */
export class FigureInternalError extends Error {
  /** Always `INTERNAL_FIGURE_UTIL`: no `PL_` prefix, so the CLI treats it as a bug (exit 70). */
  readonly code = "INTERNAL_FIGURE_UTIL" as const;

  /**
   * @param message - the broken invariant
   * @param options - `cause`: the underlying error
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(
      `internal error in @pattern-lens/figure-util: ${message}. This is a bug; please report it.`,
      options,
    );
    this.name = "FigureInternalError";
  }
}
