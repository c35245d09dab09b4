import type { MessagePort } from "node:worker_threads";
import { errorFields, type FromWorker, type ToWorker } from "./messages.ts";

/** What a worker thread does: set up once from the pool's `init` data, then run tasks. */
export interface WorkerHandlers<Init, Task, Outcome, Progress> {
  /** Loads what the tasks need (user modules, selected functions) from the pool's `init` data. */
  init(init: Init): Promise<void> | void;
  /** Runs one task, reporting progress as it goes. A throw fails the whole run. */
  run(task: Task, progress: (p: Progress) => void): Promise<Outcome>;
  /** Buffers of an outcome to transfer instead of copy. */
  transfer?(outcome: Outcome): ArrayBuffer[];
}

/**
 * The body of a worker thread started by {@link runPool}: answers the pool's `init` with `ready`
 * (or `init-error`), then runs one task per `task` message, posting progress and the outcome.
 *
 * @example
 * ```ts
 * // src/worker.ts, built to dist/worker.js
 * import { parentPort } from "node:worker_threads";
 * if (parentPort) serveWorker(parentPort, { init: (i) => setUp(i), run: (t, progress) => work(t, progress) });
 * ```
 */
export function serveWorker<Init, Task, Outcome, Progress>(
  port: MessagePort,
  handlers: WorkerHandlers<Init, Task, Outcome, Progress>,
): void {
  let ready = false;
  const post = (m: FromWorker<Outcome, Progress>, transfer: ArrayBuffer[] = []) =>
    port.postMessage(m, transfer);
  port.on("message", (msg: ToWorker<Init, Task>) => {
    if (msg.type === "init") {
      (async () => handlers.init(msg.init))().then(
        () => {
          ready = true;
          post({ type: "ready" });
        },
        (err: unknown) => post({ type: "init-error", ...errorFields(err) }),
      );
      return;
    }
    if (!ready) {
      post({ type: "task-error", message: "the worker got a task before it was ready" });
      return;
    }
    handlers
      .run(msg.task, (progress) => post({ type: "progress", progress }))
      .then(
        (outcome) => post({ type: "done", outcome }, handlers.transfer?.(outcome) ?? []),
        (err: unknown) => post({ type: "task-error", ...errorFields(err) }),
      );
  });
}
