import { isUserError } from "@pattern-lens/indexes";
import type { PoolFailure } from "@pattern-lens/runner";

/** Stable codes of the user-facing errors of @pattern-lens/figures. */
export type FiguresErrorCode =
  | "PL_FIGURES_MODEL_DIR_MISSING"
  | "PL_FIGURES_PROMPTS_INDEX_MISSING"
  | "PL_FIGURES_MODEL_CFG_MISSING"
  | "PL_FIGURES_UNKNOWN"
  | "PL_FIGURES_NAME"
  | "PL_FIGURES_DUPLICATE"
  | "PL_FIGURES_MODULE"
  | "PL_FIGURES_OPTIONS"
  | "PL_FIGURES_NO_PROMPTS";

/**
 * A mistake the user can fix (a missing folder, an unknown figure name, a module that fails to load).
 * The message says what to do; `code` is stable; `cause` keeps the underlying error.
 */
export class FiguresError extends Error {
  /** Stable machine-readable code, e.g. `PL_FIGURES_MODEL_DIR_MISSING`. */
  readonly code: FiguresErrorCode;
  /** The path the error is about, when there is one. */
  readonly path: string | undefined;

  constructor(code: FiguresErrorCode, message: string, options: { cause?: unknown; path?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "FiguresError";
    this.code = code;
    this.path = options.path;
  }
}

/**
 * A bug inside @pattern-lens/figures (a worker that died, a broken message). Not the user's fault:
 * its `code` deliberately does not start with `PL_`, so the CLI prints the stack and asks for a report.
 */
export class FiguresInternalError extends Error {
  /** Always `INTERNAL_FIGURES`. */
  readonly code = "INTERNAL_FIGURES";

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "FiguresInternalError";
  }
}

/** The error of a failed figures worker pool: a user module's `PL_` error stays the user's; the rest are bugs. */
export function poolError(f: PoolFailure<{ index: number }>): Error {
  switch (f.stage) {
    case "missing-build":
      return new FiguresInternalError(
        `the worker entry ${f.entry} is missing; the package build is incomplete`,
      );
    case "start":
      return f.cause instanceof Error ? f.cause : new FiguresInternalError(String(f.cause));
    case "init":
      return isUserError(f)
        ? Object.assign(new FiguresError("PL_FIGURES_MODULE", f.message), { code: f.code })
        : new FiguresInternalError(`a figures worker failed to start: ${f.message}`);
    case "task": {
      // a user-fixable failure (PL_INDEXES_IO: disk full, read-only folder) keeps its code and message
      if (isUserError(f))
        return Object.assign(new Error(f.message), { name: "FiguresWorkerError", code: f.code });
      const err = new FiguresInternalError(`rendering prompt #${f.task.index} failed: ${f.message}`);
      return f.code ? Object.assign(err, { code: f.code }) : err;
    }
    case "crash":
      return new FiguresInternalError(`a figures worker crashed: ${f.cause.message}`, { cause: f.cause });
    case "exit":
      return new FiguresInternalError(`a figures worker exited early (code ${f.exitCode})`);
  }
}
