/** Main thread → worker. */
export type ToWorker<Init, Task> = { type: "init"; init: Init } | { type: "task"; task: Task };

/** A thrown value as plain data, for postMessage. */
export interface ErrorFields {
  message: string;
  code?: string;
  stack?: string;
}

/** Worker → main thread. */
export type FromWorker<Outcome, Progress> =
  | { type: "ready" }
  | ({ type: "init-error" } & ErrorFields)
  | { type: "progress"; progress: Progress }
  | { type: "done"; outcome: Outcome }
  | ({ type: "task-error" } & ErrorFields);

/** The plain-data form of an error (message, string `code`, stack). */
export function errorFields(err: unknown): ErrorFields {
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
