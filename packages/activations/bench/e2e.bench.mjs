// End-to-end benchmark of `activationsMain` on a GPT-2-small-sized graph (12 layers, 12 heads,
// d_model 768, d_mlp 3072, GPT-2 vocab 50257, random weights, built with @pattern-lens/onnx's
// GraphBuilder; no download): 32 prompts of about 150 tokens, writing npz.
// Runs against the built dist (`pnpm bench` builds first through turbo).
// Prints medians of BENCH_RUNS runs (default 3); never fails on time. Then a long-prompt section:
// 4 prompts of 1,024 tokens run whole and layer by layer (--stream-from-tokens), with peak RSS.
//
// Two references: the machine's sgemm rate (ONNX Runtime's MatMul at the model's shapes; the
// issue's "compute ceiling", with the vocabulary projection cut), and the Python pattern-lens path
// itself, measured: PyTorch eager with attention capture and np.savez_compressed on the same
// prompts (bench/python-reference.py; needs a python with torch and numpy, e.g. Debian's
// python3-torch).
//
//   BENCH_RUNS=3  BENCH_PROMPTS=32  BENCH_THREADS=<intra-op threads, default ORT's>  BENCH_LONG=0 skips
//   the long-prompt section  BENCH_PYTHON=<python with torch> (default: /usr/bin/python3 or python3
//   if one has torch; none: that row is skipped)
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { GraphBuilder } from "@pattern-lens/onnx";
import * as ort from "onnxruntime-node";
import {
  activationsMain,
  loadHfTokenizer,
  loadPrompts,
  openPatternModel,
  runPatternBatch,
  tokenizePrompt,
} from "../dist/index.js";
import { buildGpt2Small, CTX, D, H, L, MLP, randn, V } from "./gpt2-graph.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const shared = resolve(process.env.PATTERN_LENS_SHARED ?? join(here, "..", "..", "..", "..", "shared"));
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const N_PROMPTS = Number(process.env.BENCH_PROMPTS ?? 32);
const THREADS = process.env.BENCH_THREADS ? Number(process.env.BENCH_THREADS) : undefined;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Multiply-adds x 2 per token with the vocabulary projection cut, at mean context `n`. */
const flopsPerToken = (n) => L * (2 * D * (3 * D + D + 2 * MLP) + 4 * n * D);

/** GFLOP/s of ONNX Runtime's MatMul on [rows, 768] x [768, 3072] (the MLP's shape), median of 5. */
async function sgemmRate(rows) {
  const b = new GraphBuilder({ opset: 17 });
  const x = b.input("x", "float32", [rows, D]);
  b.float32("w", [D, MLP], randn(D * MLP, 0.02));
  b.output(b.matMul(x, "w"), "y");
  const session = await ort.InferenceSession.create(b.toBytes(), {
    graphOptimizationLevel: "all",
    ...(THREADS ? { intraOpNumThreads: THREADS } : {}),
  });
  const feeds = { x: new ort.Tensor("float32", randn(rows * D, 1), [rows, D]) };
  for (let i = 0; i < 3; i++) await session.run(feeds);
  const times = [];
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    for (let i = 0; i < 10; i++) await session.run(feeds);
    times.push((performance.now() - t) / 10 / 1000);
  }
  await session.release();
  return (2 * rows * D * MLP) / median(times) / 1e9;
}

/** The first python that imports torch and numpy, or undefined. */
function findTorchPython() {
  const candidates = process.env.BENCH_PYTHON ? [process.env.BENCH_PYTHON] : ["/usr/bin/python3", "python3"];
  for (const py of candidates) {
    try {
      execFileSync(py, ["-c", "import torch, numpy"], { stdio: "ignore" });
      return py;
    } catch {}
  }
  return undefined;
}

function du(dir) {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name === "activations.npz")
      total += statSync(join(e.parentPath ?? e.path, e.name)).size;
  }
  return total;
}

if (process.argv[2] === "--build") {
  // the graph is built in its own process, so the parent's RSS is not the builder's
  writeFileSync(process.argv[3], buildGpt2Small());
  process.exit(0);
}

if (process.argv[2] === "--child") {
  // one end-to-end run in a fresh process, so its peak RSS is the pipeline's alone
  const opts = JSON.parse(process.argv[3]);
  const c0 = process.cpuUsage();
  const summary = await activationsMain(opts);
  const c = process.cpuUsage(c0);
  const size = du(opts.savePath);
  rmSync(opts.savePath, { recursive: true, force: true });
  console.log(
    JSON.stringify({
      summary,
      cpu: (c.user + c.system) / 1e6,
      size,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
    }),
  );
  process.exit(0);
}

const work = mkdtempSync(join(tmpdir(), "pl-bench-act-"));
try {
  const modelDir = join(work, "gpt2-small-random");
  mkdirSync(join(modelDir, "onnx"), { recursive: true });
  let t = performance.now();
  execFileSync(
    process.execPath,
    [fileURLToPath(import.meta.url), "--build", join(modelDir, "onnx", "model.onnx")],
    {
      stdio: "inherit",
    },
  );
  const bytes = { length: statSync(join(modelDir, "onnx", "model.onnx")).size };
  writeFileSync(
    join(modelDir, "config.json"),
    JSON.stringify({
      model_type: "gpt2",
      architectures: ["GPT2LMHeadModel"],
      vocab_size: V,
      n_positions: CTX,
      n_embd: D,
      n_layer: L,
      n_head: H,
      bos_token_id: 50256,
    }),
  );
  for (const f of ["tokenizer.json", "tokenizer_config.json"])
    copyFileSync(join(shared, "models", "gpt2-tokenizer", f), join(modelDir, f));
  console.log(
    `load average at start: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")} (2-core machine shared with others: judge the figures by it)`,
  );
  console.log(
    `built GPT-2-small-sized graph: ${(bytes.length / 1e6).toFixed(0)} MB in ${((performance.now() - t) / 1000).toFixed(1)} s; ${cpus().length} CPUs`,
  );

  // prompts: pile texts cut to ~600 characters, the first 32 with >= 500 characters
  const prompts = join(shared, "prompts", "pile_100.jsonl");
  const common = {
    model: modelDir,
    prompts,
    minChars: 500,
    maxChars: 600,
    nSamples: N_PROMPTS,
    cacheDir: join(work, "cache"),
    ...(THREADS ? { intraOpNumThreads: THREADS } : {}),
  };

  t = performance.now();
  const pm = await openPatternModel({
    model: modelDir,
    cacheDir: join(work, "cache"),
    ...(THREADS ? { intraOpNumThreads: THREADS } : {}),
  });
  console.log(
    `instrumentation (hash + prune + cache) and session: ${((performance.now() - t) / 1000).toFixed(1)} s, method ${pm.instrumented.plan.method}, graph outputs ${pm.session.outputs.length}`,
  );

  // forward only (no writing): the compute side, batch of 32 like the pipeline
  const { readFileSync } = await import("node:fs");
  const texts = readFileSync(prompts, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l).text)
    .filter((s) => [...s].length >= 600)
    .slice(0, N_PROMPTS)
    .map((s) => [...s].slice(0, 600).join(""));
  const rows = texts.map(
    (s) => tokenizePrompt(pm.tokenizer, s, { prependBos: true, maxTokens: CTX }).tokenIds,
  );
  const nTok = rows.reduce((a, r) => a + r.length, 0);
  const fwd = [];
  const fwdCpu = [];
  for (let i = 0; i < RUNS; i++) {
    const s = performance.now();
    const c0 = process.cpuUsage();
    // batches of 8, longest first, as the pipeline's memory cap makes them (one batch of 32
    // would hold 1.5 GB of patterns and measure page faults more than the model)
    const sorted = [...rows].sort((a, b) => b.length - a.length);
    for (let j = 0; j < sorted.length; j += 8) await runPatternBatch(pm, sorted.slice(j, j + 8));
    const c = process.cpuUsage(c0);
    fwd.push((performance.now() - s) / 1000);
    fwdCpu.push((c.user + c.system) / 1e6);
  }
  await pm.close();
  console.log(
    `forward + capture + validation only (batches of 8): ${rows.length} prompts, ${nTok} tokens (mean ${(nTok / rows.length).toFixed(0)}), median ${median(fwd).toFixed(2)} s = ${(nTok / median(fwd)).toFixed(0)} tokens/s`,
  );

  const results = {};
  const runs = [
    ["float32 deflate-6 rle (default)   ", { dtype: "float32", compressLevel: 6 }],
    [
      "float32 deflate-6 (savez_compressed)",
      { dtype: "float32", compressLevel: 6, compressStrategy: "default" },
    ],
    ["float16 deflate-6 rle              ", { dtype: "float16", compressLevel: 6 }],
    [
      "float16 deflate-6 (savez_compressed)",
      { dtype: "float16", compressLevel: 6, compressStrategy: "default" },
    ],
    ["float32 stored                     ", { dtype: "float32", compressLevel: 0 }],
  ];
  for (const [label, extra] of runs) {
    const times = [];
    const cpuTimes = [];
    let summary;
    let size = 0;
    const rss = [];
    for (let i = 0; i < RUNS; i++) {
      const save = join(work, `save-${label.trim().replace(/\s+/g, "-")}-${i}`);
      const out = execFileSync(
        process.execPath,
        [
          fileURLToPath(import.meta.url),
          "--child",
          JSON.stringify({ ...common, ...extra, savePath: save, force: true }),
        ],
        { encoding: "utf8", maxBuffer: 1 << 24 },
      );
      const r = JSON.parse(out.trim().split("\n").at(-1));
      summary = r.summary;
      times.push(summary.elapsedMs / 1000);
      cpuTimes.push(r.cpu);
      rss.push(r.maxRssMb);
      size = r.size;
    }
    const secs = median(times);
    results[label] = {
      size,
      tokensPerSec: summary.tokens / secs,
      meanLen: summary.tokens / summary.computed,
    };
    console.log(
      `${label}: ${summary.computed} prompts, ${summary.tokens} tokens, median ${secs.toFixed(2)} s (runs: ${times.map((x) => x.toFixed(2)).join(", ")}) = ${(summary.tokens / secs).toFixed(0)} tokens/s, ${(summary.computed / secs).toFixed(2)} prompts/s, npz ${(size / 1e6).toFixed(1)} MB; process CPU ${median(cpuTimes).toFixed(1)} s (${(summary.tokens / median(cpuTimes)).toFixed(0)} tokens per CPU-second), peak RSS ${median(rss).toFixed(0)} MB (a fresh process per run, model instrumented and cached already)`,
    );
  }
  const ours = results[runs[0][0]];

  // the compute ceiling: sgemm at the MLP's shape, batch of 8 prompts like the pipeline
  const meanLen = ours.meanLen;
  const gflops = await sgemmRate(8 * Math.round(meanLen));
  const ceiling = (gflops * 1e9) / flopsPerToken(meanLen);
  console.log(
    `compute ceiling: ONNX Runtime MatMul [${8 * Math.round(meanLen)}x${D}]x[${D}x${MLP}] at ${gflops.toFixed(0)} GFLOP/s / ${(flopsPerToken(meanLen) / 1e6).toFixed(0)} MFLOP per token (vocabulary projection cut) = ${ceiling.toFixed(0)} tokens/s; default end to end = ${((100 * ours.tokensPerSec) / ceiling).toFixed(0)}% of it, forward + capture + validation only = ${((100 * nTok) / median(fwd) / ceiling).toFixed(0)}%`,
  );

  // the same ceiling by OpenBLAS (numpy), when a python has it: an sgemm not tied to ONNX Runtime
  const py = findTorchPython();
  if (py !== undefined) {
    const script = `import numpy as np, time
a = np.random.rand(${8 * Math.round(meanLen)}, ${D}).astype(np.float32); b = np.random.rand(${D}, ${MLP}).astype(np.float32)
a @ b
ts = []
for _ in range(5):
    t = time.perf_counter()
    for _ in range(10): a @ b
    ts.append((time.perf_counter() - t) / 10)
print(2 * a.shape[0] * ${D} * ${MLP} / sorted(ts)[2] / 1e9)`;
    const blas = Number(execFileSync(py, ["-c", script], { encoding: "utf8" }).trim());
    const blasCeiling = (blas * 1e9) / flopsPerToken(meanLen);
    console.log(
      `compute ceiling by numpy (OpenBLAS) sgemm at the same shape: ${blas.toFixed(0)} GFLOP/s = ${blasCeiling.toFixed(0)} tokens/s; default end to end = ${((100 * ours.tokensPerSec) / blasCeiling).toFixed(0)}% of it, stored = ${((100 * results[runs[4][0]].tokensPerSec) / blasCeiling).toFixed(0)}% (target >= 50%)`,
    );
  }

  // the Python pattern-lens path, measured on the same prompts and tokens
  if (py === undefined) {
    console.log(
      "PyTorch reference: skipped (no python with torch and numpy; apt install python3-torch, or set BENCH_PYTHON)",
    );
  } else {
    const tok = await loadHfTokenizer(modelDir);
    const recs = loadPrompts(prompts, { minChars: 500, maxChars: 600, nSamples: N_PROMPTS });
    const tokenRows = recs.map(
      (r) => tokenizePrompt(tok, r.text, { prependBos: true, maxTokens: CTX }).tokenIds,
    );
    writeFileSync(join(work, "tokens.json"), JSON.stringify(tokenRows));
    const out = execFileSync(
      py,
      [
        join(here, "python-reference.py"),
        join(work, "tokens.json"),
        join(work, "python-out"),
        String(THREADS ?? cpus().length),
        String(RUNS),
      ],
      { encoding: "utf8", maxBuffer: 1 << 24 },
    );
    const r = JSON.parse(out.trim().split("\n").at(-1));
    const secs = median(r.seconds);
    const rate = r.tokens / secs;
    console.log(
      `PyTorch ${execFileSync(py, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" }).trim()} eager + np.savez_compressed (bench/python-reference.py, ${THREADS ?? cpus().length} threads, one prompt at a time): ${r.prompts} prompts, ${r.tokens} tokens, median ${secs.toFixed(2)} s (runs: ${r.seconds.map((x) => x.toFixed(2)).join(", ")}) = ${rate.toFixed(0)} tokens/s, of which np.savez_compressed ${((100 * median(r.save_seconds)) / secs).toFixed(0)}%; npz ${(r.bytes / 1e6).toFixed(1)} MB. Ours (default) / PyTorch: ${(ours.tokensPerSec / rate).toFixed(2)}x (target >= 3x)`,
    );
  }

  const f32 = results[runs[1][0]].size;
  const f16 = results[runs[2][0]].size;
  console.log(
    `float16 rle / float32 deflate-6 (savez_compressed) size: ${((100 * f16) / f32).toFixed(1)}% (target <= 60%); float32 rle / float32 deflate-6: ${((100 * ours.size) / f32).toFixed(1)}%`,
  );

  if (process.env.BENCH_LONG !== "0") {
    // long prompts: 4 x 1,024 tokens (the context), all layers at once vs layer by layer
    const longPrompts = join(work, "long.jsonl");
    const pile = readFileSync(prompts, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).text)
      .join(" ");
    writeFileSync(
      longPrompts,
      `${[0, 1, 2, 3].map((i) => JSON.stringify({ text: pile.slice(i * 6000, i * 6000 + 5000) })).join("\n")}\n`,
    );
    for (const [label, streamFromTokens] of [
      ["long prompts, all layers at once", 4096],
      ["long prompts, layer by layer    ", 512],
    ]) {
      const save = join(work, `save-long-${streamFromTokens}`);
      const opts = { ...common, prompts: longPrompts, minChars: 100, maxChars: 100000, nSamples: 4 };
      const out = execFileSync(
        process.execPath,
        [
          fileURLToPath(import.meta.url),
          "--child",
          JSON.stringify({ ...opts, compressLevel: 0, streamFromTokens, savePath: save, force: true }),
        ],
        { encoding: "utf8", maxBuffer: 1 << 24 },
      );
      const r = JSON.parse(out.trim().split("\n").at(-1));
      const secs = r.summary.elapsedMs / 1000;
      console.log(
        `${label}: ${r.summary.computed} prompts, ${r.summary.tokens} tokens (${r.summary.streamed} layer by layer), ${secs.toFixed(2)} s = ${(r.summary.tokens / secs).toFixed(0)} tokens/s, peak RSS ${r.maxRssMb.toFixed(0)} MB`,
      );
    }
  }
  console.log(
    `load average at end: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")}`,
  );
  console.log(
    `peak RSS of the parent (instrumenting the graph, the forward-only runs; the graph is built in a child): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
