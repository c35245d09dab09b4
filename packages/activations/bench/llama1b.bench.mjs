// 1B-class benchmark of `activationsMain` (issue 14, item 4): a Llama-3.2-1B-shaped graph in
// onnxruntime-genai's layout (16 layers, 32 query / 8 KV heads of 64, hidden 2048, SwiGLU 8192,
// RMSNorm, rotary inside com.microsoft.GroupQueryAttention, vocab 128,256, untied lm_head; 1.5 B
// parameters, random weights, float32 like genai's CPU export; bench/llama-graph.mjs) and one
// prompt per length (default 512 and 1,024 tokens; BENCH_LONG=1 adds 2,048). Per length, in fresh
// processes: `activationsMain` with default options (end-to-end seconds with the model open, the
// pipeline's own seconds, tokens/s, peak RSS from process.resourceUsage().maxRSS, npz size,
// capture method, prompts streamed layer by layer) and the forward pass alone (the plain graph,
// logits out, no capture, warm session). Medians of BENCH_RUNS runs (default 1: a run of the
// 1B graph takes minutes). Prints a Markdown table and the load average. Never fails on time.
//
//   BENCH_RUNS=1  BENCH_LENGTHS=512,1024 (BENCH_LONG=1: 512,1024,2048)  BENCH_DTYPE=float32|float16
//   BENCH_LAYERS=16 (fewer for a quick look)  BENCH_OPTS='{"compressLevel":0}' (extra options)
//   BENCH_DIR=<folder for the 5 GB model> (default the OS temp folder)  BENCH_KEEP=1 keeps it
//   BENCH_1B=0 skips this bench (in `pnpm bench`)
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { activationsMain, loadHfTokenizer, openPatternModel, tokenizePrompt } from "../dist/index.js";
import { LLAMA_1B, parameterCount, writeLlamaModel } from "./llama-graph.mjs";

if (process.env.BENCH_1B === "0") {
  console.log("llama1b.bench: skipped (BENCH_1B=0)");
  process.exit(0);
}

const here = dirname(fileURLToPath(import.meta.url));
const self = fileURLToPath(import.meta.url);
const shared = resolve(process.env.PATTERN_LENS_SHARED ?? join(here, "..", "..", "..", "..", "shared"));
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const LENGTHS = (process.env.BENCH_LENGTHS ?? (process.env.BENCH_LONG === "1" ? "512,1024,2048" : "512,1024"))
  .split(",")
  .map(Number);
const DTYPE = process.env.BENCH_DTYPE ?? "float32";
const CFG = { ...LLAMA_1B, layers: Number(process.env.BENCH_LAYERS ?? LLAMA_1B.layers) };
const EXTRA = JSON.parse(process.env.BENCH_OPTS ?? "{}");

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const rssMb = () => process.resourceUsage().maxRSS / 1024;
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");

function npzBytes(dir) {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile() && e.name === "activations.npz")
      total += statSync(join(e.parentPath ?? e.path, e.name)).size;
  return total;
}

if (process.argv[2] === "--build") {
  const t = performance.now();
  const r = writeLlamaModel(process.argv[3], CFG, { dtype: DTYPE });
  console.log(JSON.stringify({ ...r, seconds: (performance.now() - t) / 1000 }));
  process.exit(0);
}

if (process.argv[2] === "--child") {
  const opts = JSON.parse(process.argv[3]);
  const load0 = load();
  const t = performance.now();
  const summary = await activationsMain(opts);
  const wall = (performance.now() - t) / 1000;
  const size = npzBytes(opts.savePath);
  rmSync(opts.savePath, { recursive: true, force: true });
  console.log(JSON.stringify({ summary, wall, size, maxRssMb: rssMb(), load: load0 }));
  process.exit(0);
}

if (process.argv[2] === "--forward") {
  // the forward pass alone: the plain graph (logits out), one prompt, empty past, warm session
  const [model, idsJson, runs] = process.argv.slice(3);
  const ids = JSON.parse(readFileSync(idsJson, "utf8"));
  const n = ids.length;
  const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: "all" });
  const feeds = {
    input_ids: new ort.Tensor("int64", BigInt64Array.from(ids, BigInt), [1, n]),
    attention_mask: new ort.Tensor("int64", new BigInt64Array(n).fill(1n), [1, n]),
  };
  const empty = DTYPE === "float16" ? new Uint16Array(0) : new Float32Array(0);
  for (const name of session.inputNames)
    if (name.startsWith("past_key_values."))
      feeds[name] = new ort.Tensor(DTYPE, empty, [1, CFG.kvHeads, 0, CFG.headDim]);
  await session.run(feeds);
  const times = [];
  for (let i = 0; i < Number(runs); i++) {
    const t = performance.now();
    await session.run(feeds);
    times.push((performance.now() - t) / 1000);
  }
  console.log(JSON.stringify({ seconds: median(times), runs: times, maxRssMb: rssMb() }));
  process.exit(0);
}

const work = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), "pl-bench-1b-"));
try {
  const modelDir = join(work, "llama-3.2-1b-shaped");
  console.log(
    `load average at start: ${load()} (${cpus().length} CPUs, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, machine shared with other engineers: judge the figures by it)`,
  );
  const built = JSON.parse(
    execFileSync(process.execPath, [self, "--build", modelDir], { encoding: "utf8" })
      .trim()
      .split("\n")
      .at(-1),
  );
  // the Llama-2 tokenizer of shared/models/ort-fused (ids < 32,000 < the graph's 128,256); copied
  // into the temp model folder for the run, never into the repository
  const tokSrc = join(shared, "models", "ort-fused", "tiny-random-LlamaForCausalLM-fp32");
  for (const f of ["tokenizer.json", "tokenizer_config.json"])
    copyFileSync(join(tokSrc, f), join(modelDir, f));
  const modelBytes = built.dataBytes + statSync(built.modelPath).size;
  console.log(
    `Llama-3.2-1B-shaped graph (${CFG.layers} layers, ${CFG.heads}/${CFG.kvHeads} heads of ${CFG.headDim}, hidden ${CFG.hidden}, MLP ${CFG.mlp}, vocab ${CFG.vocab}, context ${CFG.ctx}, ${DTYPE}): ${(parameterCount(CFG) / 1e9).toFixed(2)} B parameters, ${(modelBytes / 1e9).toFixed(2)} GB (external data), written in ${built.seconds.toFixed(0)} s`,
  );

  // prompts of exactly N tokens (BOS included): pile text cut by binary search on its length
  const tok = await loadHfTokenizer(modelDir);
  const pile = readFileSync(join(shared, "prompts", "pile_100.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l).text)
    .join("\n");
  const promptOf = (tokens) => {
    const count = (chars) => tokenizePrompt(tok, pile.slice(0, chars), { prependBos: true }).tokenIds.length;
    let lo = 1;
    let hi = pile.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (count(mid) < tokens) lo = mid + 1;
      else hi = mid;
    }
    return pile.slice(0, lo);
  };

  // instrument once (cached): the runs below measure a user's second run, not the first-time prune
  const cacheDir = join(work, "cache");
  const t = performance.now();
  const pm = await openPatternModel({ model: modelDir, cacheDir });
  const method = pm.instrumented.plan.method;
  await pm.close();
  console.log(
    `first open (hash, instrument, cache): ${((performance.now() - t) / 1000).toFixed(0)} s; capture method: ${method}`,
  );

  const rows = [];
  for (const n of LENGTHS) {
    const text = promptOf(n);
    const ids = tokenizePrompt(tok, text, { prependBos: true }).tokenIds;
    const promptsPath = join(work, `prompt-${n}.jsonl`);
    writeFileSync(promptsPath, `${JSON.stringify({ text })}\n`);
    writeFileSync(join(work, `ids-${n}.json`), JSON.stringify(ids));
    const runs = [];
    for (let r = 0; r < RUNS; r++) {
      const opts = {
        model: modelDir,
        prompts: promptsPath,
        minChars: 1,
        maxChars: 1e9,
        cacheDir,
        force: true,
        ...EXTRA,
        savePath: join(work, `save-${n}-${r}`),
      };
      const out = execFileSync(process.execPath, [self, "--child", JSON.stringify(opts)], {
        encoding: "utf8",
        maxBuffer: 1 << 24,
      });
      runs.push(JSON.parse(out.trim().split("\n").at(-1)));
    }
    const fwdLoad = load();
    const fwd = JSON.parse(
      execFileSync(
        process.execPath,
        [self, "--forward", built.modelPath, join(work, `ids-${n}.json`), String(RUNS)],
        {
          encoding: "utf8",
        },
      )
        .trim()
        .split("\n")
        .at(-1),
    );
    const wall = median(runs.map((x) => x.wall));
    const row = {
      tokens: ids.length,
      wall,
      walls: runs.map((x) => x.wall),
      pipeline: median(runs.map((x) => x.summary.elapsedMs / 1000)),
      rss: median(runs.map((x) => x.maxRssMb)),
      size: runs[0].size,
      streamed: runs[0].summary.streamed,
      fwd: fwd.seconds,
      fwdRss: fwd.maxRssMb,
      load: `${runs.map((x) => x.load.split(" ")[0]).join("/")}; ${fwdLoad.split(" ")[0]}`,
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  }

  const patternsMb = (n) => (CFG.heads * n * n * 4) / 1e6;
  console.log(
    `\n${CFG.layers === 16 ? "Llama-3.2-1B-shaped" : `${CFG.layers}-layer Llama-1B-shaped`} graph, ${DTYPE} weights (${(modelBytes / 1e9).toFixed(2)} GB), capture method ${method}, one prompt per length, default options, median of ${RUNS} run(s); ${cpus().length} CPUs\n`,
  );
  console.log(
    "| tokens | end to end (s) | tokens/s | pipeline (s) | forward pass alone (s) | end to end / forward | peak RSS (MB) | forward-only peak RSS (MB) | one layer's patterns (MB) | npz (MB) | layer by layer | load average (runs; forward) |",
  );
  console.log("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|---|");
  for (const r of rows)
    console.log(
      `| ${r.tokens} | ${r.wall.toFixed(1)} | ${(r.tokens / r.wall).toFixed(0)} | ${r.pipeline.toFixed(1)} | ${r.fwd.toFixed(1)} | ${(r.wall / r.fwd).toFixed(1)}x | ${r.rss.toFixed(0)} | ${r.fwdRss.toFixed(0)} | ${patternsMb(r.tokens).toFixed(0)} | ${(r.size / 1e6).toFixed(0)} | ${r.streamed ? "yes" : "no"} | ${r.load} |`,
    );
  console.log(`\nload average at end: ${load()}`);
} finally {
  if (process.env.BENCH_KEEP) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
