/** Exit code for a command that ran but produced nothing usable (every figure failed, ...). */
export const EXIT_NOTHING_DONE = 1;

let code = 0;

/**
 * Sets the exit code the running command ends with without throwing (it has printed why):
 * {@link EXIT_NOTHING_DONE} when nothing useful happened. `runCommand` returns it.
 */
export function setExitCode(value: number): void {
  code = Math.max(code, value);
}

/** Reads and clears the code set by {@link setExitCode} (called by `runCommand`). */
export function takeExitCode(): number {
  const out = code;
  code = 0;
  return out;
}
