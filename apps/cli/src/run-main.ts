import { describeError, EXIT_INTERRUPTED } from "./errors.ts";
import { handleInterrupts } from "./interrupt.ts";
import { type CliIo, runCommand } from "./program.ts";

const processIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

/**
 * Runs the CLI as a process: the only place that turns errors into exit codes and messages
 * (user errors: one line, exit 2; anything else: the stack, a "please report" line, exit 70).
 * Ctrl-C (SIGINT) says what was saved and that a rerun resumes, and exits with 130.
 *
 * @param run - the command runner (tests pass one that throws a given error)
 */
export function runMain(argv: string[], run: (argv: string[]) => Promise<number> = runCommand): void {
  const release = handleInterrupts(processIo, () => {
    // End the way an unhandled Ctrl-C does (the shell reports 130): with our handler gone the
    // signal's default action stops the process at once, without running native teardown (a
    // process.exit while ONNX Runtime works in a thread can abort in its destructors).
    release();
    process.kill(process.pid, "SIGINT");
    setTimeout(() => process.exit(EXIT_INTERRUPTED), 1000);
  });
  run(argv).then(
    (code) => {
      release();
      process.exitCode = code;
    },
    (err: unknown) => {
      release();
      const { message, exitCode } = describeError(err);
      process.stderr.write(`${message}\n`);
      process.exitCode = exitCode;
    },
  );
}
