import type { PromptOutcome, PromptTask } from "./_process-prompt.ts";
import type { MetricOptions } from "./types.ts";

/** Main thread -> worker. */
export type ToWorker =
  | { type: "init"; modules: string[]; metricNames: string[]; options: MetricOptions }
  | { type: "task"; task: PromptTask };

/** Worker -> main thread. */
export type FromWorker =
  | { type: "ready" }
  | { type: "init-error"; message: string }
  | { type: "outcome"; outcome: PromptOutcome }
  | { type: "error"; code?: string; message: string };
