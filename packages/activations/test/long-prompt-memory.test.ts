import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { openNpzReaderSync } from "@pattern-lens/indexes/node";
import { GraphBuilder } from "@pattern-lens/onnx";
import { describe, expect, it } from "vitest";
import { runTsChild } from "#test-support/child.ts";
import { tempDir } from "./_helpers.ts";

// An attention-only decoder whose patterns are big next to everything else: 16 layers x 4 heads
// at 1,536 tokens is 604 MB of float32 patterns (38 MB a layer), its weights a few kB.
const L = 16;
const H = 4;
const DH = 4;
const V = 64;
const CTX = 2048;
const N = 1536;

function rand(seed: number, n: number, scale: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 4294967296 - 0.5) * 2 * scale;
  }
  return out;
}

function longModel(L: number, H: number): Uint8Array {
  const D = H * DH;
  const b = new GraphBuilder({ opset: 17 });
  const ids = b.input("input_ids", "int64", ["batch_size", "sequence_length"]);
  const mask = b.input("attention_mask", "int64", ["batch_size", "sequence_length"]);
  const pos = b.input("position_ids", "int64", ["batch_size", "sequence_length"]);
  b.float32("wte", [V, D], rand(1, V * D, 1));
  b.float32("wpe", [CTX, D], rand(2, CTX * D, 0.5));
  let x = b.add(b.gather("wte", ids), b.gather("wpe", pos));
  const keypad = b.unsqueeze(b.equal(mask, b.constInt64(0)), [1, 2]);
  const seq = b.squeeze(b.shape(ids, 1, 2), [0]);
  const r = b.range(b.constInt64(0), seq, b.constInt64(1));
  const future = b.node("Greater", [b.unsqueeze(r, [0]), b.unsqueeze(r, [1])])[0] as string;
  const blocked = b.node("Or", [future, keypad])[0] as string;
  const neg = b.constFloat(-3.4028234663852886e38);
  const scale = b.constFloat(1 / Math.sqrt(DH));
  const heads = (t: string, perm: number[]) => b.transpose(b.reshape(t, [0, 0, H, DH]), perm);
  for (let l = 0; l < L; l++) {
    for (const [k, seed] of [
      ["q", 10],
      ["k", 20],
      ["v", 30],
      ["o", 40],
    ] as const)
      b.float32(`w.${l}.${k}`, [D, D], rand(seed + l, D * D, k === "o" ? 0.1 : 0.5));
    const q = heads(b.matMul(x, `w.${l}.q`), [0, 2, 1, 3]);
    const k = heads(b.matMul(x, `w.${l}.k`), [0, 2, 3, 1]);
    const v = heads(b.matMul(x, `w.${l}.v`), [0, 2, 1, 3]);
    const probs = b.softmax(b.where(blocked, neg, b.mul(b.matMul(q, k), scale)), -1, {
      name: `/h.${l}/attn/Softmax`,
    });
    const ctx = b.reshape(b.transpose(b.matMul(probs, v), [0, 2, 1, 3]), [0, 0, D]);
    x = b.add(x, b.matMul(ctx, `w.${l}.o`));
  }
  b.output(x, "hidden");
  return b.toBytes();
}

/**
 * Runs `activationsMain` in a child process on one prompt of `tokens` tokens (letters stepping by
 * `step`) with `model`; returns the child's summary, its peak RSS and the save path.
 */
async function runLongChild(
  dir: string,
  model: string,
  tokens: number,
  step: number,
  options: Record<string, unknown>,
): Promise<{
  summary: { tokens: number; streamed: number; lean: number; hashes: [string] };
  maxRss: number;
  savePath: string;
}> {
  const prompts = join(dir, `p${tokens}.jsonl`);
  const text = Array.from({ length: tokens - 1 }, (_, i) => String.fromCharCode(97 + ((i * step) % 26))).join(
    "",
  );
  writeFileSync(prompts, `${JSON.stringify({ text })}\n`);
  const savePath = join(dir, `save${tokens}`);
  const r = await runTsChild(
    import.meta.url,
    join(import.meta.dirname, "fixtures/long-prompt-child.ts"),
    ["indexes/node", "indexes/schemas", "indexes", "onnx/node", "onnx"],
    { model, prompts, savePath, cacheDir: join(dir, "cache"), minChars: 1, maxChars: 1e9, ...options },
  );
  expect(r.code, r.stderr).toBe(0);
  return { ...JSON.parse(r.stdout.trim().split("\n").at(-1) as string), savePath };
}

describe("a long prompt in bounded memory", () => {
  it("1,536 tokens x 16 layers (604 MB of patterns) stream under a 560 MB peak RSS, every layer saved", async () => {
    const ceiling = 560 * 1024 * 1024;
    const patternBytes = L * H * N * N * 4;
    // holding every layer at once could not fit: the patterns alone exceed the ceiling
    expect(patternBytes).toBeGreaterThan(ceiling);
    const dir = tempDir();
    const model = join(dir, "long.onnx");
    writeFileSync(model, longModel(L, H));
    const { summary, maxRss, savePath } = await runLongChild(dir, model, N, 7, {
      maxMemory: ceiling, // --max-memory 560M
    });
    expect(summary.tokens).toBe(N);
    expect(summary.streamed).toBe(1);
    expect(maxRss).toBeLessThan(ceiling);
    const npz = openNpzReaderSync(join(savePath, "long", "prompts", summary.hashes[0], "activations.npz"));
    try {
      expect(npz.names).toHaveLength(L);
      const last = npz.readSync(`blocks.${L - 1}.attn.hook_pattern`);
      expect(last.shape).toEqual([1, H, N, N]);
      // every row of the last head sums to 1 over its causal keys
      const data = last.data as Float32Array;
      const h = H - 1;
      for (const q of [0, 1, N - 1]) {
        let sum = 0;
        for (let k = 0; k < N; k++) sum += data[(h * N + q) * N + k] as number;
        expect(sum).toBeCloseTo(1, 4);
      }
    } finally {
      npz.close();
    }
  }, 120_000);

  it("lean: 2,048 tokens x 3 layers of 16 heads (268 MB a layer) peak under three layers over a 16-token run", async () => {
    // overlapped, about four layers are held (1,074 MB with nothing else), over the 900 MB budget:
    // the run must go lean, computing and writing one layer at a time and collecting each one
    const [l, h, n] = [3, 16, 2048];
    const layer = h * n * n * 4;
    const budget = 900 * 1024 * 1024;
    expect(4 * layer).toBeGreaterThan(budget);
    const dir = tempDir();
    const model = join(dir, "lean.onnx");
    writeFileSync(model, longModel(l, h));
    const run = (tokens: number) =>
      runLongChild(dir, model, tokens, 5, { maxMemory: budget, compressLevel: 1 });
    // the same process with a prompt of 16 tokens: Node, ONNX Runtime, the model, the code
    const base = await run(16);
    expect([base.summary.streamed, base.summary.lean]).toEqual([0, 0]);
    const { summary, maxRss, savePath } = await run(n);
    expect([summary.tokens, summary.streamed, summary.lean]).toEqual([n, 1, 1]);
    // ONNX Runtime's output and its copy handed over, plus this run's fixed costs over the base
    // (the weights fed as inputs, zlib, heap growth); overlapped it is about 4.5 layers
    expect(maxRss - base.maxRss).toBeLessThan(3 * layer);
    const npz = openNpzReaderSync(join(savePath, "lean", "prompts", summary.hashes[0], "activations.npz"));
    try {
      expect(npz.names).toHaveLength(l);
      const last = npz.readSync(`blocks.${l - 1}.attn.hook_pattern`);
      expect(last.shape).toEqual([1, h, n, n]);
      const data = last.data as Float32Array;
      for (const q of [0, 1, n - 1]) {
        let sum = 0;
        for (let k = 0; k < n; k++) sum += data[((h - 1) * n + q) * n + k] as number;
        expect(sum).toBeCloseTo(1, 4);
        if (q + 1 < n) expect(data[((h - 1) * n + q) * n + q + 1]).toBe(0); // causal
      }
    } finally {
      npz.close();
    }
  }, 180_000);
});
