// Long-prompt benchmark of `activationsMain` (issue 14's case): a GPT-2-small-shaped graph with a
// 2,048-token context (random weights, built with @pattern-lens/onnx's GraphBuilder) and one prompt
// of BENCH_TOKENS tokens (default 2,000). Prints, per variant, medians of BENCH_RUNS interleaved
// fresh-process runs: end-to-end seconds (model open included, as a user waits for it), the
// pipeline's own seconds, peak RSS and npz size; and the forward pass alone (the plain graph,
// logits out, no capture) in a fresh process. Never fails on time.
//
//   BENCH_RUNS=3  BENCH_TOKENS=2000  BENCH_VARIANTS="default,whole" (see VARIANTS)
//   BENCH_OPTS='{"compressLevel":0}' (extra activationsMain options for every variant)  BENCH_KEEP=1 keeps
//   the model and prompt folder (printed)
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
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
import * as ort from "onnxruntime-node";
import { activationsMain, loadHfTokenizer, openPatternModel, tokenizePrompt } from "../dist/index.js";
import { buildGpt2Small, D, H, L, V } from "./gpt2-graph.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const self = fileURLToPath(import.meta.url);
const shared = resolve(process.env.PATTERN_LENS_SHARED ?? join(here, "..", "..", "..", "..", "shared"));
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TOKENS = Number(process.env.BENCH_TOKENS ?? 2000);
const CTX = 2048;
const EXTRA = JSON.parse(process.env.BENCH_OPTS ?? "{}");

/** Variants: extra options of activationsMain (the option names of the code under test). */
const VARIANTS = {
  default: {},
  whole: { streamFromTokens: 1e9, maxMemory: 1e15 },
  streamed: { streamFromTokens: 1, maxMemory: 1 },
  stored: { compressLevel: 0 },
  ...JSON.parse(process.env.BENCH_VARIANT_DEFS ?? "{}"),
};
const chosen = (process.env.BENCH_VARIANTS ?? "default,whole").split(",");

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const rssMb = () => process.resourceUsage().maxRSS / 1024;

function npzBytes(dir) {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile() && e.name === "activations.npz")
      total += statSync(join(e.parentPath ?? e.path, e.name)).size;
  return total;
}

if (process.argv[2] === "--build") {
  writeFileSync(process.argv[3], buildGpt2Small(CTX));
  process.exit(0);
}

if (process.argv[2] === "--child") {
  const opts = JSON.parse(process.argv[3]);
  const t = performance.now();
  const summary = await activationsMain(opts);
  const wall = (performance.now() - t) / 1000;
  const size = npzBytes(opts.savePath);
  rmSync(opts.savePath, { recursive: true, force: true });
  console.log(JSON.stringify({ summary, wall, size, maxRssMb: rssMb() }));
  process.exit(0);
}

if (process.argv[2] === "--forward") {
  // the forward pass alone: the plain graph (logits out), one prompt, warm session, median of 3
  const [model, idsJson] = process.argv.slice(3);
  const ids = JSON.parse(readFileSync(idsJson, "utf8"));
  const n = ids.length;
  const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: "all" });
  const t64 = (xs) => new ort.Tensor("int64", BigInt64Array.from(xs, BigInt), [1, n]);
  const feeds = {
    input_ids: t64(ids),
    attention_mask: t64(ids.map(() => 1)),
    position_ids: t64(ids.map((_, i) => i)),
  };
  await session.run(feeds);
  const times = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await session.run(feeds);
    times.push((performance.now() - t) / 1000);
  }
  console.log(JSON.stringify({ seconds: median(times), maxRssMb: rssMb() }));
  process.exit(0);
}

const work = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), "pl-bench-long-"));
try {
  const modelDir = join(work, "gpt2-small-2048");
  const modelPath = join(modelDir, "onnx", "model.onnx");
  mkdirSync(join(modelDir, "onnx"), { recursive: true });
  execFileSync(process.execPath, [self, "--build", modelPath], { stdio: "inherit" });
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
  const ids = tokenizePrompt(tok, text, { prependBos: true }).tokenIds;
  const promptsPath = join(work, "prompt.jsonl");
  writeFileSync(promptsPath, `${JSON.stringify({ text })}\n`);
  writeFileSync(join(work, "ids.json"), JSON.stringify(ids));
  console.log(
    `load average at start: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")} (${cpus().length} CPUs, machine shared with other engineers: judge the figures by it)`,
  );
  console.log(
    `GPT-2-small-shaped graph, context ${CTX}: ${(statSync(modelPath).size / 1e6).toFixed(0)} MB; one prompt of ${ids.length} tokens`,
  );

  // instrument once (cached), so every run below measures the pipeline, not the first-time prune
  const cacheDir = join(work, "cache");
  const pm = await openPatternModel({ model: modelDir, cacheDir });
  console.log(`capture method: ${pm.instrumented.plan.method}`);
  await pm.close();

  const common = { model: modelDir, prompts: promptsPath, minChars: 1, maxChars: 1e9, cacheDir, force: true };
  const rows = Object.fromEntries([...chosen, "forward"].map((k) => [k, []]));
  for (let r = 0; r < RUNS; r++) {
    for (const name of [...chosen, "forward"]) {
      if (name === "forward") {
        const out = execFileSync(process.execPath, [self, "--forward", modelPath, join(work, "ids.json")], {
          encoding: "utf8",
        });
        rows.forward.push(JSON.parse(out.trim().split("\n").at(-1)));
        continue;
      }
      const save = join(work, `save-${name}-${r}`);
      const opts = { ...common, ...EXTRA, ...VARIANTS[name], savePath: save };
      const out = execFileSync(process.execPath, [self, "--child", JSON.stringify(opts)], {
        encoding: "utf8",
        maxBuffer: 1 << 24,
      });
      rows[name].push(JSON.parse(out.trim().split("\n").at(-1)));
    }
  }
  const fwd = median(rows.forward.map((x) => x.seconds));
  console.log(
    `forward pass alone (plain graph, logits, warm session): median ${fwd.toFixed(2)} s (runs ${rows.forward.map((x) => x.seconds.toFixed(2)).join(", ")}), peak RSS ${median(rows.forward.map((x) => x.maxRssMb)).toFixed(0)} MB`,
  );
  for (const name of chosen) {
    const xs = rows[name];
    const wall = median(xs.map((x) => x.wall));
    const s = xs[0].summary;
    console.log(
      `${name.padEnd(10)}: end to end ${wall.toFixed(2)} s (runs ${xs.map((x) => x.wall.toFixed(2)).join(", ")}) = ${(wall / fwd).toFixed(2)}x the forward pass, pipeline ${median(xs.map((x) => x.summary.elapsedMs / 1000)).toFixed(2)} s, ${(s.tokens / wall).toFixed(0)} tokens/s; peak RSS ${median(xs.map((x) => x.maxRssMb)).toFixed(0)} MB (runs ${xs.map((x) => x.maxRssMb.toFixed(0)).join(", ")}); npz ${(xs[0].size / 1e6).toFixed(0)} MB; streamed ${s.streamed}`,
    );
  }
  console.log(
    `load average at end: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")}`,
  );
} finally {
  if (process.env.BENCH_KEEP) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
