import type { Worker } from "node:worker_threads";
import { createWorker } from "./create-worker.ts";
import type { ErrorFields, FromWorker, ToWorker } from "./messages.ts";

/**
 * Work, in milliseconds of this thread's measured speed, that must be waiting in the queue before
 * worker threads are started beside it. A worker is ready about 0.1 s after it is created and
 * renders its first task at half speed while its code warms up, and both slow this thread
 * meanwhile: on the 768 small figures of the demo set (0.2 s on one thread) a second thread made
 * the run slower, not faster.
 */
export const WORKER_PAYOFF_MS = 250;

/** Why the pool failed, for the caller to turn into its own error (see {@link PoolOptions.toError}). */
export type PoolFailure<Task> =
  | { stage: "start"; cause: unknown }
  | ({ stage: "init" } & ErrorFields)
  | ({ stage: "task"; task: Task } & ErrorFields)
  | { stage: "crash"; cause: Error }
  | { stage: "exit"; exitCode: number }
  | { stage: "missing-build"; entry: string };

/** Inputs of {@link runPool}. */
export interface PoolOptions<Init, Task, Outcome, Progress> {
  /** Threads to use at most, this one (when `local` is given) included. */
  readonly jobs: number;
  /** The worker entry module (see `workerEntryBeside`); it calls `serveWorker`. */
  readonly worker: string;
  /** Sent to every worker before its first task (structured-clone data). */
  readonly init: Init;
  /** Handed out in order, one per thread at a time. */
  readonly tasks: readonly Task[];
  /** Units of work in a task (e.g. layers), for the start-up decision; default 1. */
  readonly weight?: (task: Task) => number;
  readonly onProgress?: (p: Progress) => void;
  readonly onOutcome: (o: Outcome) => void;
  /**
   * Runs a task in this thread, calling `onUnit` after each unit of work: the pool's first slot.
   * Without it, all `jobs` slots are worker threads, started at once.
   */
  readonly local?: ((task: Task, onUnit: () => void) => Promise<Outcome>) | undefined;
  /** Overrides {@link WORKER_PAYOFF_MS} (tests). */
  readonly payoffMs?: number;
  /** The caller's error for a failure (a `PL_` code from a worker's user module stays a user error). */
  readonly toError: (failure: PoolFailure<Task>) => Error;
}

/**
 * Runs tasks on up to `jobs` threads: this one (through `local`) and worker threads, one task per
 * thread at a time, handing out the next task in order as each finishes. With `local`, this thread
 * starts at once and times itself; the workers are started only once the tasks still queued would
 * take it more than {@link WORKER_PAYOFF_MS} (at once, on any sizeable run), so a small run is not
 * slowed by threads that would arrive too late.
 *
 * @returns the number of threads used (this one plus the workers started)
 * @throws `toError(...)` on a worker that fails to start, a task that throws, or a crash; the
 *   pool hands out no task after the first failure and rejects once the tasks already running on
 *   other threads have ended (a busy worker is never terminated: see `settle`).
 */
export function runPool<Init, Task, Outcome, Progress>(
  opts: PoolOptions<Init, Task, Outcome, Progress>,
): Promise<number> {
  const weight = opts.weight ?? (() => 1);
  const queue = [...opts.tasks];
  // units of the tasks in the queue, kept as tasks are taken (no sum over the queue per check)
  let queued = queue.reduce((sum, t) => sum + weight(t), 0);
  const take = (): Task | undefined => {
    const task = queue.shift();
    if (task !== undefined) queued -= weight(task);
    return task;
  };
  const workers: Worker[] = [];
  // Tasks running right now, on any thread; the pool is done when none is and the queue is
  // empty, even if a worker is still starting up (it is then terminated without having run
  // anything).
  let inFlight = 0;
  let settled = false;
  // Set on the first failure: no task is handed out any more, and the pool rejects with it once
  // the tasks running on other threads have ended.
  let failure: Error | undefined;
  // Workers not running a task (starting up, or waiting for one).
  const idle = new Set<Worker>();
  return new Promise<number>((resolvePool, rejectPool) => {
    const local = opts.local;
    // A worker is terminated only while it runs no task: terminating one inside a synchronous
    // zlib call (a PNG's deflate, an archive's inflate) aborts the whole process on Node 20
    // (node_zlib.cc: "close before init"; 4 of 30 terminations of a worker busy deflating).
    const settle = () => {
      if (settled || inFlight > 0) return;
      settled = true;
      for (const w of workers) void w.terminate();
      if (failure) rejectPool(failure);
      else resolvePool(workers.length + (local ? 1 : 0));
    };
    const finish = (err?: Error) => {
      if (settled) return;
      if (err && !failure) {
        failure = err;
        for (const w of idle) void w.terminate();
      }
      settle();
    };
    const fail = (f: PoolFailure<Task>) => finish(opts.toError(f));
    const doneIfIdle = () => {
      if (queue.length === 0 && inFlight === 0) finish();
    };
    const startWorker = (): boolean => {
      let w: Worker;
      try {
        w = createWorker(opts.worker, (entry) => opts.toError({ stage: "missing-build", entry }));
      } catch (cause) {
        fail({ stage: "start", cause });
        return false;
      }
      workers.push(w);
      idle.add(w);
      let current: Task | undefined;
      const next = () => {
        current = take();
        if (current === undefined) return doneIfIdle();
        inFlight++;
        idle.delete(w);
        w.postMessage({ type: "task", task: current } satisfies ToWorker<Init, Task>);
      };
      /** The worker's task ended (done, failed, or the worker died): it is idle again. */
      const ended = () => {
        if (idle.has(w)) return;
        inFlight--;
        idle.add(w);
      };
      w.on("message", (m: FromWorker<Outcome, Progress>) => {
        if (settled) return;
        if (failure) {
          // stopping: a worker that ends its task is terminated, then the pool may settle
          if (m.type === "progress") return;
          ended();
          void w.terminate();
          return settle();
        }
        switch (m.type) {
          case "ready":
            return next();
          case "progress":
            return opts.onProgress?.(m.progress);
          case "done":
            ended();
            opts.onOutcome(m.outcome);
            return next();
          case "init-error": {
            const { type: _, ...fields } = m;
            return fail({ stage: "init", ...fields });
          }
          case "task-error": {
            ended();
            const { type: _, ...fields } = m;
            return fail({ stage: "task", task: current as Task, ...fields });
          }
        }
      });
      w.on("error", (cause) => {
        ended();
        if (failure) settle();
        else fail({ stage: "crash", cause });
      });
      w.on("exit", (exitCode) => {
        ended();
        if (failure) settle();
        else if (!settled) fail({ stage: "exit", exitCode });
      });
      w.postMessage({ type: "init", init: opts.init } satisfies ToWorker<Init, Task>);
      return true;
    };
    const nWorkers = Math.min(local ? opts.jobs - 1 : opts.jobs, queue.length);
    let started = false;
    const startWorkers = () => {
      started = true;
      for (let i = 0; i < nWorkers && !settled && !failure; i++) if (!startWorker()) return;
    };
    if (!local) {
      if (queue.length === 0) return finish();
      return startWorkers();
    }

    // Whether to start the workers, from this thread's speed in milliseconds per unit. Checked
    // after each task from the two it ran last (the faster of them, so that one slow task, the
    // first with cold caches say, does not start workers for a small run; and over recent tasks,
    // since a resumed run skips whole tasks in no time, then slows down where the work begins),
    // and after each unit once this thread has worked a quarter of the pay-off, so a sizeable run
    // does not wait for two tasks.
    const payoff = opts.payoffMs ?? WORKER_PAYOFF_MS;
    const t0 = performance.now();
    let unitsDone = 0;
    const recent: number[] = []; // ms per unit of the last two tasks
    const consider = (msPerUnit: number) => {
      if (started || settled || failure || nWorkers <= 0 || queue.length === 0) return;
      if (queued * msPerUnit > payoff) startWorkers();
    };
    const onUnit = () => {
      unitsDone++;
      const spent = performance.now() - t0;
      if (spent >= payoff / 4) consider(spent / unitsDone);
    };
    void (async () => {
      for (let task = take(); task !== undefined && !settled && !failure; task = take()) {
        inFlight++;
        const unitsBefore = unitsDone;
        const taskStart = performance.now();
        let outcome: Outcome;
        try {
          outcome = await local(task, onUnit);
        } catch (err) {
          inFlight--;
          finish(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        inFlight--;
        if (failure) return settle();
        opts.onOutcome(outcome);
        const units = Math.max(1, weight(task));
        unitsDone = unitsBefore + units;
        recent.push((performance.now() - taskStart) / units);
        if (recent.length > 2) recent.shift();
        if (recent.length === 2) consider(Math.min(recent[0]!, recent[1]!));
      }
      doneIfIdle();
    })();
  });
}
