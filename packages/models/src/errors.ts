/** Stable codes of the errors @pattern-lens/models throws. */
export type ModelsErrorCode =
  /** `--model` names nothing: not a file or folder, not an alias, not a hub repo id. */
  | "PL_MODELS_NOT_FOUND"
  /** A local model folder or file that is not a usable model (no ONNX file, several to choose from, ...). */
  | "PL_MODELS_INVALID"
  /** A llama2.c checkpoint without a tokenizer `.bin`. */
  | "PL_MODELS_TOKENIZER_MISSING"
  /** The hub answered 401/403: private or gated repo, or a bad token. */
  | "PL_MODELS_HUB_AUTH"
  /** The hub has no such repository. */
  | "PL_MODELS_HUB_REPO_NOT_FOUND"
  /** The repository has no such revision (branch, tag or commit). */
  | "PL_MODELS_HUB_REVISION_NOT_FOUND"
  /** The repository has no such file at that revision. */
  | "PL_MODELS_HUB_FILE_NOT_FOUND"
  /** The hub answered with a server error (5xx) or another unexpected status. */
  | "PL_MODELS_HUB_SERVER"
  /** The connection failed or broke (refused, reset, DNS, dropped mid-download). */
  | "PL_MODELS_HUB_NETWORK"
  /** A downloaded file's size or sha256 does not match what the hub announced. */
  | "PL_MODELS_HUB_INTEGRITY"
  /** `HF_HUB_OFFLINE=1` and the cache lacks something that is needed. */
  | "PL_MODELS_HUB_OFFLINE_MISSING"
  /** The cache folder cannot be written or read. */
  | "PL_MODELS_HUB_CACHE_IO"
  /** A local model file is a Git LFS pointer: the folder was cloned without git-lfs. */
  | "PL_MODELS_LFS_POINTER";

/**
 * A user-facing problem: a model that cannot be found, a hub error, a missing cached file. The
 * message says what to do; `code` is stable and starts with `PL_`.
 */
export class ModelsError extends Error {
  /** Stable machine-readable code, e.g. `PL_MODELS_HUB_AUTH`. */
  readonly code: ModelsErrorCode;

  constructor(code: ModelsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ModelsError";
    this.code = code;
  }
}

/**
 * An error from talking to the Hugging Face hub. Carries the HTTP status (when there was a
 * response) and the URL asked for.
 */
export class HubError extends ModelsError {
  /** HTTP status of the response, or `undefined` when no response came (network failure). */
  readonly status: number | undefined;
  /** The URL that failed. */
  readonly url: string;

  constructor(
    code: ModelsErrorCode,
    message: string,
    details: { status?: number | undefined; url: string; cause?: unknown },
  ) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "HubError";
    this.status = details.status;
    this.url = details.url;
  }
}

/** A bug in @pattern-lens/models (an invariant broke). Never the user's fault; please report it. */
export class ModelsInternalError extends Error {
  /** Always `INTERNAL_MODELS`: no `PL_` prefix, so the CLI treats it as a bug (exit 70). */
  readonly code = "INTERNAL_MODELS" as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super(`internal error in @pattern-lens/models: ${message}. Please report this bug.`, options);
    this.name = "ModelsInternalError";
  }
}
