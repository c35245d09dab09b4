/**
 * Stable codes of {@link IndexesError}. Match on the code, never on the message.
 *
 * - `PL_INDEXES_JSON_PARSE`: a JSON file is not valid JSON.
 * - `PL_INDEXES_JSONL_PARSE`: a line of a JSONL file is not valid JSON (the message names file and line).
 * - `PL_INDEXES_SCHEMA`: valid JSON that does not match its zod schema (file, line, issue path).
 * - `PL_INDEXES_NPZ_CORRUPT`: an `.npz` archive (or an `.npy` inside it) is truncated or malformed.
 * - `PL_INDEXES_NPZ_UNSUPPORTED`: a valid zip feature we do not read (encryption, other compression).
 * - `PL_INDEXES_NPZ_TOO_LARGE`: an `.npz` member is larger than the reader's bound (`maxMemberBytes`).
 * - `PL_INDEXES_NPY_CORRUPT`: a standalone `.npy` buffer is malformed (magic, header, data length).
 * - `PL_INDEXES_NPY_UNSUPPORTED`: a valid `.npy` we do not read: Fortran order, big-endian, other dtypes.
 * - `PL_INDEXES_NOT_UTF8`: a text file is not valid UTF-8.
 * - `PL_INDEXES_NOT_FOUND`: a file or folder that should exist does not.
 * - `PL_INDEXES_IO`: any other file system failure (the `cause` keeps the system error).
 * - `PL_INDEXES_INVALID_ARGUMENT`: the caller passed something inconsistent (e.g. shape vs data length).
 * - `PL_INDEXES_UNSAFE_NAME`: a name read from a data file (prompt hash, model folder, figure name)
 *   is not a plain folder name (`..`, `/`, ...): it would lead outside the data folder.
 * - `PL_INDEXES_OUTSIDE_SAVE_PATH`: a path resolves outside the data folder (e.g. through a symlink).
 * - `PL_INDEXES_SHARD_INVALID`: a bad `--shard K/N` or `--shards N`.
 * - `PL_INDEXES_SHARD_ENV`: job scheduler variables (Slurm, Kubernetes) that name no shard consistently.
 */
export type IndexesErrorCode =
  | "PL_INDEXES_JSON_PARSE"
  | "PL_INDEXES_JSONL_PARSE"
  | "PL_INDEXES_SCHEMA"
  | "PL_INDEXES_NPZ_CORRUPT"
  | "PL_INDEXES_NPZ_UNSUPPORTED"
  | "PL_INDEXES_NPZ_TOO_LARGE"
  | "PL_INDEXES_NPY_CORRUPT"
  | "PL_INDEXES_NPY_UNSUPPORTED"
  | "PL_INDEXES_NOT_UTF8"
  | "PL_INDEXES_NOT_FOUND"
  | "PL_INDEXES_IO"
  | "PL_INDEXES_INVALID_ARGUMENT"
  | "PL_INDEXES_UNSAFE_NAME"
  | "PL_INDEXES_OUTSIDE_SAVE_PATH"
  | "PL_INDEXES_SHARD_INVALID"
  | "PL_INDEXES_SHARD_ENV";

/**
 * A problem with data on disk or with what the caller passed: the message says what to do.
 * The CLI prints it as one line (any error whose `code` starts with `PL_`).
 *
 * @example
 * ```ts
 * try { await readJsonl(path, PromptMetaSchema); }
 * catch (e) { if (e instanceof IndexesError && e.code === "PL_INDEXES_JSONL_PARSE") ... }
 * ```
 */
export class IndexesError extends Error {
  /** Stable machine-readable code. */
  readonly code: IndexesErrorCode;

  /**
   * @param code - stable code
   * @param message - what went wrong and what to do about it
   * @param options - `cause`: the underlying error, kept for debugging
   */
  constructor(code: IndexesErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "IndexesError";
    this.code = code;
  }
}

/**
 * A bug inside @pattern-lens/indexes (an invariant that should never break), not a user mistake.
 * Please report it with the stack trace.
 */
export class IndexesInternalError extends Error {
  /** Always `INTERNAL_INDEXES`: no `PL_` prefix, so the CLI treats it as a bug (exit 70). */
  readonly code = "INTERNAL_INDEXES" as const;

  /** @param message - the broken invariant */
  constructor(message: string, options?: { cause?: unknown }) {
    super(`internal error in @pattern-lens/indexes: ${message}. This is a bug; please report it.`, options);
    this.name = "IndexesInternalError";
  }
}
