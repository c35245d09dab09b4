import { isUserError } from "@pattern-lens/indexes";

/** What the CLI prints for an error, and the exit code it uses. */
export interface ErrorReport {
  message: string;
  exitCode: number;
}

/** Exit code for a user mistake (bad flag, missing file, invalid data). */
export const EXIT_USER_ERROR = 2;
/** Exit code for an internal bug (EX_SOFTWARE of sysexits.h). */
export const EXIT_INTERNAL_ERROR = 70;
/** Exit code after Ctrl-C (SIGINT): 128 + 2, as shells report it. */
export const EXIT_INTERRUPTED = 130;

/** Where to report a bug; printed under every internal error. */
export const REPORT_HINT =
  "This is a bug in pattern-lens, not something you did: please report it with the command you ran and this output.";

/**
 * Every package's user-facing errors carry a stable `code` starting with `PL_` (see
 * `isUserError` in `@pattern-lens/indexes`) and a message that says what to do: those print as one
 * line and exit 2. Anything else is a bug: it prints its stack (and its cause's) with a
 * "please report" line and exits 70.
 */
export function describeError(err: unknown): ErrorReport {
  if (err instanceof Error && isUserError(err)) {
    return { message: `pattern-lens: error [${err.code}]: ${err.message}`, exitCode: EXIT_USER_ERROR };
  }
  let detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause !== undefined)
    detail += `\ncaused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`;
  return {
    message: `pattern-lens: internal error:\n${detail}\n${REPORT_HINT}`,
    exitCode: EXIT_INTERNAL_ERROR,
  };
}
