// Planning a run: the prompts' jobs (tokenized, cut to the context), which of them run layer by
// layer (a memory estimate against --max-memory), and the batches of the others.
import { statSync } from "node:fs";
import { inShard, promptHash, type Shard } from "@pattern-lens/indexes";
import { type PatternModel, runPatternBatch } from "./capture.ts";
import { ActivationsError } from "./errors.ts";
import type { PromptRecord } from "./prompts.ts";
import { tokenizePrompt } from "./tokenizer.ts";

/** One prompt to compute. */
export interface Job {
  record: PromptRecord;
  hash: string;
  /** Whether prompt.json existed when the run was planned (see PromptClaims). */
  hadPromptJson: boolean;
  tokens: string[];
  tokenIds: number[];
  truncated: boolean;
  droppedTokens: number;
}

/**
 * Tokenizes the prompts (cut to the model's context), drops repeats, other shards' prompts and
 * empty ones (with a warning).
 * @throws {ActivationsError} `PL_ACTIVATIONS_TOKENIZER_INVALID` for ids outside the vocabulary.
 */
export function planJobs(
  pm: PatternModel,
  records: PromptRecord[],
  o: { prependBos: boolean; shard?: Pick<Shard, "index" | "count"> | undefined; warn: (m: string) => void },
): Job[] {
  const vocab = typeof pm.source.config.vocab_size === "number" ? pm.source.config.vocab_size : undefined;
  const jobs: Job[] = [];
  const seen = new Set<string>();
  for (const record of records) {
    const hash = promptHash(record.text);
    if (seen.has(hash) || !inShard(hash, o.shard)) continue;
    seen.add(hash);
    const tok = tokenizePrompt(pm.tokenizer, record.text, {
      prependBos: o.prependBos,
      ...(pm.nCtx !== undefined ? { maxTokens: pm.nCtx } : {}),
    });
    if (tok.tokenIds.length === 0) {
      o.warn(`prompt ${hash}: no tokens, skipped`);
      continue;
    }
    const bad = vocab === undefined ? undefined : tok.tokenIds.find((id) => id >= vocab);
    if (bad !== undefined) {
      throw new ActivationsError(
        "PL_ACTIVATIONS_TOKENIZER_INVALID",
        `the tokenizer produced id ${bad}, but the model's vocabulary has ${vocab} entries: tokenizer.json does not belong to this model.`,
      );
    }
    jobs.push({ record, hash, hadPromptJson: false, ...tok });
  }

  return jobs;
}

/** The number of heads: config.json, else the instrumented graph, else one probe token. */
export async function countHeads(pm: PatternModel, jobs: Job[]): Promise<number> {
  const c = pm.source.config;
  let nHeads = [c.n_head, c.num_attention_heads, c.n_heads].find((v) => typeof v === "number") as
    | number
    | undefined;
  nHeads ??= pm.instrumented.plan.nHeads;
  if (nHeads === undefined) {
    const [probe] = await runPatternBatch(pm, [[jobs[0]?.tokenIds[0] ?? 0]]);
    nHeads = probe?.layers[0]?.nHeads ?? 1;
  }

  return nHeads;
}

/** Bytes of the model's weights on disk (the `.onnx` and its external data files beside it). */
export function modelBytes(pm: PatternModel): number {
  const path = pm.source.onnxPath;
  let total = 0;
  for (const p of [path, `${path}.data`, `${path}_data`]) {
    try {
      total += statSync(p).size;
    } catch {}
  }
  return total;
}

/**
 * Peak memory of running one prompt of `n` tokens with all layers at once, estimated: the
 * model, plus about 2.5 copies of every layer's float32 patterns (ONNX Runtime's outputs and
 * working tensors, and the arrays being written). Measured on a GPT-2-small shape at 2,000
 * tokens: 5.5 GB peak RSS for 2.3 GB of patterns and 0.65 GB of weights.
 */
export function wholeRunBytes(model: number, nLayers: number, nHeads: number, n: number): number {
  return model + 2.5 * nLayers * nHeads * n * n * 4;
}

/**
 * Whether a prompt of `n` tokens run layer by layer should run lean (nothing overlapped, no
 * ONNX Runtime arena; see `LayerStreamer.run`): overlapped, about four layers of its patterns are
 * held at once (ONNX Runtime's output and working copy kept in its arena, the output's copy
 * handed over, the previous layer being written), and with the model that would exceed
 * `maxMemory`. Lean holds about two. A model bigger than half of `maxMemory` leaves the patterns
 * half of it, so a 1B-class model (6 GB) still overlaps its short prompts' small layers.
 */
export function streamLean(model: number, nHeads: number, n: number, maxMemory: number): boolean {
  const overlapped = 4 * nHeads * n * n * 4;
  return overlapped > maxMemory - Math.min(model, maxMemory / 2);
}

/**
 * Splits jobs into those run layer by layer (their all-layers run would exceed `maxMemory`, or
 * they have at least `streamFromTokens` tokens) and those batched.
 */
export function splitByMemory(
  jobs: Job[],
  est: {
    model: number;
    nLayers: number;
    nHeads: number;
    maxMemory: number;
    streamFromTokens?: number | undefined;
  },
): { streamed: Job[]; batched: Job[] } {
  const streamed: Job[] = [];
  const batched: Job[] = [];
  for (const j of jobs) {
    const n = j.tokenIds.length;
    const big =
      wholeRunBytes(est.model, est.nLayers, est.nHeads, n) > est.maxMemory ||
      (est.streamFromTokens !== undefined && n >= est.streamFromTokens);
    (big ? streamed : batched).push(j);
  }
  return { streamed, batched };
}

/** Splits jobs (longest first) into batches of at most `size` prompts and `maxBytes` of patterns. */
export function makeBatches(jobs: Job[], size: number, bytesPerToken2: number, maxBytes: number): Job[][] {
  const sorted = [...jobs].sort((a, b) => b.tokenIds.length - a.tokenIds.length);
  const batches: Job[][] = [];
  let cur: Job[] = [];
  let curLen = 0;
  for (const j of sorted) {
    const len = Math.max(curLen, j.tokenIds.length);
    const bytes = (cur.length + 1) * len * len * bytesPerToken2;
    if (cur.length > 0 && (cur.length >= size || bytes > maxBytes)) {
      batches.push(cur);
      cur = [];
    }
    if (cur.length === 0) curLen = j.tokenIds.length;
    cur.push(j);
  }
  if (cur.length > 0) batches.push(cur);
  return batches;
}
