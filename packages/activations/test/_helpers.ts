import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeNpz, type NpyArray, toFloat32 } from "@pattern-lens/indexes";
import { afterAll, expect } from "vitest";
import { sharedPath } from "#test-support/shared.ts";
import { type PatternModel, runPatternBatch } from "../src/index.ts";
import { openLayerStreamer } from "../src/layer-stream.ts";

const made: string[] = [];
// every test file importing this module removes the folders it made once its tests are done
afterAll(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh temp folder, removed after the test file's tests. */
export function tempDir(prefix = "pl-act-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/** The gpt2-tiny-torch reference prompts (text, tokens, input_ids). */
export interface RefPrompt {
  text: string;
  tokens: string[];
  input_ids: number[];
}

export function gpt2TinyDir(): string {
  return sharedPath("models", "gpt2-tiny-torch");
}

export function gpt2TinyPrompts(): RefPrompt[] {
  return readFileSync(join(gpt2TinyDir(), "reference", "prompts.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as RefPrompt);
}

export function gpt2TinyReference(j: number): Map<string, NpyArray> {
  return decodeNpz(new Uint8Array(readFileSync(join(gpt2TinyDir(), "reference", `prompt${j}.npz`))));
}

/** Max |a - b| over two equally long arrays (throws on a length mismatch). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

export { toFloat32 };

/**
 * JS reference attention: softmax(Q Kᵀ · scale + causal mask) per head, in float64.
 * `q`, `k`: `[n, nHeads * dh]` row-major (head h uses columns h*dh..h*dh+dh-1); K heads may be
 * fewer (grouped-query: query head h reads KV head floor(h / (nHeads / nKv))).
 * Returns `[nHeads, n, n]`.
 */
export function referenceAttention(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  n: number,
  nHeads: number,
  dh: number,
  scale: number,
  nKv = nHeads,
): Float64Array {
  const out = new Float64Array(nHeads * n * n);
  const group = nHeads / nKv;
  for (let h = 0; h < nHeads; h++) {
    const kh = Math.floor(h / group);
    for (let i = 0; i < n; i++) {
      const row = new Float64Array(i + 1);
      let max = -Infinity;
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let d = 0; d < dh; d++)
          s += (q[i * nHeads * dh + h * dh + d] as number) * (k[j * nKv * dh + kh * dh + d] as number);
        row[j] = s * scale;
        max = Math.max(max, row[j] as number);
      }
      let sum = 0;
      for (let j = 0; j <= i; j++) {
        row[j] = Math.exp((row[j] as number) - max);
        sum += row[j] as number;
      }
      for (let j = 0; j <= i; j++) out[(h * n + i) * n + j] = (row[j] as number) / sum;
    }
  }
  return out;
}

/** `x [n, din] · w [din, dout] (+ b)`, with `w` columns `c0..c1` only. */
export function matmulCols(
  x: ArrayLike<number>,
  n: number,
  din: number,
  w: ArrayLike<number>,
  dout: number,
  c0: number,
  c1: number,
  b?: ArrayLike<number>,
): Float64Array {
  const m = c1 - c0;
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < m; c++) {
      let s = b ? (b[c0 + c] as number) : 0;
      for (let d = 0; d < din; d++) s += (x[i * din + d] as number) * (w[d * dout + c0 + c] as number);
      out[i * m + c] = s;
    }
  }
  return out;
}

/**
 * Runs `ids` layer by layer (see `openLayerStreamer`) and checks each layer, in order, against the
 * whole-model run of the same prompt: the same float32 bits.
 */
export async function expectLayerByLayerLikeWhole(pm: PatternModel, ids: number[]): Promise<void> {
  const [whole] = await runPatternBatch(pm, [ids]);
  const streamer = await openLayerStreamer(pm);
  if (!streamer) throw new Error("expected the graph to split by layer");
  const seen: number[] = [];
  try {
    await streamer.run(ids, async (l, p) => {
      seen.push(l);
      expect(p.nHeads).toBe(whole?.layers[l]?.nHeads);
      const w = whole?.layers[l]?.data ?? new Float32Array(0);
      expect(Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength)).toEqual(
        Buffer.from(w.buffer, w.byteOffset, w.byteLength),
      );
    });
  } finally {
    await streamer.close();
  }
  expect(seen).toEqual([...Array(pm.nLayers).keys()]);
}
