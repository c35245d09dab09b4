/** What the CLI prints for an error, and the exit code it uses. */
export interface ErrorReport {
  message: string;
  exitCode: number;
}

/** Exit code for a user mistake (bad flag, missing file, invalid data). */
export const EXIT_USER_ERROR = 2;
/** Exit code for an internal bug. */
export const EXIT_INTERNAL_ERROR = 70;

/**
 * Every package's user-facing errors carry a stable `code` starting with `PL_` and a message that
 * says what to do. Those print as one line; anything else is a bug and prints its stack.
 */
export function describeError(err: unknown): ErrorReport {
  if (err instanceof Error && "code" in err && typeof err.code === "string") {
    const code = err.code;
    if (code.startsWith("PL_")) {
      return { message: `pattern-lens: error [${code}]: ${err.message}`, exitCode: EXIT_USER_ERROR };
    }
  }
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return {
    message: `pattern-lens: internal error (please report it with the command you ran):\n${detail}`,
    exitCode: EXIT_INTERNAL_ERROR,
  };
}
