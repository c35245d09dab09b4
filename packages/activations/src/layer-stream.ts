import { collectGarbage } from "./_collect-garbage.ts";
import { weightFile } from "./_read-weight.ts";
import { cutRows, type LayerPattern, type PatternModel } from "./capture.ts";
import { ActivationsError } from "./errors.ts";
import { buildFeeds } from "./feeds.ts";
import { type LayerSegment, type LayerSegments, prepareLayerSegments } from "./layer-segments.ts";
import { type Device, type HostTensor, type OrtSession, openOrtWorker } from "./ort.ts";

/** Runs prompts one layer at a time; see {@link openLayerStreamer}. */
export interface LayerStreamer {
  /**
   * Runs one prompt (token ids, BOS included when wanted) layer by layer. Each layer's validated
   * pattern goes to `onLayer` as soon as it exists; the next layer runs (on the sessions' worker
   * thread) while `onLayer` works, and its pattern is handed over only once `onLayer` of the
   * previous one has resolved. So a caller that writes and drops each pattern holds about two
   * layers: the one being written and the one being computed.
   *
   * With `lean`, nothing overlaps: each layer's `onLayer` resolves before the next layer runs,
   * and ONNX Runtime returns its working memory after every layer instead of keeping it for the
   * next (no arena). Slower, but the peak is about two layers' patterns instead of four (ONNX
   * Runtime's output and its copy handed over; fused attention kernels hold their own copy
   * while they run), for prompts whose layers are too big to hold four times.
   * @throws {ActivationsError} `PL_ACTIVATIONS_PATTERN_INVALID` naming layer and head.
   */
  run(
    tokenIds: readonly number[],
    onLayer: (layer: number, pattern: LayerPattern) => Promise<void>,
    opts?: { lean?: boolean },
  ): Promise<void>;
  /** Ends the thread the per-layer sessions run on. */
  close(): Promise<void>;
}

/** Options of {@link openLayerStreamer}. */
export interface LayerStreamerOptions {
  device?: Device;
  intraOpNumThreads?: number;
}

/**
 * Opens the model split into one ONNX model per layer (built once and cached beside the
 * instrumented copy), for prompts whose patterns are too big to hold all at once. Each run
 * creates each layer's session when that layer's turn comes and releases it as soon as it has
 * run, so at any time ONNX Runtime holds one layer's weights and one layer's working memory
 * (its arena goes with the session). Sessions kept open for the whole prompt held every layer's
 * weights, and the process kept their freed working memory as heap it could not return (2.15 GB
 * peak against 1.3 GB for a GPT-2-small shape at 2,000 tokens). Only the values passed between
 * layers (residual stream, masks, the attention output) are kept between layers.
 *
 * Layers of the same structure run on one shared session instead (see `layer-template.ts`),
 * their weights read into the same buffers each time: memory touched for the first time costs
 * about 3 ms per MB on some machines (page faults), so a fresh session per layer spent more time
 * faulting in its working memory than computing. Returns `undefined` when the graph cannot be
 * split by layer (patterns inside `If` branches, or one node producing several layers).
 */
export async function openLayerStreamer(
  pm: PatternModel,
  opts: LayerStreamerOptions = {},
): Promise<LayerStreamer | undefined> {
  const split: LayerSegments | undefined = await prepareLayerSegments(pm.instrumented);
  if (split === undefined) return undefined;
  // one worker thread runs every layer's session, so this thread is free to compress meanwhile
  const worker = openOrtWorker();
  const sessionOptions = {
    ...(opts.device !== undefined ? { device: opts.device } : {}),
    ...(opts.intraOpNumThreads !== undefined ? { intraOpNumThreads: opts.intraOpNumThreads } : {}),
    ...(pm.instrumented.externalDataDir !== undefined
      ? { externalDataDir: pm.instrumented.externalDataDir }
      : {}),
  };
  // the last segment reading each carried value: it is dropped after that segment has run
  const lastUse = new Map<string, number>();
  // the last layer running on each shared model: its session is released after that layer
  const lastShared = new Map<string, number>();
  split.segments.forEach((seg, l) => {
    for (const c of seg.carriesIn) lastUse.set(c, l);
    if (seg.shared) lastShared.set(seg.shared.template, l);
  });
  const modelPath = pm.instrumented.path;
  const dataDir = pm.instrumented.externalDataDir;
  return {
    async run(tokenIds, onLayer, { lean = false } = {}) {
      const carries = new Map<string, HostTensor>();
      const shared = new Map<string, OrtSession>();
      let writing: Promise<void> = Promise.resolve();
      /**
       * Runs layer `l` and hands its pattern to `onLayer` once the previous layer's is written.
       * The pattern lives only in this call and in `onLayer`'s promise, so once that promise has
       * settled nothing holds it (see `lean` below).
       */
      const step = async (l: number, seg: LayerSegment): Promise<{ written: Promise<void> }> => {
        const key = seg.shared?.template;
        let session = key === undefined ? undefined : shared.get(key);
        if (session === undefined) {
          session = await worker.create(key ?? seg.path, {
            ...sessionOptions,
            ...(key !== undefined ? { memPattern: false } : {}),
            ...(lean ? { memArena: false } : {}),
          });
          if (key !== undefined) shared.set(key, session);
        }
        let out: Record<string, HostTensor>;
        try {
          out = await runSegment(session, seg, tokenIds, carries, l, { modelPath, dataDir });
        } finally {
          if (key === undefined || lastShared.get(key) === l) {
            if (key !== undefined) shared.delete(key);
            await session.dispose();
          }
        }
        for (const c of seg.carriesIn) if (lastUse.get(c) === l) carries.delete(c);
        for (const c of seg.carriesOut) {
          const t = out[c];
          if (t !== undefined) carries.set(c, t);
        }
        const t = out[seg.pattern];
        if (t === undefined)
          throw new ActivationsError(
            "PL_ACTIVATIONS_MODEL_INVALID",
            `layer ${l} did not return ${seg.pattern}.`,
          );
        const [pattern] = cutRows(t, l, [tokenIds], pm.causal);
        await writing;
        const written = onLayer(l, pattern as LayerPattern);
        written.catch(() => {}); // awaited before the next hand-over, or below
        return { written };
      };
      try {
        for (const [l, seg] of split.segments.entries()) {
          writing = (await step(l, seg)).written;
          if (lean) {
            // the pattern just written is garbage now; collect it before the next layer's run
            // needs as much again (the main thread idles meanwhile, so nothing else would)
            await writing;
            collectGarbage();
          }
        }
      } finally {
        for (const s of shared.values()) await s.dispose();
        await writing;
      }
    },
    async close() {
      await worker.close();
    },
  };
}

/** Runs one layer's segment with the carried values; returns its outputs under their graph names. */
async function runSegment(
  session: OrtSession,
  seg: LayerSegment,
  tokenIds: readonly number[],
  carries: Map<string, HostTensor>,
  l: number,
  weightsFrom: { modelPath: string; dataDir: string | undefined },
): Promise<Record<string, HostTensor>> {
  const graphMetas = session.inputs.filter((m) => seg.graphInputs.includes(m.name));
  const feeds = buildFeeds(graphMetas, { rows: [tokenIds], padId: 0 });
  for (const c of seg.carriesIn) {
    const t = carries.get(c);
    if (t === undefined)
      throw new ActivationsError(
        "PL_ACTIVATIONS_MODEL_INVALID",
        `layer ${l} needs ${c}, which no earlier layer returned.`,
      );
    feeds[seg.shared?.carriesIn[c] ?? c] = t;
  }
  if (!seg.shared) {
    const wanted = [seg.pattern, ...seg.carriesOut.filter((c) => c !== seg.pattern)];
    return session.run(feeds, wanted);
  }
  const names = Object.entries(seg.shared.outputs);
  const got = await session.run(
    feeds,
    names.map(([canon]) => canon),
    { weights: seg.shared.weights.map((w) => weightFile(w, weightsFrom.modelPath, weightsFrom.dataDir)) },
  );
  const out: Record<string, HostTensor> = {};
  for (const [canon, name] of names) {
    const t = got[canon];
    if (t !== undefined) out[name] = t;
  }
  return out;
}
