import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
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
    // subpath entries (./node, ./arrays) before the root, which is a prefix of them
    for (const sub of ["node", "arrays"]) {
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
  settings: TaskSettings;
  tasks: PromptTask[];
  onDelta: (d: FigureCounts) => void;
  onOutcome: (o: PromptOutcome) => void;
  /**
   * Renders a prompt in this thread: the pool's first slot, busy while the workers start up.
   * Without it, all `jobs` slots are worker threads.
   */
  local?: ((task: PromptTask) => Promise<PromptOutcome>) | undefined;
}

/**
 * Runs prompt tasks on `jobs` threads: this one (through `local`) and `jobs - 1` worker threads, one
 * prompt per thread at a time, handing out the next prompt in prompts.jsonl order as each finishes.
 * This thread starts rendering at once, so the workers' start-up (loading modules) costs no time.
 * Rejects on a worker crash or an IO failure.
 */
export function runPool(opts: PoolOptions): Promise<void> {
  const queue = [...opts.tasks];
  const workers: Worker[] = [];
  // Prompts being rendered right now; the pool is done when none is and the queue is empty, even if
  // a worker is still starting up (it is then terminated without having rendered anything).
  let inFlight = 0;
  let settled = false;
  return new Promise<void>((resolvePool, rejectPool) => {
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      for (const w of workers) void w.terminate();
      if (err) rejectPool(err);
      else resolvePool();
    };
    const doneIfIdle = () => {
      if (queue.length === 0 && inFlight === 0) finish();
    };
    const next = (w: Worker) => {
      const task = queue.shift();
      if (task === undefined) return doneIfIdle();
      inFlight++;
      w.postMessage({ type: "task", task } satisfies ToWorker);
    };
    const local = opts.local;
    for (let i = 0; i < (local ? opts.jobs - 1 : opts.jobs); i++) {
      let w: Worker;
      try {
        w = createWorker();
      } catch (err) {
        finish(err instanceof Error ? err : new FiguresInternalError(String(err)));
        return;
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
              m.code?.startsWith("PL_")
                ? Object.assign(new FiguresError("PL_FIGURE_MODULE", m.message), { code: m.code })
                : new FiguresInternalError(`a figures worker failed to start: ${m.message}`),
            );
            break;
          case "task-error": {
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
    }
    if (!local) return;
    void (async () => {
      for (let task = queue.shift(); task !== undefined && !settled; task = queue.shift()) {
        inFlight++;
        try {
          opts.onOutcome(await local(task));
        } catch (err) {
          finish(err instanceof Error ? err : new FiguresInternalError(String(err)));
          return;
        }
        inFlight--;
      }
      doneIfIdle();
    })();
  });
}
