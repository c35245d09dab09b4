// Benchmark: figures/s of the built-in `raw` figure, end to end (read npz, normalise, Blues, PNG,
// write), on fresh runs (figures deleted, then `sync`, before each timed run), against the Python
// pattern-lens raw path (bench/python-reference.py: numpy, matplotlib, Pillow) on the same data,
// with one thread/process and with one per core. The runs are interleaved round by round, so disk
// and load noise hit both sides alike. Also prints figures per CPU-second (all threads/processes).
// Ours runs in a child process that never forks (bench/ours-runner.mjs): the `sync` and Python
// processes are started from this one, so their forks do not tax ours (see that file).
// Run with `pnpm bench` from the repository root (or `pnpm --filter @pattern-lens/figures bench`
// after a build). Prints medians and ratios; never fails on time.
//
//   BENCH_RUNS=5           rounds on the demo set (median reported)
//   BENCH_SYNTH_RUNS=3     rounds on the synthetic set
//   BENCH_PYTHON=path      python with numpy, matplotlib and Pillow (default: the first of
//                          /usr/bin/python3 and python3 that has them; none: our side only)
//   BENCH_SYNTH_PROMPTS=64 prompts in the synthetic set (12 layers x 12 heads x 128 tokens); 0 skips it
//   BENCH_DIR=/dev/shm     where the data folders go (default: the OS temp dir); a RAM disk
//                          separates compute from the disk's file-creation cost
//   BENCH_SETTLE_S=0       seconds to wait between clearing a round's figures (and `sync`) and
//                          timing it, on both sides. A journal-less ext4 skips, inode by inode, the
//                          inodes freed in the last seconds when it allocates new ones, so a round
//                          that starts right after the previous one was deleted pays for that
//                          deletion; 31 measures a data folder written on a settled disk, as a
//                          user's first run is
//   BENCH_FRESH=0          1: each timed demo run (both sides) writes into a fresh copy of the demo
//                          data, never into folders whose figures were deleted, as a user's first
//                          run does; the copies are removed at the end. On ext4 a folder tree
//                          written again after a deletion stays slow well past 30 s (2,600
//                          against 5,000-5,800 figures/s for ours, one thread, 2026-12-06)

import { execSync, fork, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeNpzFile } from "@pattern-lens/indexes/node";

const here = dirname(fileURLToPath(import.meta.url));
const shared = resolve(process.env.PATTERN_LENS_SHARED ?? join(here, "..", "..", "..", "..", "shared"));
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SYNTH_PROMPTS = Number(process.env.BENCH_SYNTH_PROMPTS ?? 64);
const SYNTH_RUNS = Number(process.env.BENCH_SYNTH_RUNS ?? 3);
const CORES = availableParallelism();
const BENCH_DIR = process.env.BENCH_DIR ?? tmpdir();
const SETTLE_S = Number(process.env.BENCH_SETTLE_S ?? 0);
const FRESH = process.env.BENCH_FRESH === "1";

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function copyDemo() {
  const src = join(shared, "reference", "pattern-lens-demo", "pythia-14m");
  if (!existsSync(src)) throw new Error(`demo data not found at ${src}; set PATTERN_LENS_SHARED`);
  const save = mkdtempSync(join(BENCH_DIR, "pl-bench-demo-"));
  const dst = join(save, "pythia-14m");
  mkdirSync(join(dst, "prompts"), { recursive: true });
  for (const f of ["model_cfg.json", "prompts.jsonl"]) copyFileSync(join(src, f), join(dst, f));
  for (const h of readdirSync(join(src, "prompts"))) {
    mkdirSync(join(dst, "prompts", h));
    for (const f of ["prompt.json", "activations.npz"])
      copyFileSync(join(src, "prompts", h, f), join(dst, "prompts", h, f));
  }
  return save;
}

/** A seeded xorshift so the synthetic set is the same every time. */
function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** 64 prompts x 12 layers x 12 heads x 128 tokens of causal softmax patterns, float32, deflated npz. */
async function synthetic(nPrompts) {
  const [L, H, N] = [12, 12, 128];
  const save = join(BENCH_DIR, `pl-bench-synth-v1-${nPrompts}`);
  const model = "synthetic";
  const done = join(save, ".complete");
  if (existsSync(done)) return { save, model };
  rmSync(save, { recursive: true, force: true });
  mkdirSync(join(save, model, "prompts"), { recursive: true });
  writeFileSync(
    join(save, model, "model_cfg.json"),
    JSON.stringify({
      model_name: model,
      n_layers: L,
      n_heads: H,
      d_model: 64,
      n_ctx: N,
      d_head: 16,
      d_vocab: 100,
      act_fn: "gelu",
    }),
  );
  const lines = [];
  const rand = rng(42);
  for (let p = 0; p < nPrompts; p++) {
    const hash = `synthetic${String(p).padStart(13, "0")}`;
    const tokens = Array.from({ length: N - 1 }, (_, i) => `t${i}`);
    const meta = { text: tokens.join(" "), hash, n_tokens: N - 1, tokens };
    lines.push(JSON.stringify(meta));
    const dir = join(save, model, "prompts", hash);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "prompt.json"), JSON.stringify(meta));
    const entries = {};
    for (let l = 0; l < L; l++) {
      const data = new Float32Array(H * N * N);
      for (let h = 0; h < H; h++) {
        const sharp = 1 + 4 * rand();
        for (let q = 0; q < N; q++) {
          const row = h * N * N + q * N;
          let sum = 0;
          for (let k = 0; k <= q; k++) {
            const v = Math.exp(sharp * (rand() * 2 - 1) + (k === 0 ? 2 : 0));
            data[row + k] = v;
            sum += v;
          }
          for (let k = 0; k <= q; k++) data[row + k] /= sum;
        }
      }
      entries[`blocks.${l}.attn.hook_pattern`] = { dtype: "<f4", shape: [1, H, N, N], data };
    }
    await writeNpzFile(join(dir, "activations.npz"), entries, { compressLevel: 6 });
  }
  writeFileSync(join(save, model, "prompts.jsonl"), `${lines.join("\n")}\n`);
  writeFileSync(done, "");
  return { save, model };
}

/** Ours runs in one child process that never forks (see ours-runner.mjs); this sends it one request. */
const runner = fork(join(here, "ours-runner.mjs"), { stdio: ["ignore", "inherit", "inherit", "ipc"] });
function ask(message) {
  return new Promise((resolveAsk, rejectAsk) => {
    runner.once("message", (r) => (r.ok ? resolveAsk(r.value) : rejectAsk(new Error(r.error))));
    runner.send(message);
  });
}

/** The first python that imports numpy, matplotlib and Pillow, or undefined. */
function findPython() {
  const candidates = process.env.BENCH_PYTHON ? [process.env.BENCH_PYTHON] : ["/usr/bin/python3", "python3"];
  for (const py of candidates) {
    const r = spawnSync(py, ["-c", "import numpy, matplotlib, PIL"], { encoding: "utf8" });
    if (r.status === 0) return py;
  }
  return undefined;
}

/**
 * One fresh run of ours (figures deleted, then `sync`, so the run starts from the same disk state);
 * returns [figures/s wall, figures per CPU-second].
 */
async function oursOnce(save, model, jobs) {
  await ask({ type: "clear", save, model });
  execSync("sync");
  if (SETTLE_S > 0) await new Promise((r) => setTimeout(r, SETTLE_S * 1000));
  return ask({ type: "run", save, model, jobs });
}

/** One fresh run of the Python reference (it clears and syncs itself); same return shape. */
function pythonOnce(python, save, model, procs) {
  const r = spawnSync(
    python,
    [join(here, "python-reference.py"), save, model, String(procs), "1", String(SETTLE_S)],
    {
      encoding: "utf8",
    },
  );
  const m = /median (\d+) figures\/s wall, (\d+) figures per CPU-second/.exec(r.stdout ?? "");
  if (r.status !== 0 || !m)
    throw new Error(`python-reference.py failed: ${(r.stderr ?? "").trim().split("\n").pop()}`);
  return [Number(m[1]), Number(m[2])];
}

const fmt = (x) => (x === undefined ? "    —" : x.toFixed(0).padStart(5));

/**
 * Interleaved rounds of ours and Python's, with 1 and CORES threads/processes; prints one table.
 * `fresh` (a function making a new copy of the data) gives every timed run a copy of its own.
 */
async function compare(label, save, model, rounds, python, fresh) {
  await ask({ type: "run", save, model, jobs: 1 }); // warm caches (untimed)
  const where = () => {
    if (!fresh) return save;
    const copy = fresh();
    execSync("sync");
    return copy;
  };
  const sides = [];
  for (const jobs of [...new Set([1, CORES])]) {
    sides.push({ who: "ours", jobs, run: () => oursOnce(where(), model, jobs), wall: [], cpu: [] });
    if (python)
      sides.push({
        who: "python",
        jobs,
        run: async () => pythonOnce(python, where(), model, jobs),
        wall: [],
        cpu: [],
      });
  }
  for (let r = 0; r < rounds; r++) {
    for (const side of sides) {
      const [w, c] = await side.run();
      side.wall.push(w);
      side.cpu.push(c);
    }
  }
  console.log(
    `\n${label}: medians of ${rounds} interleaved fresh runs${SETTLE_S > 0 ? `, each ${SETTLE_S} s after its clear` : ""} (load avg now ${loadavg()[0].toFixed(1)})`,
  );
  for (const side of sides) {
    const mine = side.who === "ours";
    const py = sides.find((s) => s.who === "python" && s.jobs === side.jobs);
    const ratio = mine && py ? `  ${(median(side.wall) / median(py.wall)).toFixed(2)}x python wall` : "";
    console.log(
      `  ${side.who.padEnd(6)} jobs=${String(side.jobs).padEnd(2)} ${fmt(median(side.wall))} figures/s wall, ` +
        `${fmt(median(side.cpu))} per CPU-second (runs: ${side.wall.map((x) => x.toFixed(0)).join(", ")})${ratio}`,
    );
  }
}

const python = findPython();
console.log(
  `@pattern-lens/figures bench: raw figure, fresh runs, ${CORES} cores, node ${process.version}, ` +
    `dir ${BENCH_DIR}, load avg ${loadavg()[0].toFixed(1)}, python reference: ${python ?? "not available (needs numpy, matplotlib, Pillow)"}`,
);
const demo = copyDemo();
const copies = [];
await compare(
  `demo (32 prompts x 24 heads, 11-99 tok, mean 55)${FRESH ? ", a fresh copy of the data per run" : ""}`,
  demo,
  "pythia-14m",
  RUNS,
  python,
  FRESH ? () => copies[copies.push(copyDemo()) - 1] : undefined,
);
for (const d of [demo, ...copies]) rmSync(d, { recursive: true, force: true });
if (SYNTH_PROMPTS > 0) {
  const t = performance.now();
  const synth = await synthetic(SYNTH_PROMPTS);
  console.log(`(synthetic set ready in ${((performance.now() - t) / 1000).toFixed(1)} s at ${synth.save})`);
  await compare(
    `synthetic (${SYNTH_PROMPTS} x 144 heads x 128 tok)`,
    synth.save,
    synth.model,
    SYNTH_RUNS,
    python,
  );
}
runner.disconnect();
