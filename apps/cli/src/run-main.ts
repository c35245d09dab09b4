import { describeError } from "./errors.ts";
import { runCommand } from "./program.ts";

/**
 * Runs the CLI as a process: the only place that turns errors into exit codes and short messages.
 * Ctrl-C (SIGINT) exits with 130 after the running command has had the chance to clean up.
 */
export function runMain(argv: string[]): void {
  runCommand(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      const { message, exitCode } = describeError(err);
      process.stderr.write(`${message}\n`);
      process.exitCode = exitCode;
    },
  );
}
