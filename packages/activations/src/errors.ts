/** Stable codes of the user-facing errors of `@pattern-lens/activations`. */
export type ActivationsErrorCode =
  | "PL_MODEL_NOT_FOUND"
  | "PL_MODEL_INVALID"
  | "PL_MODEL_NO_ATTENTION"
  | "PL_MODEL_INPUT_UNSUPPORTED"
  | "PL_TOKENIZER_NOT_FOUND"
  | "PL_TOKENIZER_INVALID"
  | "PL_PROMPTS_NOT_FOUND"
  | "PL_PROMPTS_EMPTY"
  | "PL_PROMPTS_INVALID"
  | "PL_NOT_UTF8"
  | "PL_DEVICE_UNAVAILABLE"
  | "PL_PATTERN_INVALID"
  | "PL_OPTIONS_INVALID"
  | "PL_MODEL_MISMATCH"
  | "PL_IO";

/**
 * A user mistake or a problem with the user's files (missing model, bad prompts file, full disk).
 * The message says what to do; `code` is stable and the CLI prints it.
 */
export class ActivationsError extends Error {
  /** Stable machine-readable code, e.g. `PL_MODEL_NO_ATTENTION`. */
  readonly code: ActivationsErrorCode;

  constructor(code: ActivationsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ActivationsError";
    this.code = code;
  }
}

/**
 * A bug in pattern-lens itself (an invariant that should always hold did not). Never caused by
 * user input; the CLI prints its stack and asks for a report.
 */
export class ActivationsInternalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ActivationsInternalError";
  }
}
