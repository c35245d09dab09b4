/**
 * Entry point of a metrics worker thread (built to `dist/worker.js`). Not part of the public API.
 * Loads the same metric modules as the main thread, then scores one prompt per task.
 * @packageDocumentation
 */
import { parentPort } from "node:worker_threads";
import { serveWorker } from "@pattern-lens/runner";
import { type PromptOutcome, type PromptTask, processPrompt } from "./_process-prompt.ts";
import { loadMetricModules } from "./modules.ts";
import { selectMetrics } from "./registry.ts";
import type { WorkerInit } from "./runner.ts";
import type { MetricDefinition } from "./types.ts";

if (parentPort) {
  let metrics: MetricDefinition[] = [];
  let init: WorkerInit | undefined;
  serveWorker<WorkerInit, PromptTask, PromptOutcome, never>(parentPort, {
    async init(i) {
      await loadMetricModules(i.modules);
      metrics = selectMetrics(i.metricNames);
      init = i;
    },
    run: async (task) => processPrompt(task, metrics, (init as WorkerInit).options),
    transfer: (o) => (o.ok ? [o.values.buffer as ArrayBuffer] : []),
  });
}
