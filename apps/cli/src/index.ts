/** The pattern-lens CLI as a library: run it in-process, as tests do. */

export type { ErrorReport } from "./errors.ts";
export { describeError, EXIT_INTERNAL_ERROR, EXIT_INTERRUPTED, EXIT_USER_ERROR } from "./errors.ts";
export type { CliIo } from "./program.ts";
export { buildProgram, runCommand } from "./program.ts";
export { runMain } from "./run-main.ts";
