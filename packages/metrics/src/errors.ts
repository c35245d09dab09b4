import { isUserError } from "@pattern-lens/indexes";
import type { PoolFailure } from "@pattern-lens/runner";

/** Stable codes of the user-facing errors of @pattern-lens/metrics. */
export type MetricsErrorCode =
  /** The model folder or its `prompts.jsonl` is missing. */
  | "PL_METRICS_NO_PROMPTS"
  /** `--metrics` names a metric that is not registered. */
  | "PL_METRICS_UNKNOWN"
  /** A metric definition is malformed (bad name, not a function, ...). */
  | "PL_METRICS_DEFINITION"
  /** Two different metrics registered under one name. */
  | "PL_METRICS_DUPLICATE"
  /** A `--module` file is missing or throws while loading. */
  | "PL_METRICS_MODULE"
  /** A metric function threw or returned something other than a number. */
  | "PL_METRICS_FAILED"
  /** Patterns handed to `computePromptMetrics` whose layers differ in shape. */
  | "PL_METRICS_INPUT"
  /** Bad runner options (jobs, sample count). */
  | "PL_METRICS_OPTIONS"
  /** Prompts of one model were scored with different metrics or options (shards run differently). */
  | "PL_METRICS_MIXED";

/**
 * A mistake the user can fix: a missing data folder, an unknown metric name, a module that fails
 * to load, a metric function that throws. The message says what to do; `code` is stable.
 */
export class MetricsError extends Error {
  /** Stable machine-readable code, e.g. `PL_METRICS_UNKNOWN`. */
  readonly code: MetricsErrorCode;
  /** The file the error is about, when there is one. */
  readonly path: string | undefined;

  constructor(code: MetricsErrorCode, message: string, options: { cause?: unknown; path?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "MetricsError";
    this.code = code;
    this.path = options.path;
  }
}

/**
 * A bug inside @pattern-lens/metrics (a worker that died, a broken message). Its `code` does not
 * start with `PL_`, so the CLI prints the stack and asks for a report.
 */
export class MetricsInternalError extends Error {
  /** Always `INTERNAL_METRICS`. */
  readonly code = "INTERNAL_METRICS";

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "MetricsInternalError";
  }
}

/** The error of a failed metrics worker pool: a `PL_` code from a metric or module stays the user's; the rest are bugs. */
export function poolError(f: PoolFailure<unknown>): Error {
  switch (f.stage) {
    case "missing-build":
      return new MetricsInternalError(
        `the worker entry ${f.entry} is missing; the package build is incomplete`,
      );
    case "start":
      return f.cause instanceof Error ? f.cause : new MetricsInternalError(String(f.cause));
    case "init":
      return isUserError(f)
        ? new MetricsError(f.code as MetricsErrorCode, f.message)
        : new MetricsError("PL_METRICS_MODULE", f.message);
    case "task":
      return isUserError(f)
        ? new MetricsError(f.code as MetricsErrorCode, f.message)
        : new MetricsInternalError(`metrics worker failed: ${f.message}`);
    case "crash":
      return new MetricsInternalError(`metrics worker crashed: ${f.cause.message}`, { cause: f.cause });
    case "exit":
      return new MetricsInternalError(`metrics worker exited with code ${f.exitCode}`);
  }
}
