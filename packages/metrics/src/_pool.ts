import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { isUserError } from "@pattern-lens/indexes";
import type { FromWorker, ToWorker } from "./_messages.ts";
import type { PromptOutcome, PromptTask } from "./_process-prompt.ts";
import { MetricsError, type MetricsErrorCode, MetricsInternalError } from "./errors.ts";
import type { MetricOptions } from "./types.ts";

/**
 * Starts a worker thread: `dist/worker.js` from the build; from TypeScript sources (tests), a
 * CommonJS bootstrap that loads `worker.ts` through jiti with our packages aliased to their sources.
 */
function createWorker(): Worker {
  const here = fileURLToPath(import.meta.url);
  const built = join(dirname(here), "worker.js");
  if (!here.endsWith(".ts") && existsSync(built)) return new Worker(built);
  const workerTs = join(dirname(here), "worker.ts");
  const root = resolve(dirname(here), "..", "..", "..");
  const alias: Record<string, string> = {};
  for (const pkg of readdirSync(join(root, "packages"))) {
    const src = join(root, "packages", pkg, "src");
    // subpath entries (./node, ./schemas) before the root, which is a prefix of them
    for (const sub of ["node", "schemas"]) {
      if (existsSync(join(src, `${sub}.ts`))) alias[`@pattern-lens/${pkg}/${sub}`] = join(src, `${sub}.ts`);
    }
    if (existsSync(join(src, "index.ts"))) alias[`@pattern-lens/${pkg}`] = join(src, "index.ts");
  }
  const jitiPath = createRequire(import.meta.url).resolve("jiti");
  const code = `
const { parentPort } = require("node:worker_threads");
const { createJiti } = require(${JSON.stringify(jitiPath)});
const jiti = createJiti(${JSON.stringify(workerTs)}, { alias: ${JSON.stringify(alias)} });
jiti.import(${JSON.stringify(workerTs)}).catch((e) => {
  parentPort.postMessage({ type: "init-error", message: String((e && e.stack) || e) });
});`;
  return new Worker(code, { eval: true });
}

/** Inputs of {@link runPool}. */
export interface PoolOptions {
  jobs: number;
  modules: string[];
  metricNames: string[];
  options: MetricOptions;
  tasks: PromptTask[];
  onOutcome: (o: PromptOutcome) => void;
}

/** Runs prompt tasks on `jobs` worker threads, one prompt per worker at a time. */
export function runPool(opts: PoolOptions): Promise<void> {
  const queue = [...opts.tasks];
  const workers: Worker[] = [];
  let running = 0;
  let settled = false;
  return new Promise<void>((resolvePool, rejectPool) => {
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      for (const w of workers) void w.terminate();
      if (err) rejectPool(err);
      else resolvePool();
    };
    const next = (w: Worker) => {
      const task = queue.shift();
      if (task === undefined) {
        running--;
        if (running === 0) finish();
        return;
      }
      w.postMessage({ type: "task", task } satisfies ToWorker);
    };
    const n = Math.max(1, Math.min(opts.jobs, queue.length));
    for (let i = 0; i < n; i++) {
      const w = createWorker();
      workers.push(w);
      running++;
      w.on("message", (m: FromWorker) => {
        if (settled) return;
        if (m.type === "ready") next(w);
        else if (m.type === "outcome") {
          opts.onOutcome(m.outcome);
          next(w);
        } else if (m.type === "init-error") {
          finish(new MetricsError("PL_METRICS_MODULE", m.message));
        } else {
          finish(
            isUserError(m)
              ? new MetricsError(m.code as MetricsErrorCode, m.message)
              : new MetricsInternalError(`metrics worker failed: ${m.message}`),
          );
        }
      });
      w.on("error", (err) =>
        finish(new MetricsInternalError(`metrics worker crashed: ${err.message}`, { cause: err })),
      );
      w.on("exit", (code) => {
        if (!settled && code !== 0)
          finish(new MetricsInternalError(`metrics worker exited with code ${code}`));
      });
      w.postMessage({
        type: "init",
        modules: opts.modules,
        metricNames: opts.metricNames,
        options: opts.options,
      } satisfies ToWorker);
    }
    if (queue.length === 0) finish();
  });
}
