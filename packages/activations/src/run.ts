import { existsSync, mkdirSync } from "node:fs";
import {
  modelCfgPath,
  modelDir,
  promptJsonPath,
  promptsIndexPath,
  sanitizeName,
} from "@pattern-lens/indexes";
import { buildModelsIndex, buildPromptsIndex, writeJsonFile } from "@pattern-lens/indexes/node";
import pkg from "../package.json" with { type: "json" };
import {
  finishPatternBatch,
  openPatternModel,
  type PatternModel,
  resumeSession,
  startPatternBatch,
  suspendSession,
} from "./capture.ts";
import { PromptClaims, removeLeftOverTemps } from "./claims.ts";
import { type LayerStreamer, openLayerStreamer } from "./layer-stream.ts";
import { buildModelCfg } from "./model-cfg.ts";
import { checkModelFolder } from "./model-folder.ts";
import {
  countHeads,
  type Job,
  makeBatches,
  modelBytes,
  planJobs,
  splitByMemory,
  streamLean,
} from "./plan.ts";
import { loadPrompts, type PromptRecord } from "./prompts.ts";
import { isDone, readPromptsIndex } from "./resume.ts";
import {
  type ActivationsOptions,
  type ActivationsSummary,
  checkOptions,
  DEFAULT_MAX_BATCH_BYTES,
  type RunSettings,
} from "./run-options.ts";
import { promptJson, wrapIo, writeStreamedNpz, writeWholeNpz } from "./write.ts";

export type {
  ActivationsOptions,
  ActivationsPlan,
  ActivationsProgress,
  ActivationsSummary,
} from "./run-options.ts";
export { defaultMaxMemory } from "./run-options.ts";

/**
 * Runs a model over prompts and saves every layer's attention pattern in the pattern-lens layout:
 * `<save>/<model>/prompts/<hash>/{prompt.json, activations.npz}`, `model_cfg.json`,
 * `prompts.jsonl` and `<save>/models.jsonl`. Already saved prompts are skipped unless `force`;
 * every file is written to a temp name and renamed, so an interrupted run resumes cleanly.
 * Compression of one batch overlaps the forward pass of the next.
 * @throws {ActivationsError} for every bad input (see the package README), never half-written files.
 */
export async function activationsMain(opts: ActivationsOptions): Promise<ActivationsSummary> {
  const settings = checkOptions(opts);
  const warn = settings.warn;
  // prompts first: bad prompt files fail before the model is loaded
  let records: PromptRecord[] | undefined;
  if (opts.prompts !== undefined) {
    const lp: Parameters<typeof loadPrompts>[1] = { onWarning: warn };
    if (opts.minChars !== undefined) lp.minChars = opts.minChars;
    if (opts.maxChars !== undefined) lp.maxChars = opts.maxChars;
    if (opts.shuffle) lp.shuffle = true;
    if (opts.seed !== undefined) lp.seed = opts.seed;
    if (opts.nSamples !== undefined) lp.nSamples = opts.nSamples;
    records = loadPrompts(opts.prompts, lp);
  }

  const open: Parameters<typeof openPatternModel>[0] = { model: opts.model };
  if (opts.tokenizer) open.tokenizer = opts.tokenizer;
  if (opts.device) open.device = opts.device;
  if (opts.cacheDir !== undefined) open.cacheDir = opts.cacheDir;
  if (opts.intraOpNumThreads !== undefined) open.intraOpNumThreads = opts.intraOpNumThreads;
  const pm = await openPatternModel(open);
  try {
    const modelName = settings.modelName ?? (sanitizeName(pm.source.defaultName) || "model");
    const save = opts.savePath.replace(/\/+$/, "") || "/";
    if (!records) {
      records = await readPromptsIndex(promptsIndexPath(save, modelName), warn);
      if (opts.nSamples !== undefined) records = records.slice(0, opts.nSamples);
    }
    return await runAll(pm, opts, records, { ...settings, save, modelName });
  } finally {
    await pm.close();
  }
}

async function runAll(
  pm: PatternModel,
  opts: ActivationsOptions,
  records: PromptRecord[],
  o: RunSettings & { save: string; modelName: string },
): Promise<ActivationsSummary> {
  const { save, modelName } = o;
  const jobs = planJobs(pm, records, { prependBos: o.prependBos, shard: opts.shard, warn: o.warn });
  const nHeads = await countHeads(pm, jobs);

  try {
    mkdirSync(modelDir(save, modelName), { recursive: true });
    const cfg = buildModelCfg(pm, modelName, nHeads, {
      version: pkg.version,
      dtype: o.dtype,
      compressLevel: o.level,
      compressStrategy: o.strategy,
      prependBos: o.prependBos,
      device: opts.device ?? "cpu",
    });
    checkModelFolder(save, modelName, cfg, opts.force ?? false, o.warn);
    await writeJsonFile(modelCfgPath(save, modelName), cfg);
  } catch (err) {
    wrapIo(err, `the model folder in ${save}`);
  }

  removeLeftOverTemps(save);
  removeLeftOverTemps(modelDir(save, modelName));
  const todo: Job[] = [];
  let skipped = 0;
  for (const job of jobs) {
    job.hadPromptJson = existsSync(promptJsonPath(save, modelName, job.hash));
    if (!opts.force && (await isDone(save, modelName, job, pm.nLayers, nHeads))) skipped++;
    else todo.push(job);
  }
  const claims = new PromptClaims(save, modelName, opts.claimStaleMs);
  const itemBytes = o.dtype === "float16" ? 2 : 4;
  opts.onStart?.({
    modelName,
    method: pm.instrumented.plan.method,
    total: jobs.length,
    todo: todo.length,
    nLayers: pm.nLayers,
    nHeads,
    todoTokens: todo.reduce((s, j) => s + j.tokenIds.length, 0),
    patternBytes: todo.reduce((s, j) => s + pm.nLayers * nHeads * j.tokenIds.length ** 2 * itemBytes, 0),
  });

  const model = modelBytes(pm);
  let { streamed: longJobs, batched: shortJobs } = splitByMemory(todo, {
    model,
    nLayers: pm.nLayers,
    nHeads,
    maxMemory: o.maxMemory,
    streamFromTokens: opts.streamFromTokens,
  });
  let streamer: LayerStreamer | undefined;
  if (longJobs.length > 0) {
    // the per-layer sessions hold the weights too: free the whole-model session meanwhile
    await suspendSession(pm);
    streamer = await openLayerStreamer(pm, {
      ...(opts.device !== undefined ? { device: opts.device } : {}),
      ...(opts.intraOpNumThreads !== undefined ? { intraOpNumThreads: opts.intraOpNumThreads } : {}),
    });
    if (streamer === undefined) {
      o.warn(
        `${longJobs.length} prompt(s) run with all layers at once although they need more than --max-memory that way: this model cannot be split by layer (its patterns come from inside If branches).`,
      );
      shortJobs = todo;
      longJobs = [];
      await resumeSession(pm);
    }
  }
  const bytesPerToken2 = nHeads * pm.nLayers * 4 * 2; // batch output + per-prompt copies
  const maxBatchBytes = Math.min(
    opts.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES,
    Math.max(o.maxMemory - model, 1),
  );
  const batches = makeBatches(shortJobs, o.batchSize, bytesPerToken2, maxBatchBytes);
  const start = performance.now();
  let done = skipped;
  let tokens = 0;
  let truncated = 0;
  let droppedTokens = 0;
  let leanCount = 0;
  const report = () =>
    opts.onProgress?.({ done, total: jobs.length, skipped, tokens, elapsedMs: performance.now() - start });
  report();

  const finishJob = async (job: Job) => {
    await writeJsonFile(promptJsonPath(save, modelName, job.hash), promptJson(job));
    await claims.release(job.hash);
    done++;
    tokens += job.tokenIds.length;
    if (job.truncated) truncated++;
    droppedTokens += job.droppedTokens;
    report();
  };

  /** Claims a batch's prompts; those another process has (or has done meanwhile) count as done here. */
  const claimBatch = async (batch: Job[]): Promise<Job[]> => {
    const doneBefore = claims.doneByOthers;
    const mine = await claims.take(batch);
    skipped += claims.doneByOthers - doneBefore;
    done += batch.length - mine.length;
    if (mine.length < batch.length) report();
    return mine;
  };

  try {
    if (streamer !== undefined) {
      try {
        for (const job of longJobs) {
          if ((await claimBatch([job])).length === 0) continue;
          const lean = streamLean(model, nHeads, job.tokenIds.length, o.maxMemory);
          if (lean) leanCount++;
          await writeStreamedNpz(save, modelName, job, streamer, o, lean);
          await finishJob(job);
        }
      } finally {
        await streamer.close();
      }
      if (batches.length > 0) await resumeSession(pm);
    }
    await runBatches(batches);
  } finally {
    await claims.releaseAll();
  }

  // three stages overlap: ONNX Runtime runs batch k+1 on its threads while this thread cuts and
  // validates batch k, and zlib (on the libuv pool) compresses batch k-1
  async function runBatches(all: Job[][]): Promise<void> {
    /** Claims a batch, then starts its forward pass; a batch another process has wholly is skipped. */
    const start1 = (b: Job[] | undefined) => {
      if (b === undefined) return undefined;
      const p = claimBatch(b).then(async (mine) => ({
        mine,
        raw:
          mine.length === 0
            ? undefined
            : await startPatternBatch(
                pm,
                mine.map((j) => j.tokenIds),
              ),
      }));
      p.catch(() => {}); // awaited below, or drained on error
      return p;
    };
    let pending: Promise<unknown> = Promise.resolve();
    let next = start1(all[0]);
    try {
      for (let k = 0; k < all.length; k++) {
        const { mine, raw } = await (next as NonNullable<typeof next>);
        next = start1(all[k + 1]);
        if (raw === undefined) continue;
        const results = finishPatternBatch(pm, raw);
        // the previous batch's compression ran on the thread pool during this forward pass
        await pending;
        pending = Promise.all(
          mine.map(async (job, i) => {
            await writeWholeNpz(save, modelName, job, results[i]?.layers ?? [], o);
            await finishJob(job);
          }),
        );
        pending.catch(() => {}); // awaited (and thrown) before the next batch starts writing
      }
      await pending;
    } finally {
      // a failed batch must not leave a forward pass running into pm.close()
      await next?.catch(() => {});
      await pending.catch(() => {});
    }
  }

  try {
    await buildPromptsIndex(save, modelName);
    await buildModelsIndex(save);
  } catch (err) {
    wrapIo(err, `the indexes in ${save}`);
  }
  return {
    modelName,
    modelPath: modelDir(save, modelName),
    method: pm.instrumented.plan.method,
    total: jobs.length,
    computed: todo.length - claims.leftToOthers - claims.doneByOthers,
    skipped,
    leftToOthers: claims.leftToOthers,
    truncated,
    droppedTokens,
    tokens,
    streamed: longJobs.length,
    lean: leanCount,
    elapsedMs: performance.now() - start,
    hashes: jobs.map((j) => j.hash),
  };
}
