/** Stable codes of the llama2.c errors. */
export type Llama2cErrorCode =
  | "PL_MODELS_LLAMA2C_CORRUPT"
  | "PL_MODELS_LLAMA2C_TOKENIZER_CORRUPT"
  | "PL_MODELS_LLAMA2C_IO";

/**
 * A llama2.c checkpoint or tokenizer file that cannot be used (wrong size, bad header, unreadable).
 * The message says which file and what to do; `code` is stable.
 */
export class Llama2cError extends Error {
  /** Stable machine-readable code, e.g. `PL_MODELS_LLAMA2C_CORRUPT`. */
  readonly code: Llama2cErrorCode;

  constructor(code: Llama2cErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "Llama2cError";
    this.code = code;
  }
}
