import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type PoolFailure, runPool } from "../src/pool.ts";

const worker = fileURLToPath(new URL("./fixtures/deflate-worker.mjs", import.meta.url));

class PoolTestError extends Error {
  constructor(readonly failure: PoolFailure<string>) {
    super(`pool failed at ${failure.stage}`);
  }
}

/** Runs the fixture's tasks on one worker each; resolves to the error and the outcomes seen. */
async function failingRun(tasks: string[]) {
  const outcomes: string[] = [];
  const t0 = performance.now();
  const err = await runPool<null, string, string, never>({
    jobs: tasks.length,
    worker,
    init: null,
    tasks,
    onOutcome: (o) => outcomes.push(o),
    toError: (f) => new PoolTestError(f),
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { err, outcomes, ms: performance.now() - t0 };
}

describe("runPool after a failure", () => {
  it("rejects with the failing task's error once the busy workers have ended their tasks", async () => {
    const { err, outcomes, ms } = await failingRun(["300", "fail"]);
    expect(err).toBeInstanceOf(PoolTestError);
    const f = (err as PoolTestError).failure;
    expect(f.stage).toBe("task");
    expect(f.stage === "task" && f.task).toBe("fail");
    expect(f.stage === "task" && f.code).toBe("PL_TEST");
    // the busy worker was let finish (its outcome is not reported: the run failed)
    expect(outcomes).toEqual([]);
    expect(ms).toBeGreaterThanOrEqual(300);
  });

  // Terminating a worker inside a synchronous zlib call aborted the whole process (Node 20,
  // node_zlib.cc "close before init"): 4 of 30 such terminations in a loop. Forty busy workers
  // stopped by failures would all but surely have hit it once.
  it("never terminates a worker in the middle of its task (the process survives 20 failing runs)", async () => {
    for (let i = 0; i < 20; i++) {
      const { err } = await failingRun([String(20 + (i % 7)), String(25 + (i % 5)), "fail"]);
      expect((err as PoolTestError).failure.stage).toBe("task");
    }
  }, 60_000);
});
