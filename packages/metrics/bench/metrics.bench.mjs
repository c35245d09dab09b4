// Metric throughput: every built-in metric on every head of synthetic causal patterns, in this
// thread (compute only), and the runner over a written data folder (npz read + compute + write),
// with 1 and 2 jobs. Runs against the built dist (`pnpm build` first; `pnpm bench` does that).
// Prints figures only; never fails on time.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { patternKey, promptHash } from "@pattern-lens/indexes";
import { writeNpzFile } from "@pattern-lens/indexes/node";
import { computePromptMetrics, listMetrics } from "../dist/index.js";
import { runMetrics } from "../dist/node.js";

const LAYERS = Number(process.env.BENCH_LAYERS ?? 6);
const HEADS = Number(process.env.BENCH_HEADS ?? 8);
const N = Number(process.env.BENCH_N ?? 256);
const PROMPTS = Number(process.env.BENCH_PROMPTS ?? 16);

function causalLayer(seed) {
  const data = new Float32Array(HEADS * N * N);
  let s = seed >>> 0;
  for (let h = 0; h < HEADS; h++) {
    for (let i = 0; i < N; i++) {
      let sum = 0;
      const row = (h * N + i) * N;
      for (let j = 0; j <= i; j++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        const v = Math.exp(4 * (s / 4294967296));
        data[row + j] = v;
        sum += v;
      }
      for (let j = 0; j <= i; j++) data[row + j] /= sum;
    }
  }
  return data;
}

const layers = Array.from({ length: LAYERS }, (_, l) => ({ nHeads: HEADS, n: N, data: causalLayer(l + 1) }));
const tokenIds = Array.from({ length: N }, (_, i) => (i * 7919) % 97);
const tokens = tokenIds.slice(1).map(String);
const metrics = listMetrics();
const opts = { excludeBos: false, excludeCurrentToken: false };

computePromptMetrics({ layers, tokens, tokenIds }, metrics, opts); // warm-up
const reps = 3;
let t = performance.now();
for (let r = 0; r < reps; r++) computePromptMetrics({ layers, tokens, tokenIds }, metrics, opts);
const perPrompt = (performance.now() - t) / reps;
console.log(
  `compute: ${metrics.length} metrics × ${LAYERS * HEADS} heads, n=${N}: ${perPrompt.toFixed(1)} ms/prompt (${((LAYERS * HEADS * metrics.length) / (perPrompt / 1000)).toFixed(0)} head-metrics/s)`,
);
for (const m of metrics) {
  t = performance.now();
  computePromptMetrics({ layers, tokens, tokenIds }, [m], opts);
  console.log(`  ${m.name.padEnd(16)} ${(performance.now() - t).toFixed(1)} ms`);
}

const save = mkdtempSync(join(tmpdir(), "pl-metrics-bench-"));
try {
  const model = "bench";
  const lines = [];
  for (let p = 0; p < PROMPTS; p++) {
    const text = `prompt ${p}`;
    const hash = promptHash(text);
    const dir = join(save, model, "prompts", hash);
    mkdirSync(dir, { recursive: true });
    const meta = { text, hash, n_tokens: N - 1, tokens, token_ids: tokenIds };
    writeFileSync(join(dir, "prompt.json"), JSON.stringify(meta));
    lines.push(JSON.stringify(meta));
    const entries = {};
    layers.forEach((l, i) => {
      entries[patternKey(i)] = { dtype: "<f4", shape: [1, HEADS, N, N], data: l.data };
    });
    await writeNpzFile(join(dir, "activations.npz"), entries, { compressLevel: 1 });
  }
  writeFileSync(join(save, model, "prompts.jsonl"), `${lines.join("\n")}\n`);
  for (const jobs of [1, 2]) {
    const s = await runMetrics({ savePath: save, model, jobs });
    const secs = s.elapsedMs / 1000;
    console.log(
      `runner: ${PROMPTS} prompts (${LAYERS}×${HEADS} heads, n=${N}), jobs=${jobs}: ${secs.toFixed(2)} s, ${(PROMPTS / secs).toFixed(1)} prompts/s`,
    );
  }
} finally {
  rmSync(save, { recursive: true, force: true });
}
