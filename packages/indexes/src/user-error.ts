/**
 * The one test for "the user can fix this": an error (or a worker message carrying an error's
 * fields) whose `code` is a string beginning with `PL_`. Every package's user-facing errors carry
 * such a code (`PL_<PACKAGE>_...`) and a message saying what to do; internal errors (bugs) carry
 * `INTERNAL_<PACKAGE>` or no code at all. The CLI prints user errors as one line and exits 2, and
 * anything else with its stack, a "please report" line and exit code 70.
 *
 * @example
 * ```ts
 * try { await runFigures(options); }
 * catch (err) { if (!isUserError(err)) throw err; console.error(`[${err.code}] ${err.message}`); }
 * ```
 */
export function isUserError(err: unknown): err is { code: `PL_${string}`; message: string } {
  if (typeof err !== "object" || err === null || !("code" in err)) return false;
  const code = (err as { code: unknown }).code;
  return typeof code === "string" && code.startsWith("PL_");
}
