/**
 * The demo model's weights, set by hand. The residual stream has named subspaces instead of learnt
 * features, and every head's query/key/value/output matrices read and write those subspaces
 * exactly, so each head implements one known attention pattern.
 *
 * Residual layout (`d_model` = 256):
 * - `TOK` (V dims): one-hot of the current token (token embedding);
 * - `PREV` (V dims): one-hot of the previous token, written by the previous-token head L0H0;
 * - `OUT` (V dims): the token the induction head L1H0 copies (read by the unembedding);
 * - `CONST`, `POS`, `POS2`: 1, p and p² for position p (position embedding).
 *
 * Position heads compare positions with a quadratic score: `-s·(j - t(i))²` is, up to a constant
 * per query row (which softmax ignores), the bilinear form `2s·t(i)·j - s·j²` of the features
 * (1, p, p²), so a query at `i` peaks at key `t(i)` with a margin of `s` over its neighbours.
 */
import { DEMO_VOCAB } from "./tokenizer.ts";

/** Shape of the demo model. */
export const DEMO_CONFIG = Object.freeze({
  nLayers: 2,
  nHeads: 4,
  dHead: 64,
  dModel: 256,
  nCtx: 256,
  vocabSize: DEMO_VOCAB.length,
});

/** What each head of the demo model was built to do, keyed `L{layer}H{head}`. */
export const DEMO_HEADS: Readonly<Record<string, string>> = Object.freeze({
  L0H0: "previous-token: attends to position i-1",
  L0H1: "first-token sink: attends to position 0 (BOS)",
  L0H2: "self: attends to its own position (the diagonal)",
  L0H3: "near-uniform: small random token scores, about 1/(i+1) everywhere",
  L1H0: "induction: attends to the token after an earlier occurrence of the current token (reads L0H0's output), else BOS",
  L1H1: "duplicate-token: attends equally to every occurrence of the current token so far, itself included",
  L1H2: "local window: attends to the last few positions, weights exp(-0.3·distance²)",
  L1H3: "two back: attends to position i-2",
});

const V = DEMO_VOCAB.length;
/** Start of each residual subspace. */
export const DEMO_RESIDUAL = Object.freeze({
  TOK: 0,
  PREV: V,
  OUT: 2 * V,
  CONST: 3 * V,
  POS: 3 * V + 1,
  POS2: 3 * V + 2,
});

/** Softmax sharpness of the position heads (margin, in logits, of the wanted key over the next best). */
export const POSITION_SCALE = 16;
/** Softmax sharpness of the token-matching heads (induction, duplicate); BOS gets half of it. */
export const MATCH_SCALE = 20;
/** Sharpness of the local-window head: score `-LOCAL_SCALE·distance²`. */
export const LOCAL_SCALE = 0.3;
/** Logit given to the token the induction head copies. */
export const UNEMBED_SCALE = 10;

/** One layer's attention weights, `[d_model, d_model]` row-major (`x @ W`), heads in column blocks. */
export interface DemoLayerWeights {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  o: Float32Array;
}

/** Every weight of the demo model. */
export interface DemoWeights {
  /** Token embedding `[vocab, d_model]`. */
  wte: Float32Array;
  /** Position embedding `[n_ctx, d_model]`. */
  wpe: Float32Array;
  layers: DemoLayerWeights[];
  /** Unembedding `[d_model, vocab]`. */
  unembed: Float32Array;
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** A head's slice of a layer's matrices; `set*` add the head's column/row offset. */
class HeadWriter {
  constructor(
    private readonly w: DemoLayerWeights,
    private readonly col: number,
  ) {}
  // The model multiplies scores by 1/sqrt(d_head) as GPT-2 does; queries carry sqrt(d_head) back.
  private static readonly QSCALE = Math.sqrt(DEMO_CONFIG.dHead);
  q(row: number, dim: number, value: number): void {
    this.w.q[row * DEMO_CONFIG.dModel + this.col + dim] = value * HeadWriter.QSCALE;
  }
  k(row: number, dim: number, value: number): void {
    this.w.k[row * DEMO_CONFIG.dModel + this.col + dim] = value;
  }
  v(row: number, dim: number, value: number): void {
    this.w.v[row * DEMO_CONFIG.dModel + this.col + dim] = value;
  }
  o(dim: number, residual: number, value: number): void {
    this.w.o[(this.col + dim) * DEMO_CONFIG.dModel + residual] = value;
  }
  /** Score `-s·(j - (i - shift))²` from the position features. */
  positionPeak(shift: number, s: number): void {
    const { CONST, POS, POS2 } = DEMO_RESIDUAL;
    this.q(POS, 0, 2 * s);
    this.q(CONST, 0, -2 * s * shift);
    this.q(CONST, 1, -s);
    this.k(POS, 0, 1);
    this.k(POS2, 1, 1);
  }
  /** Copies the attended token's one-hot (`TOK`) into the residual subspace starting at `to`. */
  copyTokenTo(to: number): void {
    for (let t = 0; t < V; t++) {
      this.v(DEMO_RESIDUAL.TOK + t, t, 1);
      this.o(t, to + t, 1);
    }
  }
}

/** Builds the demo model's weights (deterministic). */
export function demoWeights(): DemoWeights {
  const { dModel, nCtx, nLayers, dHead } = DEMO_CONFIG;
  const { TOK, PREV, OUT, CONST, POS, POS2 } = DEMO_RESIDUAL;
  const wte = new Float32Array(V * dModel);
  for (let t = 0; t < V; t++) wte[t * dModel + TOK + t] = 1;
  const wpe = new Float32Array(nCtx * dModel);
  for (let p = 0; p < nCtx; p++) {
    wpe[p * dModel + CONST] = 1;
    wpe[p * dModel + POS] = p;
    wpe[p * dModel + POS2] = p * p;
  }
  const layers: DemoLayerWeights[] = Array.from({ length: nLayers }, () => ({
    q: new Float32Array(dModel * dModel),
    k: new Float32Array(dModel * dModel),
    v: new Float32Array(dModel * dModel),
    o: new Float32Array(dModel * dModel),
  }));
  const head = (l: number, h: number) => new HeadWriter(layers[l] as DemoLayerWeights, h * dHead);

  // L0H0 previous token: peak at j = i - 1; writes the attended token into PREV.
  const prev = head(0, 0);
  prev.positionPeak(1, POSITION_SCALE);
  prev.copyTokenTo(PREV);
  // L0H1 first-token sink: score -s·j.
  const sink = head(0, 1);
  sink.q(CONST, 0, -POSITION_SCALE);
  sink.k(POS, 0, 1);
  // L0H2 self: peak at j = i.
  head(0, 2).positionPeak(0, POSITION_SCALE);
  // L0H3 near-uniform: small random bilinear form on token identities.
  const uni = head(0, 3);
  const rnd = lcg(7);
  for (let t = 0; t < V; t++) {
    for (let d = 0; d < 8; d++) {
      uni.q(TOK + t, d, (rnd() - 0.5) * 0.25);
      uni.k(TOK + t, d, (rnd() - 0.5) * 0.25);
    }
  }

  // L1H0 induction (K-composition with L0H0): query = current token, key = previous token (PREV);
  // BOS as default at half strength. Copies the attended token into OUT.
  const ind = head(1, 0);
  for (let t = 0; t < V; t++) {
    ind.q(TOK + t, t, MATCH_SCALE);
    ind.k(PREV + t, t, 1);
  }
  ind.q(CONST, V, MATCH_SCALE / 2);
  ind.k(TOK + 0, V, 1);
  ind.copyTokenTo(OUT);
  // L1H1 duplicate token: query = current token, key = token (the query's own position matches too).
  const dup = head(1, 1);
  for (let t = 0; t < V; t++) {
    dup.q(TOK + t, t, MATCH_SCALE);
    dup.k(TOK + t, t, 1);
  }
  // L1H2 local window: -LOCAL_SCALE·(j - i)².
  head(1, 2).positionPeak(0, LOCAL_SCALE);
  // L1H3 two back: peak at j = i - 2.
  head(1, 3).positionPeak(2, POSITION_SCALE);

  const unembed = new Float32Array(dModel * V);
  for (let t = 0; t < V; t++) unembed[(OUT + t) * V + t] = UNEMBED_SCALE;
  return { wte, wpe, layers, unembed };
}
