import type { MessagePort } from "node:worker_threads";
import type { FromWorker, ToWorker } from "./_messages.ts";
import { processPrompt } from "./_process-prompt.ts";
import { loadMetricModules } from "./load-modules.ts";
import { selectMetrics } from "./registry.ts";
import type { MetricDefinition, MetricOptions } from "./types.ts";

/** Serves metric tasks on `port` until the main thread terminates the worker. */
export function runWorker(port: MessagePort): void {
  let metrics: MetricDefinition[] = [];
  let options: MetricOptions = { excludeBos: false, excludeCurrentToken: false };
  const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
  port.on("message", (m: ToWorker) => {
    if (m.type === "init") {
      void (async () => {
        try {
          await loadMetricModules(m.modules);
          metrics = selectMetrics(m.metricNames);
          options = m.options;
          post({ type: "ready" });
        } catch (err) {
          post({ type: "init-error", message: (err as Error)?.message ?? String(err) });
        }
      })();
      return;
    }
    void (async () => {
      try {
        const outcome = await processPrompt(m.task, metrics, options);
        post({ type: "outcome", outcome }, outcome.ok ? [outcome.values.buffer as ArrayBuffer] : []);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        post({
          type: "error",
          ...(typeof code === "string" ? { code } : {}),
          message: (err as Error)?.message ?? String(err),
        });
      }
    })();
  });
}
