/** Stable codes of the errors this package throws. */
export type OnnxErrorCode =
  | "PL_ONNX_CORRUPT"
  | "PL_ONNX_UNSUPPORTED"
  | "PL_ONNX_NOT_FOUND"
  | "PL_ONNX_EXTERNAL_DATA"
  | "PL_ONNX_INVALID_GRAPH";

/**
 * A problem with a model or with how the package was called: a corrupt file, a missing node, an
 * unsupported tensor type. The message says what to do; `code` is stable.
 */
export class OnnxError extends Error {
  /** Stable machine-readable code, e.g. `PL_ONNX_CORRUPT`. */
  readonly code: OnnxErrorCode;

  constructor(code: OnnxErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "OnnxError";
    this.code = code;
  }
}

/** A bug in this package (an invariant broke). Report it; it is never the user's fault. */
export class OnnxInternalError extends Error {
  /** Always `INTERNAL_ONNX`: no `PL_` prefix, so the CLI treats it as a bug (exit 70). */
  readonly code = "INTERNAL_ONNX" as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super(`internal error in @pattern-lens/onnx: ${message}. Please report this bug.`, options);
    this.name = "OnnxInternalError";
  }
}
