/**
 * Parse a llama2.c checkpoint (karpathy/llama2.c `run.c` format, "version 0"): a 7 × int32 header
 * (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len; a negative vocab_size means
 * the classifier is not shared with the embedding), then float32 weights in a fixed order.
 */
import { Llama2cError } from "./errors.ts";

/** The header of a llama2.c checkpoint. */
export interface Llama2cConfig {
  dim: number;
  hiddenDim: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  vocabSize: number;
  seqLen: number;
  /** True when the classifier is the token embedding (header vocab_size > 0). */
  sharedClassifier: boolean;
  /** `dim / nHeads`. */
  headSize: number;
}

/**
 * The weights, as float32 views into the checkpoint bytes (row-major, llama2.c layout: every
 * matrix is `[out, in]`, per-layer tensors stacked on a leading layer axis).
 */
export interface Llama2cWeights {
  /** `[vocab, dim]` */
  tokenEmbedding: Float32Array;
  /** `[layers, dim]` */
  rmsAtt: Float32Array;
  /** `[layers, dim, dim]` (out = n_heads·head_size) */
  wq: Float32Array;
  /** `[layers, kv_dim, dim]` */
  wk: Float32Array;
  /** `[layers, kv_dim, dim]` */
  wv: Float32Array;
  /** `[layers, dim, dim]` */
  wo: Float32Array;
  /** `[layers, dim]` */
  rmsFfn: Float32Array;
  /** `[layers, hidden, dim]` */
  w1: Float32Array;
  /** `[layers, dim, hidden]` */
  w2: Float32Array;
  /** `[layers, hidden, dim]` */
  w3: Float32Array;
  /** `[dim]` */
  rmsFinal: Float32Array;
  /** `[vocab, dim]`: the embedding itself when shared. */
  wcls: Float32Array;
}

/** A parsed checkpoint. */
export interface Llama2cCheckpoint {
  config: Llama2cConfig;
  weights: Llama2cWeights;
}

const HEADER_BYTES = 28;

function corrupt(message: string): Llama2cError {
  return new Llama2cError(
    "PL_MODELS_LLAMA2C_CORRUPT",
    `${message}. Is this a llama2.c checkpoint (.bin written by export.py --version 0 or the tinyllamas downloads)?`,
  );
}

/**
 * Parses checkpoint bytes. Weight arrays are views when the bytes are 4-byte aligned (a copy is
 * made otherwise).
 * @throws {Llama2cError} `PL_MODELS_LLAMA2C_CORRUPT` when the header is implausible or the size does not match.
 */
export function parseLlama2cCheckpoint(bytes: Uint8Array): Llama2cCheckpoint {
  if (bytes.length < HEADER_BYTES)
    throw corrupt(`file has ${bytes.length} bytes, less than the 28-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = Array.from({ length: 7 }, (_, i) => view.getInt32(i * 4, true));
  const [dim, hiddenDim, nLayers, nHeads, nKvHeads, rawVocab, seqLen] = h as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const vocabSize = Math.abs(rawVocab);
  const positive = [dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize, seqLen];
  if (positive.some((v) => v <= 0 || v > 1 << 24)) throw corrupt(`implausible header [${h.join(", ")}]`);
  if (dim % nHeads !== 0 || nHeads % nKvHeads !== 0) {
    throw corrupt(`header [${h.join(", ")}]: dim must divide by n_heads and n_heads by n_kv_heads`);
  }
  const headSize = dim / nHeads;
  if (headSize % 2 !== 0) throw corrupt(`head size ${headSize} is odd; RoPE needs pairs`);
  const kvDim = nKvHeads * headSize;
  const shared = rawVocab > 0;
  const sizes = {
    tokenEmbedding: vocabSize * dim,
    rmsAtt: nLayers * dim,
    wq: nLayers * dim * dim,
    wk: nLayers * dim * kvDim,
    wv: nLayers * dim * kvDim,
    wo: nLayers * dim * dim,
    rmsFfn: nLayers * dim,
    w1: nLayers * hiddenDim * dim,
    w2: nLayers * dim * hiddenDim,
    w3: nLayers * hiddenDim * dim,
    rmsFinal: dim,
    freqCisReal: (seqLen * headSize) / 2,
    freqCisImag: (seqLen * headSize) / 2,
    wcls: shared ? 0 : vocabSize * dim,
  };
  const floats = Object.values(sizes).reduce((a, b) => a + b, 0);
  const expected = HEADER_BYTES + floats * 4;
  if (bytes.length !== expected) {
    throw corrupt(
      `size mismatch: header [${h.join(", ")}] needs ${expected} bytes, the file has ${bytes.length}`,
    );
  }
  const aligned = (bytes.byteOffset + HEADER_BYTES) % 4 === 0;
  const body = aligned
    ? new Float32Array(bytes.buffer, bytes.byteOffset + HEADER_BYTES, floats)
    : new Float32Array(Uint8Array.from(bytes.subarray(HEADER_BYTES, HEADER_BYTES + floats * 4)).buffer);
  let at = 0;
  const take = (n: number) => {
    const a = body.subarray(at, at + n);
    at += n;
    return a;
  };
  const tokenEmbedding = take(sizes.tokenEmbedding);
  const weights: Llama2cWeights = {
    tokenEmbedding,
    rmsAtt: take(sizes.rmsAtt),
    wq: take(sizes.wq),
    wk: take(sizes.wk),
    wv: take(sizes.wv),
    wo: take(sizes.wo),
    rmsFfn: take(sizes.rmsFfn),
    w1: take(sizes.w1),
    w2: take(sizes.w2),
    w3: take(sizes.w3),
    rmsFinal: take(sizes.rmsFinal),
    wcls: tokenEmbedding,
  };
  take(sizes.freqCisReal);
  take(sizes.freqCisImag);
  if (!shared) weights.wcls = take(sizes.wcls);
  return {
    config: {
      dim,
      hiddenDim,
      nLayers,
      nHeads,
      nKvHeads,
      vocabSize,
      seqLen,
      sharedClassifier: shared,
      headSize,
    },
    weights,
  };
}
