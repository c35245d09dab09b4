import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { isUserError } from "@pattern-lens/indexes";
import type { FromWorker, ToWorker } from "./_messages.ts";
import type { FigureCounts, PromptOutcome, PromptTask, TaskSettings } from "./_process-prompt.ts";
import { FiguresError, FiguresInternalError } from "./errors.ts";

/**
 * How to start a worker thread. From the published build, `dist/worker.js` sits beside this code.
 * From TypeScript sources (tests, `vitest`), Node 20 cannot run `worker.ts` itself, so a tiny
 * CommonJS bootstrap loads it through jiti, with our workspace packages aliased to their sources.
 */
function createWorker(): Worker {
  const here = fileURLToPath(import.meta.url);
  const built = join(dirname(here), "worker.js");
  if (!here.endsWith(".ts")) {
    if (!existsSync(built)) {
      throw new FiguresInternalError(`the worker entry ${built} is missing; the package build is incomplete`);
    }
    return new Worker(built);
  }
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

/**
 * Work, in milliseconds of this thread's measured speed, that must be waiting in the queue before
 * worker threads are started beside it. A worker is ready about 0.1 s after it is created and
 * renders its first prompt at half speed while its code warms up, and both slow this thread
 * meanwhile: on the 768 small figures of the demo set (0.2 s on one thread) a second thread made
 * the run slower, not faster.
 */
export const WORKER_PAYOFF_MS = 250;

/** Inputs of {@link runPool}. */
export interface PoolOptions {
  jobs: number;
  modules: string[];
  settings: TaskSettings;
  tasks: PromptTask[];
  onDelta: (d: FigureCounts) => void;
  onOutcome: (o: PromptOutcome) => void;
  /**
   * Renders a prompt in this thread, calling `onLayer` after each layer: the pool's first slot.
   * Without it, all `jobs` slots are worker threads, started at once.
   */
  local?: ((task: PromptTask, onLayer: () => void) => Promise<PromptOutcome>) | undefined;
  /** Overrides {@link WORKER_PAYOFF_MS} (tests). */
  payoffMs?: number;
}

/**
 * Runs prompt tasks on up to `jobs` threads: this one (through `local`) and `jobs - 1` worker
 * threads, one prompt per thread at a time, handing out the next prompt in prompts.jsonl order as
 * each finishes. This thread starts rendering at once and times itself; the workers are started
 * only once the prompts still queued would take it more than {@link WORKER_PAYOFF_MS} (at once,
 * on any sizeable run), so a small run is not slowed by threads that would arrive too late.
 * Resolves to the number of threads used (this one plus the workers started); rejects on a worker crash or an IO failure.
 */
export function runPool(opts: PoolOptions): Promise<number> {
  const queue = [...opts.tasks];
  // layers of the prompts in the queue, kept as prompts are taken (no sum over the queue per check)
  let queuedLayers = queue.reduce((sum, t) => sum + t.nLayers, 0);
  const take = (): PromptTask | undefined => {
    const task = queue.shift();
    if (task) queuedLayers -= task.nLayers;
    return task;
  };
  const workers: Worker[] = [];
  // Prompts being rendered right now; the pool is done when none is and the queue is empty, even if
  // a worker is still starting up (it is then terminated without having rendered anything).
  let inFlight = 0;
  let settled = false;
  return new Promise<number>((resolvePool, rejectPool) => {
    const local = opts.local;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      for (const w of workers) void w.terminate();
      if (err) rejectPool(err);
      else resolvePool(workers.length + (local ? 1 : 0));
    };
    const doneIfIdle = () => {
      if (queue.length === 0 && inFlight === 0) finish();
    };
    const next = (w: Worker) => {
      const task = take();
      if (task === undefined) return doneIfIdle();
      inFlight++;
      w.postMessage({ type: "task", task } satisfies ToWorker);
    };
    const startWorker = (): boolean => {
      let w: Worker;
      try {
        w = createWorker();
      } catch (err) {
        finish(err instanceof Error ? err : new FiguresInternalError(String(err)));
        return false;
      }
      workers.push(w);
      w.on("message", (m: FromWorker) => {
        if (settled) return;
        switch (m.type) {
          case "ready":
            next(w);
            break;
          case "progress":
            opts.onDelta(m.delta);
            break;
          case "done":
            inFlight--;
            opts.onOutcome(m.outcome);
            next(w);
            break;
          case "init-error":
            finish(
              isUserError(m)
                ? Object.assign(new FiguresError("PL_FIGURES_MODULE", m.message), { code: m.code })
                : new FiguresInternalError(`a figures worker failed to start: ${m.message}`),
            );
            break;
          case "task-error": {
            // a user-fixable failure (PL_INDEXES_IO: disk full, read-only folder) keeps its code and message
            if (isUserError(m)) {
              finish(Object.assign(new Error(m.message), { name: "FiguresWorkerError", code: m.code }));
              break;
            }
            const err = new FiguresInternalError(`rendering prompt #${m.index} failed: ${m.message}`);
            finish(m.code ? Object.assign(err, { code: m.code }) : err);
            break;
          }
        }
      });
      w.on("error", (e) =>
        finish(new FiguresInternalError(`a figures worker crashed: ${e.message}`, { cause: e })),
      );
      w.on("exit", (code) => {
        if (!settled) finish(new FiguresInternalError(`a figures worker exited early (code ${code})`));
      });
      w.postMessage({
        type: "init",
        modules: opts.modules,
        settings: opts.settings,
      } satisfies ToWorker);
      return true;
    };
    const nWorkers = local ? opts.jobs - 1 : opts.jobs;
    let started = false;
    const startWorkers = () => {
      started = true;
      for (let i = 0; i < nWorkers && !settled; i++) if (!startWorker()) return;
    };
    if (!local) {
      startWorkers();
      return;
    }

    // Whether to start the workers, from this thread's speed in milliseconds per layer. Checked
    // after each prompt from the two it rendered last (the faster of them, so that one slow prompt,
    // the first with cold caches say, does not start workers for a small run; and over recent
    // prompts, since a resumed run skips whole prompts in no time, then slows down where the work
    // begins), and after each layer once this thread has worked a quarter of the pay-off, so a
    // sizeable run does not wait for two prompts.
    const payoff = opts.payoffMs ?? WORKER_PAYOFF_MS;
    const t0 = performance.now();
    let layersDone = 0;
    const recent: number[] = []; // ms per layer of the last two prompts
    const consider = (msPerLayer: number) => {
      if (started || settled || nWorkers === 0 || queue.length === 0) return;
      if (queuedLayers * msPerLayer > payoff) startWorkers();
    };
    const onLayer = () => {
      layersDone++;
      const spent = performance.now() - t0;
      if (spent >= payoff / 4) consider(spent / layersDone);
    };
    void (async () => {
      for (let task = take(); task !== undefined && !settled; task = take()) {
        inFlight++;
        const layersBefore = layersDone;
        const promptStart = performance.now();
        try {
          opts.onOutcome(await local(task, onLayer));
        } catch (err) {
          finish(err instanceof Error ? err : new FiguresInternalError(String(err)));
          return;
        }
        inFlight--;
        const layers = Math.max(1, task.nLayers);
        layersDone = layersBefore + layers;
        recent.push((performance.now() - promptStart) / layers);
        if (recent.length > 2) recent.shift();
        if (recent.length === 2) consider(Math.min(recent[0]!, recent[1]!));
      }
      doneIfIdle();
    })();
  });
}
