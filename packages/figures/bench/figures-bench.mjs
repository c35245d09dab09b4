// Benchmark: figures/s of the built-in `raw` figure, end to end (read npz, normalise, Blues, PNG,
// write), on fresh runs (figures deleted before each timed run). Also prints figures per CPU-second
// (all threads), which is steadier than wall time on a shared machine.
// Run with `pnpm bench` from the repository root (or `pnpm --filter @pattern-lens/figures bench`
// after a build). Prints medians; never fails on time.
//
//   BENCH_RUNS=5           timed runs per demo configuration (median reported)
//   BENCH_SYNTH_RUNS=3     timed runs per synthetic configuration
//   BENCH_SYNTH_PROMPTS=64 prompts in the synthetic set (12 layers x 12 heads x 128 tokens); 0 skips it
//   BENCH_DIR=/dev/shm     where the data folders go (default: the OS temp dir); a RAM disk
//                          separates compute from the disk's file-creation cost

import { spawnSync } from "node:child_process";
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
import { runFigures } from "@pattern-lens/figures";
import { writeNpzFile } from "@pattern-lens/indexes/node";

const here = dirname(fileURLToPath(import.meta.url));
const shared = resolve(process.env.PATTERN_LENS_SHARED ?? join(here, "..", "..", "..", "..", "shared"));
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SYNTH_PROMPTS = Number(process.env.BENCH_SYNTH_PROMPTS ?? 64);
const SYNTH_RUNS = Number(process.env.BENCH_SYNTH_RUNS ?? 3);
const CORES = availableParallelism();
const BENCH_DIR = process.env.BENCH_DIR ?? tmpdir();

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

/** Removes every figure folder (L0, L1, ...) of a model, so the next run renders everything afresh. */
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

async function measure(label, save, model, jobs, runs) {
  // A first run warms the page cache and module caches; then `runs` timed fresh runs, each after
  // deleting the figures (untimed), so every run renders and writes all of them.
  clearFigures(save, model);
  await runFigures({ savePath: save, model, figureFuncs: "raw", jobs });
  const rates = [];
  const perCpu = [];
  let written = 0;
  for (let i = 0; i < runs; i++) {
    clearFigures(save, model);
    const c0 = cpuMs();
    const s = await runFigures({ savePath: save, model, figureFuncs: "raw", jobs });
    const cpu = cpuMs() - c0;
    written = s.written;
    rates.push(s.written / (s.elapsedMs / 1000));
    perCpu.push(s.written / (cpu / 1000));
  }
  const fmt = (x) => x.toFixed(0).padStart(5);
  console.log(
    `${label.padEnd(40)} jobs=${String(jobs).padEnd(2)} ${String(written).padStart(5)} figures: ` +
      `median ${fmt(median(rates))} figures/s wall, ${fmt(median(perCpu))} figures per CPU-second ` +
      `(wall runs: ${rates.map((r) => r.toFixed(0)).join(", ")}; load avg ${loadavg()[0].toFixed(1)})`,
  );
  return { wall: median(rates), cpu: median(perCpu) };
}

console.log(
  `@pattern-lens/figures bench: raw figure, fresh runs, ${CORES} cores, node ${process.version}, load avg ${loadavg()[0].toFixed(1)}`,
);
const demo = copyDemo();
const DEMO = "demo (32 prompts x 24 heads, ~30 tok)";
const ours1 = await measure(DEMO, demo, "pythia-14m", 1, RUNS);
const oursN = await measure(DEMO, demo, "pythia-14m", CORES, RUNS);
// The same work in Python (numpy + zlib, see python-baseline.py), right after ours, on the same copy.
const py = spawnSync("python3", [join(here, "python-baseline.py"), demo, "pythia-14m", String(RUNS)], {
  encoding: "utf8",
  env: { ...process.env, PATTERN_LENS_SHARED: shared },
});
if (py.status === 0) {
  const line = py.stdout.trim();
  console.log(line);
  const m = /median (\d+) figures\/s wall, (\d+) figures per CPU-second/.exec(line);
  if (m) {
    const [pyWall, pyCpu] = [Number(m[1]), Number(m[2])];
    console.log(
      `ratio vs python baseline: jobs=1 ${(ours1.wall / pyWall).toFixed(2)}x wall, ${(ours1.cpu / pyCpu).toFixed(2)}x per CPU-second; ` +
        `jobs=${CORES} ${(oursN.wall / pyWall).toFixed(2)}x wall (python: one process)`,
    );
  }
} else {
  console.log(
    `(python baseline skipped: python3 with numpy not available: ${(py.stderr ?? "").trim().split("\n").pop()})`,
  );
}
rmSync(demo, { recursive: true, force: true });
if (SYNTH_PROMPTS > 0) {
  const t = performance.now();
  const synth = await synthetic(SYNTH_PROMPTS);
  console.log(`(synthetic set ready in ${((performance.now() - t) / 1000).toFixed(1)} s at ${synth.save})`);
  const SYN = `synthetic (${SYNTH_PROMPTS} x 144 heads x 128 tok)`;
  await measure(SYN, synth.save, synth.model, 1, SYNTH_RUNS);
  await measure(SYN, synth.save, synth.model, CORES, SYNTH_RUNS);
}
