/**
 * A float64 forward pass of the demo model in plain JavaScript: the attention patterns and logits
 * the ONNX graph should produce, for tests and for reading the circuits step by step.
 */
import { DEMO_CONFIG, type DemoWeights, demoWeights } from "./weights.ts";

/** What {@link demoReferenceForward} returns for one prompt of `n` tokens. */
export interface DemoReference {
  /** Per layer, `[n_heads, n, n]` row-major attention probabilities. */
  patterns: Float64Array[];
  /** `[n, vocab]` row-major logits. */
  logits: Float64Array;
}

/** Runs the demo model on `ids` (BOS included) in float64. */
export function demoReferenceForward(
  ids: readonly number[],
  weights: DemoWeights = demoWeights(),
): DemoReference {
  const { nHeads, dHead, dModel, vocabSize } = DEMO_CONFIG;
  const n = ids.length;
  const x = new Float64Array(n * dModel);
  for (let i = 0; i < n; i++) {
    const t = ids[i] as number;
    for (let d = 0; d < dModel; d++) {
      x[i * dModel + d] = (weights.wte[t * dModel + d] as number) + (weights.wpe[i * dModel + d] as number);
    }
  }
  const mm = (a: Float64Array, w: Float32Array, cols: number): Float64Array => {
    const out = new Float64Array(n * cols);
    for (let i = 0; i < n; i++) {
      for (let d = 0; d < dModel; d++) {
        const av = a[i * dModel + d] as number;
        if (av === 0) continue;
        for (let c = 0; c < cols; c++)
          out[i * cols + c] = (out[i * cols + c] as number) + av * (w[d * cols + c] as number);
      }
    }
    return out;
  };
  const patterns: Float64Array[] = [];
  for (const lw of weights.layers) {
    const q = mm(x, lw.q, dModel);
    const k = mm(x, lw.k, dModel);
    const v = mm(x, lw.v, dModel);
    const probs = new Float64Array(nHeads * n * n);
    const merged = new Float64Array(n * dModel);
    const row = new Float64Array(n);
    for (let h = 0; h < nHeads; h++) {
      const off = h * dHead;
      for (let i = 0; i < n; i++) {
        let max = -Infinity;
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let d = 0; d < dHead; d++)
            s += (q[i * dModel + off + d] as number) * (k[j * dModel + off + d] as number);
          row[j] = s / Math.sqrt(dHead);
          if ((row[j] as number) > max) max = row[j] as number;
        }
        let sum = 0;
        for (let j = 0; j <= i; j++) {
          row[j] = Math.exp((row[j] as number) - max);
          sum += row[j] as number;
        }
        for (let j = 0; j <= i; j++) {
          const p = (row[j] as number) / sum;
          probs[(h * n + i) * n + j] = p;
          if (p === 0) continue;
          for (let d = 0; d < dHead; d++)
            merged[i * dModel + off + d] =
              (merged[i * dModel + off + d] as number) + p * (v[j * dModel + off + d] as number);
        }
      }
    }
    patterns.push(probs);
    const o = mm(merged, lw.o, dModel);
    for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) + (o[i] as number);
  }
  return { patterns, logits: mm(x, weights.unembed, vocabSize) };
}
