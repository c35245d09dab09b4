import type { FigureCounts, PromptOutcome, PromptTask, TaskSettings } from "./_process-prompt.ts";

/** Main thread → worker. */
export type ToWorker =
  | { type: "init"; modules: string[]; settings: TaskSettings }
  | { type: "task"; task: PromptTask };

/** Worker → main thread. */
export type FromWorker =
  | { type: "ready" }
  | { type: "init-error"; message: string; code?: string; stack?: string }
  | { type: "progress"; delta: FigureCounts }
  | { type: "done"; outcome: PromptOutcome }
  | { type: "task-error"; index: number; message: string; code?: string; stack?: string };

/** Plain-data form of an error, for postMessage. */
export function errorFields(err: unknown): { message: string; code?: string; stack?: string } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return {
      message: err.message,
      ...(typeof code === "string" ? { code } : {}),
      ...(err.stack ? { stack: err.stack } : {}),
    };
  }
  return { message: String(err) };
}
