// The bench's side of ours, in its own process (started once by figures-bench.mjs, over IPC): it
// never forks, so its timed runs do not pay for the bench's `sync` and Python processes. A fork
// write-protects every page of the forking process, and each page it then writes faults once:
// with a fork before each timed run (as when the bench ran ours in its own process), a demo run
// took about twice the CPU time (360-380 against 170-280 ms, alternating).
//
// Messages in: { type: "clear", save, model } removes the figure folders (no sync: the parent
// syncs); { type: "run", save, model, jobs } renders `raw` and answers [figures/s wall, figures
// per CPU-second]. Each answer is { ok: true, value } or { ok: false, error }.

import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { runFigures } from "@pattern-lens/figures";

/** Removes every figure folder (L0, L1, ...) of a model. */
function clearFigures(save, model) {
  const prompts = join(save, model, "prompts");
  for (const h of readdirSync(prompts)) {
    for (const d of readdirSync(join(prompts, h))) {
      if (/^L\d+$/.test(d)) rmSync(join(prompts, h, d), { recursive: true, force: true });
    }
  }
}

const cpuMs = () => {
  const u = process.cpuUsage(); // the whole process: main thread and workers
  return (u.user + u.system) / 1000;
};

async function handle(m) {
  if (m.type === "clear") return clearFigures(m.save, m.model);
  const c0 = cpuMs();
  const s = await runFigures({ savePath: m.save, model: m.model, figureFuncs: "raw", jobs: m.jobs });
  const cpu = cpuMs() - c0;
  return [s.written / (s.elapsedMs / 1000), s.written / (cpu / 1000)];
}

process.on("message", (m) => {
  handle(m).then(
    (value) => process.send({ ok: true, value }),
    (err) => process.send({ ok: false, error: String(err?.stack ?? err) }),
  );
});
