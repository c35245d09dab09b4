// The 8,192-token run (issue 14, item 1's goal): a Llama-shaped graph with an 8,192-token context
// (onnxruntime-genai layout, bench/llama-graph.mjs: 4 layers, 4 query / 2 KV heads of 64 in
// com.microsoft.GroupQueryAttention, hidden 256, SwiGLU 768, vocab 32,000, random float32 weights)
// and one prompt of exactly 8,192 tokens through `activationsMain` with default options, in a fresh
// process. Prints wall time, pipeline time, peak RSS (process.resourceUsage().maxRSS) against
// "model + two layers of one prompt's patterns", the npz size, and then checks the npz in another
// fresh process with @pattern-lens/indexes' reader, one layer at a time: every member's dtype and
// shape [1, heads, 8192, 8192], and, per head, that a few rows sum to 1 and are 0 past the diagonal.
// Never fails on time; exits 1 when the npz check fails.
//
//   BENCH_TOKENS=8192  BENCH_OPTS='{"compressLevel":0}' (extra activationsMain options)
//   BENCH_DIR=<folder> (default the OS temp folder; the npz is ~2 GB)  BENCH_KEEP=1 keeps it
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
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { openNpzReaderSync } from "@pattern-lens/indexes/node";
import { activationsMain, loadHfTokenizer, openPatternModel, tokenizePrompt } from "../dist/index.js";
import { writeLlamaModel } from "./llama-graph.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const self = fileURLToPath(import.meta.url);
const shared = resolve(process.env.PATTERN_LENS_SHARED ?? join(here, "..", "..", "..", "..", "shared"));
const TOKENS = Number(process.env.BENCH_TOKENS ?? 8192);
const CFG = { layers: 4, heads: 4, kvHeads: 2, headDim: 64, hidden: 256, mlp: 768, vocab: 32000, ctx: 8192 };
const EXTRA = JSON.parse(process.env.BENCH_OPTS ?? "{}");

const rssMb = () => process.resourceUsage().maxRSS / 1024;
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
const npzFiles = (dir) =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name === "activations.npz")
    .map((e) => join(e.parentPath ?? e.path, e.name));

if (process.argv[2] === "--child") {
  const opts = JSON.parse(process.argv[3]);
  const load0 = load();
  const t = performance.now();
  const summary = await activationsMain(opts);
  const wall = (performance.now() - t) / 1000;
  console.log(JSON.stringify({ summary, wall, maxRssMb: rssMb(), load: load0 }));
  process.exit(0);
}

if (process.argv[2] === "--check") {
  // one layer at a time: shape, dtype, and rows 0, 1, n/2, n-1 of every head sum to 1, causal
  const [path, nLayers, nHeads, n] = [process.argv[3], ...process.argv.slice(4).map(Number)];
  const npz = openNpzReaderSync(path);
  const problems = [];
  let worst = 0;
  try {
    for (let l = 0; l < nLayers; l++) {
      const key = `blocks.${l}.attn.hook_pattern`;
      if (!npz.has(key)) {
        problems.push(`no member ${key}`);
        continue;
      }
      const a = npz.readSync(key);
      const want = [1, nHeads, n, n];
      if (a.dtype !== "<f4" || a.shape.join() !== want.join())
        problems.push(`${key}: ${a.dtype} [${a.shape}], want <f4 [${want}]`);
      for (let h = 0; h < nHeads; h++)
        for (const q of [0, 1, n >> 1, n - 1]) {
          const row = a.data.subarray((h * n + q) * n, (h * n + q + 1) * n);
          let sum = 0;
          let after = 0;
          for (let k = 0; k < n; k++) {
            sum += row[k];
            if (k > q) after += Math.abs(row[k]);
          }
          worst = Math.max(worst, Math.abs(sum - 1));
          if (Math.abs(sum - 1) > 1e-4 || after !== 0)
            problems.push(`${key} head ${h} row ${q}: sum ${sum}, past the diagonal ${after}`);
        }
    }
  } finally {
    npz.close();
  }
  console.log(JSON.stringify({ members: npz.names.length, problems, worst, maxRssMb: rssMb() }));
  process.exit(0);
}

const work = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), "pl-bench-8k-"));
let failed = false;
try {
  const modelDir = join(work, "llama-ctx8k");
  const built = writeLlamaModel(modelDir, CFG);
  const tokSrc = join(shared, "models", "ort-fused", "tiny-random-LlamaForCausalLM-fp32");
  for (const f of ["tokenizer.json", "tokenizer_config.json"])
    copyFileSync(join(tokSrc, f), join(modelDir, f));
  const modelBytes = built.dataBytes + statSync(built.modelPath).size;

  // one prompt of exactly TOKENS tokens (BOS included): pile text cut by binary search on length
  const tok = await loadHfTokenizer(modelDir);
  const pile = readFileSync(join(shared, "prompts", "pile_100.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l).text)
    .join("\n");
  const count = (chars) => tokenizePrompt(tok, pile.slice(0, chars), { prependBos: true }).tokenIds.length;
  let lo = 1;
  let hi = pile.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (count(mid) < TOKENS) lo = mid + 1;
    else hi = mid;
  }
  const text = pile.slice(0, lo);
  const n = count(lo);
  const promptsPath = join(work, "prompt.jsonl");
  writeFileSync(promptsPath, `${JSON.stringify({ text })}\n`);

  const cacheDir = join(work, "cache");
  const pm = await openPatternModel({ model: modelDir, cacheDir });
  const method = pm.instrumented.plan.method;
  await pm.close();

  const savePath = join(work, "save");
  const opts = {
    model: modelDir,
    prompts: promptsPath,
    minChars: 1,
    maxChars: 1e9,
    cacheDir,
    ...EXTRA,
    savePath,
  };
  const r = JSON.parse(
    execFileSync(process.execPath, [self, "--child", JSON.stringify(opts)], {
      encoding: "utf8",
      maxBuffer: 1 << 24,
    })
      .trim()
      .split("\n")
      .at(-1),
  );
  const [npz] = npzFiles(savePath);
  const size = statSync(npz).size;
  const checkLoad = load();
  const check = JSON.parse(
    execFileSync(process.execPath, [self, "--check", npz, String(CFG.layers), String(CFG.heads), String(n)], {
      encoding: "utf8",
      maxBuffer: 1 << 24,
    })
      .trim()
      .split("\n")
      .at(-1),
  );
  failed = check.problems.length > 0;
  const layerMb = (CFG.heads * n * n * 4) / 1e6;
  const budget = modelBytes / 1e6 + 2 * layerMb;
  console.log(
    `\n${n}-token run: Llama-shaped graph, context ${CFG.ctx} (${CFG.layers} layers, ${CFG.heads}/${CFG.kvHeads} heads of ${CFG.headDim}, hidden ${CFG.hidden}, MLP ${CFG.mlp}, vocab ${CFG.vocab}, float32), capture method ${method}, default options; ${cpus().length} CPUs\n`,
  );
  console.log(
    "| tokens | end to end (s) | pipeline (s) | tokens/s | peak RSS (MB) | model (MB) | one layer's patterns (MB) | model + two layers (MB) | peak / (model + two layers) | npz (MB) | layer by layer | npz check (one layer at a time) | checker peak RSS (MB) | load average (run; check) |",
  );
  console.log("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|---|---:|---|");
  console.log(
    `| ${n} | ${r.wall.toFixed(1)} | ${(r.summary.elapsedMs / 1000).toFixed(1)} | ${(n / r.wall).toFixed(0)} | ${r.maxRssMb.toFixed(0)} | ${(modelBytes / 1e6).toFixed(0)} | ${layerMb.toFixed(0)} | ${budget.toFixed(0)} | ${(r.maxRssMb / budget).toFixed(2)} | ${(size / 1e6).toFixed(0)} | ${r.summary.streamed ? "yes" : "no"} | ${failed ? `FAILED: ${check.problems.slice(0, 3).join("; ")}` : `${check.members} members [1, ${CFG.heads}, ${n}, ${n}] <f4; rows 0, 1, ${n >> 1}, ${n - 1} of every head sum to 1 (worst ${check.worst.toExponential(1)}), 0 past the diagonal`} | ${check.maxRssMb.toFixed(0)} | ${r.load.split(" ")[0]}; ${checkLoad.split(" ")[0]} |`,
  );
  console.log(`\nload average at end: ${load()}`);
} finally {
  if (process.env.BENCH_KEEP) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
if (failed) process.exit(1);
