import type { MessagePort } from "node:worker_threads";
import { errorFields, type FromWorker, type ToWorker } from "./_messages.ts";
import { processPrompt, type TaskSettings } from "./_process-prompt.ts";
import { loadFigureModules } from "./load-modules.ts";
import { resolveFigures } from "./registry.ts";
import type { RegisteredFigure } from "./types.ts";

/**
 * The body of a figures worker thread: loads the same figure modules as the main thread, then renders
 * one prompt per `task` message, posting progress per layer and the outcome at the end.
 */
export function runWorker(port: MessagePort): void {
  let figures: readonly RegisteredFigure[] = [];
  let settings: TaskSettings | undefined;
  const post = (m: FromWorker) => port.postMessage(m);
  port.on("message", (msg: ToWorker) => {
    if (msg.type === "init") {
      loadFigureModules(msg.modules).then(
        () => {
          try {
            figures = resolveFigures(msg.settings.figureNames);
            settings = msg.settings;
            post({ type: "ready" });
          } catch (err) {
            post({ type: "init-error", ...errorFields(err) });
          }
        },
        (err: unknown) => post({ type: "init-error", ...errorFields(err) }),
      );
      return;
    }
    const task = msg.task;
    if (settings === undefined) {
      post({ type: "task-error", index: task.index, message: "worker got a task before init" });
      return;
    }
    processPrompt(task, figures, settings, (delta) => post({ type: "progress", delta })).then(
      (outcome) => post({ type: "done", outcome }),
      (err: unknown) => post({ type: "task-error", index: task.index, ...errorFields(err) }),
    );
  });
}
