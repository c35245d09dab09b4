// Benchmark: throughput of 1, 2 and 3 concurrent `pattern-lens run --shard K/N` processes on one save
// path (as a Slurm job array on one node would run them), against the same prompts in one process.
// Model: a GPT-2-small-shaped graph (12 layers x 12 heads, d_model 768, random weights, built with
// @pattern-lens/onnx; no download) with the GPT-2 tokenizer from ../shared. Prompts: pile texts cut
// to ~BENCH_CHARS characters. Each configuration starts from an empty save path and a warm
// instrumented-model cache, and ends with `pattern-lens index` (the merge step).
//
// Prints, per configuration: wall seconds, prompts/s, CPU seconds (user + sys of all processes),
// and each process's wall and CPU seconds with the steps' own summary lines.
// Never fails on time. Run after `pnpm build` (or through `pnpm bench`).
//
//   BENCH_PROMPTS=24  BENCH_CHARS=600  BENCH_SHARDS=1,2,3  BENCH_RUNS=1 (median reported)
//   BENCH_DIR=<where save paths go, default the OS temp dir>
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..", "..", "..");
const cli = join(here, "..", "dist", "cli.js");
const shared = resolve(process.env.PATTERN_LENS_SHARED ?? join(repo, "..", "shared"));
const N_PROMPTS = Number(process.env.BENCH_PROMPTS ?? 24);
const CHARS = Number(process.env.BENCH_CHARS ?? 600);
const SHARDS = (process.env.BENCH_SHARDS ?? "1,2,3").split(",").map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 1);

if (process.argv[2] === "--build") {
  const { buildGpt2Small } = await import(join(repo, "packages", "activations", "bench", "gpt2-graph.mjs"));
  writeFileSync(process.argv[3], buildGpt2Small(1024));
  process.exit(0);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Runs one CLI process to completion, its output to `${log}.out`; resolves to its wall and CPU
 * seconds (bash's `time`: user + sys of the process and its threads) and its output.
 */
async function timedRun(args, log) {
  const t = performance.now();
  const child = spawn(
    "bash",
    [
      "-c",
      'TIMEFORMAT="%U %S"; { time "$@" >"$OUT" 2>&1; } 2>"$TIMES"',
      "--",
      process.execPath,
      cli,
      ...args,
    ],
    { env: { ...process.env, OUT: `${log}.out`, TIMES: `${log}.times` } },
  );
  const code = await new Promise((res) => child.on("close", res));
  const wall = (performance.now() - t) / 1000;
  const out = readFileSync(`${log}.out`, "utf8");
  const [user, sys] = readFileSync(`${log}.times`, "utf8").trim().split(/\s+/).map(Number);
  return { wall, cpu: user + sys, out, code };
}

const work = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), "pl-bench-shards-"));
try {
  const modelDir = join(work, "gpt2-small");
  mkdirSync(join(modelDir, "onnx"), { recursive: true });
  execFileSync(
    process.execPath,
    [fileURLToPath(import.meta.url), "--build", join(modelDir, "onnx", "model.onnx")],
    {
      stdio: "inherit",
    },
  );
  writeFileSync(
    join(modelDir, "config.json"),
    JSON.stringify({
      model_type: "gpt2",
      architectures: ["GPT2LMHeadModel"],
      vocab_size: 50257,
      n_positions: 1024,
      n_embd: 768,
      n_layer: 12,
      n_head: 12,
      bos_token_id: 50256,
    }),
  );
  for (const f of ["tokenizer.json", "tokenizer_config.json"])
    copyFileSync(join(shared, "models", "gpt2-tokenizer", f), join(modelDir, f));
  const prompts = join(work, "prompts.jsonl");
  const texts = readFileSync(join(shared, "prompts", "pile_100.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l).text)
    .filter((t) => t.length >= CHARS)
    .slice(0, N_PROMPTS)
    .map((t) => JSON.stringify({ text: t.slice(0, CHARS) }));
  writeFileSync(prompts, `${texts.join("\n")}\n`);
  const cacheDir = join(work, "cache");
  const common = [
    "--model",
    modelDir,
    "--prompts",
    prompts,
    "--cache-dir",
    cacheDir,
    "--max-chars",
    String(CHARS),
  ];

  // warm the instrumented-model cache once, so every configuration starts alike
  await timedRun(
    ["run", ...common, "--save-path", join(work, "warm"), "--n-samples", "1"],
    join(work, "warm"),
  );
  rmSync(join(work, "warm"), { recursive: true, force: true });

  console.log(
    `pattern-lens shards bench: ${texts.length} prompts of ${CHARS} chars, GPT-2-small shape, ${availableParallelism()} cores, node ${process.version}, load avg ${loadavg()[0].toFixed(1)}`,
  );
  let single;
  for (const n of SHARDS) {
    const walls = [];
    let last;
    for (let r = 0; r < RUNS; r++) {
      const save = join(work, `save-${n}-${r}`);
      const t = performance.now();
      const procs = await Promise.all(
        Array.from({ length: n }, (_, k) =>
          timedRun(
            ["run", ...common, "--save-path", save, "--shard", `${k}/${n}`],
            join(work, `log-${n}-${r}-${k}`),
          ),
        ),
      );
      const idx = await timedRun(["index", "--save-path", save], join(work, `index-${n}-${r}`));
      const wall = (performance.now() - t) / 1000;
      for (const p of [...procs, idx])
        if (p.code !== 0) throw new Error(`a process failed (exit ${p.code}):\n${p.out.slice(-2000)}`);
      walls.push(wall);
      last = { procs, idx, wall };
      rmSync(save, { recursive: true, force: true });
    }
    const wall = median(walls);
    single ??= wall;
    const cpu = last.procs.reduce((s, p) => s + p.cpu, 0) + last.idx.cpu;
    console.log(
      `\n${n} shard${n > 1 ? "s" : ""}: ${wall.toFixed(1)} s wall (runs: ${walls.map((w) => w.toFixed(1)).join(", ")}), ${(texts.length / wall).toFixed(2)} prompts/s, ${(single / wall).toFixed(2)}x one process, ${cpu.toFixed(1)} CPU-s; index ${last.idx.wall.toFixed(1)} s`,
    );
    for (const [k, p] of last.procs.entries()) {
      const steps = p.out
        .split("\n")
        .filter((l) => /^(activations|figures|metrics|run): /.test(l.trim()))
        .map((l) => l.trim());
      console.log(`  shard ${k}/${n}: ${p.wall.toFixed(1)} s wall, ${p.cpu.toFixed(1)} CPU-s`);
      for (const s of steps) console.log(`    ${s}`);
    }
  }
  console.log(`\nload avg at the end ${loadavg()[0].toFixed(1)}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
