/**
 * Stable codes of {@link ViewerError}.
 * - `PL_VIEWER_FETCH`: a data file could not be fetched (missing, server down, wrong `src`).
 * - `PL_VIEWER_DATA`: a data file is not what pattern-lens writes (bad JSON line, missing head).
 * - `PL_VIEWER_BUNDLE_MISSING`: the built viewer bundle is not there to copy (run the build).
 * - `PL_VIEWER_IO`: the viewer files cannot be written into the data folder (disk full, read-only).
 */
export type ViewerErrorCode =
  | "PL_VIEWER_FETCH"
  | "PL_VIEWER_DATA"
  | "PL_VIEWER_BUNDLE_MISSING"
  | "PL_VIEWER_IO";

/** A user-facing viewer error: the message says what to do; `cause` keeps the underlying error. */
export class ViewerError extends Error {
  override name = "ViewerError";
  /** Stable machine-readable code. */
  readonly code: ViewerErrorCode;

  constructor(code: ViewerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
