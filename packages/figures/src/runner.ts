import { existsSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import {
  inShard,
  type ModelCfg,
  modelCfgPath,
  modelDir,
  type PromptMeta,
  promptDir,
  promptsIndexPath,
  type Shard,
} from "@pattern-lens/indexes";
import { checkInside, readJsonFile, readSavedPrompts } from "@pattern-lens/indexes/node";
import { ModelCfgSchema } from "@pattern-lens/indexes/schemas";
import { runPool, workerEntryBeside } from "@pattern-lens/runner";
import type {
  FigureCounts,
  FigureFailure,
  PromptOutcome,
  PromptTask,
  TaskSettings,
} from "./_process-prompt.ts";
import { processPrompt } from "./_process-prompt.ts";
import { FiguresError, poolError } from "./errors.ts";
import { type FigureCompleteness, writeFiguresIndex } from "./figures-index.ts";
import { loadFigureModules, registeredFigures } from "./registry.ts";
import { selectFigureNames } from "./select.ts";
import type { RegisteredFigure } from "./types.ts";

export type { FigureCounts, FigureFailure } from "./_process-prompt.ts";

/** What every worker thread gets before its first prompt. @internal */
export interface WorkerInit {
  modules: string[];
  settings: TaskSettings;
}

/** Options of {@link runFigures}; the CLI's flags map onto these one to one. */
export interface RunFiguresOptions {
  /** The data folder (`--save-path`). */
  savePath: string;
  /** Model folder name under the data folder (`--model`). */
  model: string;
  /** Only the first N prompts of prompts.jsonl (`--n-samples`); default all. */
  nSamples?: number;
  /**
   * Only these prompts (hashes), in prompts.jsonl order: `pattern-lens run` passes the prompts its
   * activations step just saved. Applied before `nSamples`.
   */
  promptHashes?: readonly string[];
  /** Only this shard's prompts (of the first `nSamples`; see `shardOfHash`). */
  shard?: Pick<Shard, "index" | "count">;
  /** Re-render outputs that exist (`--force`). */
  force?: boolean;
  /** Which figure functions: comma list of names/globs (`--figure-funcs`); default all registered. */
  figureFuncs?: string;
  /** User figure modules to load, in the main thread and in every worker (`--module`). */
  modules?: readonly string[];
  /**
   * Most threads rendering figures (`--jobs`): this one plus up to `jobs - 1` worker threads. 1 runs
   * everything in this thread, without workers. Default (or 0): `os.availableParallelism()`. This
   * thread starts at once and times itself; the workers start as soon as the prompts still queued
   * would take it more than about 0.25 s, which on any sizeable run is after its first few layers. A
   * smaller run stays on this thread: a worker takes about 0.1 s to start and would arrive too late.
   */
  jobs?: number;
  /**
   * With `jobs > 1`, whether this thread renders prompts too (default `true`: it starts at once while
   * the workers load). `false` leaves all rendering to `jobs` worker threads, keeping this thread free.
   */
  renderInMainThread?: boolean;
  /** Called once the work is known, before any figure is rendered. */
  onStart?: (info: RunStartInfo) => void;
  /** Called as figures finish (per layer of a prompt), with running totals. */
  onProgress?: (progress: RunProgress) => void;
  /** Called for each prompt skipped because its activations are missing or corrupt. */
  onPromptSkipped?: (skip: PromptSkip) => void;
}

/** What {@link RunFiguresOptions.onStart} receives. */
export interface RunStartInfo {
  /** Figure outputs to consider: prompts × layers × heads × figure functions. */
  total: number;
  prompts: number;
  /** Selected figure function names, in run order. */
  figures: string[];
  /**
   * Most threads the run may use (never more than the prompts): this one plus `jobs - 1` workers,
   * or `jobs` workers. {@link RunFiguresSummary.jobs} tells how many it did use.
   */
  jobs: number;
}

/** Running totals passed to {@link RunFiguresOptions.onProgress}. */
export interface RunProgress extends FigureCounts {
  /** written + skipped + failed (+ the figures of prompts skipped, or left to another process). */
  done: number;
  total: number;
}

/** A prompt the run skipped as a whole. */
export interface PromptSkip {
  hash: string;
  /** The activations file that is missing or corrupt. */
  path: string;
  message: string;
}

/** The result of {@link runFigures}. */
export interface RunFiguresSummary extends FigureCounts {
  /** Prompts skipped because their activations are missing, corrupt or the wrong shape, or their prompt.json is bad. */
  promptsSkipped: PromptSkip[];
  /** Prompts whose activations.npz changed since their figures were made: all their figures were rendered again. */
  promptsStale: string[];
  /**
   * Prompts another live process was rendering (it held their claim) when this run came to them:
   * left to it, and counted in neither `written` nor `skipped`.
   */
  promptsLeftToOthers: string[];
  /** Every figure that failed (an `.error.txt` was written for each). */
  failures: FigureFailure[];
  /** Selected figure names. */
  figures: string[];
  prompts: number;
  /** Threads used: this one plus the workers started (see {@link RunFiguresOptions.jobs}). */
  jobs: number;
  /** Figure outputs considered: prompts × layers × heads × figures (as in {@link RunStartInfo}). */
  total: number;
  /** Wall time in milliseconds. */
  elapsedMs: number;
}

/** Reads and checks what the run needs: model folder, model_cfg.json, prompts.jsonl. */
async function readModel(savePath: string, model: string): Promise<{ cfg: ModelCfg; prompts: PromptMeta[] }> {
  const dir = modelDir(savePath, model);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new FiguresError(
      "PL_FIGURES_MODEL_DIR_MISSING",
      `model folder ${dir} does not exist. Save activations first: \`pattern-lens activations --model <model> --model-name ${model} --save-path ${savePath} --prompts <file>\`.`,
      { path: dir },
    );
  }
  const cfgPath = modelCfgPath(savePath, model);
  if (!existsSync(cfgPath)) {
    throw new FiguresError(
      "PL_FIGURES_MODEL_CFG_MISSING",
      `${cfgPath} is missing. It is written by \`pattern-lens activations --model <model> --model-name ${model} --save-path ${savePath} --prompts <file>\`.`,
      { path: cfgPath },
    );
  }
  const cfg = await readJsonFile(cfgPath, ModelCfgSchema);
  const idx = promptsIndexPath(savePath, model);
  if (!existsSync(idx)) {
    throw new FiguresError(
      "PL_FIGURES_PROMPTS_INDEX_MISSING",
      `${idx} is missing. It is written by \`pattern-lens activations --model <model> --model-name ${model} --save-path ${savePath} --prompts <file>\`.`,
      { path: idx },
    );
  }
  // prompts.jsonl, and prompts saved since that another writer's rebuild of it lacks (shards)
  return { cfg, prompts: await readSavedPrompts(savePath, model) };
}

function positiveInt(name: string, v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < 0) {
    throw new FiguresError("PL_FIGURES_OPTIONS", `${name} must be a non-negative integer, got ${v}.`);
  }
  return v;
}

/**
 * Renders the selected figure functions for every head of every prompt of a model, in prompts.jsonl
 * order, writing `<save>/<model>/prompts/<hash>/L{l}/H{h}/{name}.{fmt}` and `<save>/figures.jsonl`.
 *
 * Existing outputs are skipped unless `force`. A figure function that throws, returns the wrong shape
 * or NaN leaves `{name}.error.txt` (retried next run). A prompt whose activations.npz is missing or
 * corrupt is reported through `onPromptSkipped` and the summary, and the run continues. With
 * `jobs > 1` prompts are spread over worker threads, each decoding a prompt's npz once; the files
 * written are identical to a `jobs: 1` run.
 *
 * @example
 * ```ts
 * const s = await runFigures({ savePath: "data", model: "pythia-14m", figureFuncs: "raw", jobs: 2 });
 * console.log(s.written, s.skipped, s.failed);
 * ```
 * Every prompt's archive is checked against model_cfg.json (layers, heads) and its prompt.json
 * (pattern size), with finite values; a prompt that fails is skipped with the reason. A prompt whose
 * activations.npz changed since its figures were made (see `figures_source.json`) is rendered again.
 *
 * @throws {FiguresError} `PL_FIGURES_MODEL_DIR_MISSING`, `PL_FIGURES_MODEL_CFG_MISSING`,
 * `PL_FIGURES_PROMPTS_INDEX_MISSING` (naming the path and the command that creates it),
 * `PL_FIGURES_UNKNOWN`, `PL_FIGURES_MODULE`, `PL_FIGURES_NO_PROMPTS` (every prompt was skipped:
 * nothing was made).
 * @throws {IndexesError} `PL_INDEXES_UNSAFE_NAME`, `PL_INDEXES_OUTSIDE_SAVE_PATH` (a name or
 * symlink leading out of the save path), `PL_INDEXES_SCHEMA` / `PL_INDEXES_JSONL_PARSE` (a bad
 * prompts.jsonl line), `PL_INDEXES_IO` (disk full, read-only folder).
 */
export async function runFigures(options: RunFiguresOptions): Promise<RunFiguresSummary> {
  const t0 = performance.now();
  const savePath = resolve(options.savePath);
  const nSamples = positiveInt("nSamples", options.nSamples);
  const jobsGiven = positiveInt("jobs", options.jobs);
  const { cfg, prompts: allPrompts } = await readModel(savePath, options.model);
  const modules = await loadFigureModules(options.modules ?? []);
  const all = registeredFigures();
  const names = selectFigureNames(
    all.map((f) => f.name),
    options.figureFuncs,
  );
  const figures = names.map((n) => all.find((f) => f.name === n)!);

  const only = options.promptHashes === undefined ? undefined : new Set(options.promptHashes);
  const chosen = only === undefined ? allPrompts : allPrompts.filter((p) => only.has(p.hash));
  const sampled = nSamples === undefined ? chosen : chosen.slice(0, nSamples);
  const prompts = sampled.filter((p) => inShard(p.hash, options.shard));
  const nLayers = cfg.n_layers;
  const nHeads = cfg.n_heads;
  // Hashes were checked as plain folder names when prompts.jsonl was read; a symlinked folder
  // could still lead elsewhere, so each prompt folder is checked to resolve inside the save path.
  checkInside(savePath, modelDir(savePath, options.model));
  const tasks: PromptTask[] = prompts.map((p, index) => {
    const dir = promptDir(savePath, options.model, p.hash);
    checkInside(savePath, dir);
    return {
      index,
      hash: p.hash,
      tokens: [...p.tokens],
      ...(p.token_ids ? { tokenIds: [...p.token_ids] } : {}),
      promptDir: dir,
      nLayers,
      nHeads,
    };
  });
  const settings: TaskSettings = {
    savePath,
    modelName: options.model,
    force: options.force ?? false,
    figureNames: names,
  };
  const perPrompt = nLayers * nHeads * figures.length;
  const total = tasks.length * perPrompt;
  // Figures registered in code (not from a module file or this package) exist only in this thread.
  const workerSafe = figures.every((f) => f.source.kind !== "inline");
  // Workers start only when there is enough work left to repay their start-up (see runPool).
  const jobsWanted = jobsGiven || availableParallelism();
  const jobs = Math.max(1, Math.min(jobsWanted, tasks.length, workerSafe ? Number.MAX_SAFE_INTEGER : 1));
  options.onStart?.({ total, prompts: tasks.length, figures: names, jobs });

  const counts: FigureCounts = { written: 0, skipped: 0, failed: 0 };
  // figures of prompts skipped as a whole, or left to another process rendering them
  let skippedPromptFigures = 0;
  const report = () =>
    options.onProgress?.({
      ...counts,
      done: counts.written + counts.skipped + counts.failed + skippedPromptFigures,
      total,
    });
  const onDelta = (d: FigureCounts) => {
    counts.written += d.written;
    counts.skipped += d.skipped;
    counts.failed += d.failed;
    report();
  };
  const outcomes: PromptOutcome[] = [];
  const onOutcome = (o: PromptOutcome) => {
    outcomes.push(o);
    if (o.leftToOther) {
      skippedPromptFigures += perPrompt;
      report();
    } else if (o.promptError) {
      skippedPromptFigures += perPrompt;
      options.onPromptSkipped?.({ hash: o.hash, ...o.promptError });
      report();
    }
  };

  let threads = 1;
  if (jobs === 1) {
    for (const task of tasks) onOutcome(await processPrompt(task, figures, settings, onDelta));
  } else {
    const local =
      options.renderInMainThread === false
        ? undefined
        : (task: PromptTask, onLayer: () => void) =>
            processPrompt(
              task,
              figures,
              settings,
              (d) => {
                onDelta(d);
                onLayer();
              },
              true,
            );
    threads = await runPool({
      jobs,
      worker: workerEntryBeside(import.meta.url),
      init: { modules, settings } satisfies WorkerInit,
      tasks,
      weight: (t) => t.nLayers,
      onProgress: onDelta,
      onOutcome,
      local,
      toError: poolError,
    });
  }

  outcomes.sort((a, b) => a.index - b.index);
  // figures.jsonl after the run, so it lists only what has files (see writeFiguresIndex)
  writeFiguresIndex(savePath, figures, {
    completeness: completenessOf(
      figures,
      outcomes,
      nLayers * nHeads,
      // a shard is a part of a whole run, not a sample: its shards together cover every prompt.
      // Sampled is fewer prompts than the shard holds (`run --shard` passes the shard's own).
      prompts.length < allPrompts.filter((p) => inShard(p.hash, options.shard)).length,
    ),
    registered: all.map((f) => f.name),
  });
  const skippedPrompts = outcomes.filter((o) => o.promptError);
  if (tasks.length > 0 && skippedPrompts.length === tasks.length) {
    throw new FiguresError(
      "PL_FIGURES_NO_PROMPTS",
      `every prompt (${tasks.length}) was skipped, so no figure was made; first reason: ${skippedPrompts[0]!.promptError!.message}`,
    );
  }
  return {
    ...counts,
    promptsSkipped: outcomes.flatMap((o) => (o.promptError ? [{ hash: o.hash, ...o.promptError }] : [])),
    promptsStale: outcomes.flatMap((o) => (o.stale ? [o.hash] : [])),
    promptsLeftToOthers: outcomes.flatMap((o) => (o.leftToOther ? [o.hash] : [])),
    failures: outcomes.flatMap((o) => o.failures),
    figures: names,
    prompts: tasks.length,
    jobs: threads,
    total,
    elapsedMs: performance.now() - t0,
  };
}

/**
 * Per selected function, what the run left (see {@link FigureCompleteness}): `none` when it failed
 * on every head of every prompt that had patterns, `partial` when it failed somewhere or a prompt
 * had no patterns, `sampled` when it is complete on a subset of the prompts, else `complete`.
 */
function completenessOf(
  figures: readonly RegisteredFigure[],
  outcomes: readonly PromptOutcome[],
  headsPerPrompt: number,
  sampled: boolean,
): Map<string, FigureCompleteness> {
  const failed = new Map<string, number>();
  for (const o of outcomes) for (const f of o.failures) failed.set(f.figure, (failed.get(f.figure) ?? 0) + 1);
  const withPatterns = outcomes.filter((o) => !o.promptError).length;
  const skippedPrompts = outcomes.length - withPatterns;
  const out = new Map<string, FigureCompleteness>();
  for (const f of figures) {
    const n = failed.get(f.name) ?? 0;
    out.set(
      f.name,
      withPatterns === 0 || n >= withPatterns * headsPerPrompt
        ? "none"
        : n > 0 || skippedPrompts > 0
          ? "partial"
          : sampled
            ? "sampled"
            : "complete",
    );
  }
  return out;
}
