import type { CliIo } from "./program.ts";

/** What a running step has saved so far, for the Ctrl-C message (e.g. "12 of 24 prompts"). */
let savedNote: (() => string) | undefined;
/** Whether a command is waiting for Ctrl-C to stop cleanly (a server): then the CLI does not exit. */
let waiting = false;

/**
 * Tells the Ctrl-C message what the running step has saved so far; `undefined` clears it. Steps
 * call it as they start, with a function read only when the user interrupts.
 */
export function reportSaved(note: (() => string) | undefined): void {
  savedNote = note;
}

/**
 * Resolves on the first SIGINT (Ctrl-C) or SIGTERM, for commands that run until stopped (`serve`,
 * `demo`); while it waits, the CLI's own Ctrl-C handler leaves the exit to the command.
 */
export function untilInterrupted(): Promise<string> {
  return new Promise((res) => {
    const stop = (signal: string) => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      // cleared after every listener of this signal has run, so the CLI's handler still sees it
      queueMicrotask(() => {
        waiting = false;
      });
      res(signal);
    };
    const onInt = () => stop("SIGINT");
    const onTerm = () => stop("SIGTERM");
    waiting = true;
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
  });
}

/**
 * Installs the CLI's Ctrl-C handler: it says what was saved and that rerunning the same command
 * resumes (every file is written atomically, so a finished prompt or figure is whole and skipped
 * by the rerun), then calls `exit` (which ends the process with status 130). Returns a function
 * that removes the handler.
 */
export function handleInterrupts(io: CliIo, exit: (code: number) => void): () => void {
  const onInt = () => {
    if (waiting) return;
    const saved = savedNote?.();
    io.err(
      `\npattern-lens: interrupted (Ctrl-C).${saved ? ` Saved so far: ${saved}.` : ""}` +
        " Every file written is complete; run the same command again to resume where it stopped.\n",
    );
    exit(130);
  };
  process.on("SIGINT", onInt);
  return () => process.off("SIGINT", onInt);
}
