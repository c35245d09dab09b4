/** Stable codes of the user-facing errors of `@pattern-lens/activations`. */
export type ActivationsErrorCode =
  | "PL_ACTIVATIONS_MODEL_NOT_FOUND"
  | "PL_ACTIVATIONS_MODEL_INVALID"
  | "PL_ACTIVATIONS_MODEL_NO_ATTENTION"
  | "PL_ACTIVATIONS_MODEL_INPUT_UNSUPPORTED"
  | "PL_ACTIVATIONS_MODEL_TOO_LARGE"
  | "PL_ACTIVATIONS_PROMPT_TOO_LONG"
  | "PL_ACTIVATIONS_TOKENIZER_NOT_FOUND"
  | "PL_ACTIVATIONS_TOKENIZER_INVALID"
  | "PL_ACTIVATIONS_PROMPTS_NOT_FOUND"
  | "PL_ACTIVATIONS_PROMPTS_EMPTY"
  | "PL_ACTIVATIONS_PROMPTS_INVALID"
  | "PL_ACTIVATIONS_NOT_UTF8"
  | "PL_ACTIVATIONS_DEVICE_UNAVAILABLE"
  | "PL_ACTIVATIONS_PATTERN_INVALID"
  | "PL_ACTIVATIONS_OPTIONS_INVALID"
  | "PL_ACTIVATIONS_MODEL_MISMATCH"
  | "PL_ACTIVATIONS_IO";

/**
 * A user mistake or a problem with the user's files (missing model, bad prompts file, full disk).
 * The message says what to do; `code` is stable and the CLI prints it.
 */
export class ActivationsError extends Error {
  /** Stable machine-readable code, e.g. `PL_ACTIVATIONS_MODEL_NO_ATTENTION`. */
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
  /** Always `INTERNAL_ACTIVATIONS`: no `PL_` prefix, so the CLI treats it as a bug (exit 70). */
  readonly code = "INTERNAL_ACTIVATIONS" as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ActivationsInternalError";
  }
}
