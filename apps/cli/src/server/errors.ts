/** Stable codes of the errors `pattern-lens serve` and `pattern-lens index` raise for user mistakes. */
export type ServeErrorCode =
  | "PL_SERVE_PORT_IN_USE"
  | "PL_SERVE_NOT_A_DIRECTORY"
  | "PL_SERVE_BAD_PORT"
  | "PL_SERVE_LISTEN"
  | "PL_VIEWER_BUNDLE_MISSING";

/**
 * A user-facing error of the static server or the viewer file writer: the message says what to do,
 * `code` is stable and `cause` keeps the underlying error.
 */
export class ServeError extends Error {
  override name = "ServeError";
  /** Stable machine-readable code. */
  readonly code: ServeErrorCode;

  constructor(code: ServeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
