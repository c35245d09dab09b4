import { rmSync, writeFileSync } from "node:fs";
// zod-free entries: this module runs in every worker thread, and zod's import would double a
// worker's start-up
import {
  checkPatternLayers,
  headFolderName,
  layerFolderName,
  maxPatternMemberBytes,
  type NpyArray,
  type PatternExpectation,
  toFloat32,
} from "@pattern-lens/indexes";
import { readNpzFileSync } from "@pattern-lens/indexes/node";
import ndarray from "ndarray";
import { listFigureFiles, makeDir, publishLayer, stageLayer, writeFigureAtomic } from "./_figure-files.ts";
import { isStale, npzStamp, recordedStamp, writeStamp } from "./_figure-source.ts";
import { checkOutputs, describe, errorText, isDone, promptSizes, writeError } from "./_render-checks.ts";
import type { FigureContext, RegisteredFigure } from "./types.ts";

/** One prompt's worth of work, as sent to a worker (plain data: structured-clone safe). */
export interface PromptTask {
  /** Position in prompts.jsonl (0-based). */
  index: number;
  hash: string;
  tokens: string[];
  /** `token_ids` of the prompts.jsonl line, when it has them. */
  tokenIds?: number[];
  /** `<save>/<model>/prompts/<hash>` */
  promptDir: string;
  /** Layers according to model_cfg.json: the archive must hold exactly these. */
  nLayers: number;
  /** Heads per layer according to model_cfg.json: every layer must have exactly these. */
  nHeads: number;
}

/** Settings shared by every task of a run. */
export interface TaskSettings {
  modelName: string;
  force: boolean;
  /** Names of the selected figure functions, in run order. */
  figureNames: string[];
}

/** Counts of figure outputs (one per function per head). */
export interface FigureCounts {
  written: number;
  skipped: number;
  failed: number;
}

/** A figure function that failed on one head. */
export interface FigureFailure {
  /** Path of the `.error.txt` file written. */
  errorFile: string;
  figure: string;
  layer: number;
  head: number;
  message: string;
}

/** What processing one prompt produced. */
export interface PromptOutcome extends FigureCounts {
  index: number;
  hash: string;
  failures: FigureFailure[];
  /** Set when the prompt was skipped as a whole (missing, corrupt or wrong-shape npz; bad prompt.json). */
  promptError?: { path: string; message: string };
  /** True when its activations.npz changed since its figures were made: they were all rendered again. */
  stale?: boolean;
}

/**
 * Renders every selected figure for every layer and head of one prompt. Never throws for bad data:
 * a missing or corrupt npz becomes `promptError`, a failing figure function an `.error.txt`.
 * The npz is read and decoded once, and only when some output is still missing.
 * `yieldPerLayer` returns to the event loop after each layer: the main thread renders beside the
 * workers and must hand out their next prompts while it works on its own.
 */
export async function processPrompt(
  task: PromptTask,
  figures: readonly RegisteredFigure[],
  settings: TaskSettings,
  onProgress: (delta: FigureCounts) => void,
  yieldPerLayer = false,
): Promise<PromptOutcome> {
  const outcome: PromptOutcome = {
    index: task.index,
    hash: task.hash,
    written: 0,
    skipped: 0,
    failed: 0,
    failures: [],
  };
  // Which (layer, head, figure) still need work, from as few directory reads as possible: the
  // prompt folder, then only the layer and head folders that exist (none on a fresh run).
  const listings = listFigureFiles(task);
  const npzPath = `${task.promptDir}/activations.npz`;
  // Figures made from another archive than today's are not done, whatever files exist.
  const stamp = npzStamp(npzPath);
  const recorded = recordedStamp(task.promptDir, listings.top);
  const stale = isStale(recorded, stamp);
  if (stale) outcome.stale = true;
  const force = settings.force || stale;
  const todo: boolean[][][] = [];
  let anyTodo = false;
  for (let l = 0; l < task.nLayers; l++) {
    const perHead: boolean[][] = [];
    for (let h = 0; h < task.nHeads; h++) {
      const files = listings.heads[l]?.[h];
      const flags = figures.map((f) => force || !isDone(f, files));
      if (flags.some((x) => x)) anyTodo = true;
      perHead.push(flags);
    }
    todo.push(perHead);
  }
  if (!anyTodo) {
    outcome.skipped = task.nLayers * task.nHeads * figures.length;
    onProgress({ written: 0, skipped: outcome.skipped, failed: 0 });
    return outcome;
  }

  const sizes = promptSizes(task, `${task.promptDir}/prompt.json`);
  if (typeof sizes === "string") {
    outcome.promptError = { path: `${task.promptDir}/prompt.json`, message: sizes };
    return outcome;
  }
  const expect: PatternExpectation = { nLayers: task.nLayers, nHeads: task.nHeads, sizes };
  let entries: Map<string, NpyArray>;
  try {
    entries = readNpzFileSync(npzPath, { maxMemberBytes: maxPatternMemberBytes(expect) });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    outcome.promptError = {
      path: npzPath,
      message:
        code === "PL_INDEXES_NOT_FOUND"
          ? `${npzPath} is missing; save it again with \`pattern-lens activations --force ...\` (or delete the prompt from prompts.jsonl)`
          : `${npzPath} is unreadable or corrupt (${String(code ?? "error")}): ${describe(err)}`,
    };
    return outcome;
  }
  // Validate every layer (shape against model_cfg.json and prompt.json, finite values) before
  // writing anything, so a wrong archive skips the whole prompt with its reason.
  const checked = checkPatternLayers(entries, expect, toFloat32);
  if ("problem" in checked) {
    outcome.promptError = {
      path: npzPath,
      message: `${npzPath}: ${checked.problem}. Save the prompt again with \`pattern-lens activations --force\`.`,
    };
    return outcome;
  }
  const layers = checked.layers;

  try {
    await renderLayers(
      task,
      figures,
      settings,
      { layers, todo, listings },
      outcome,
      onProgress,
      yieldPerLayer,
    );
  } catch (err) {
    throw writeError(task.promptDir, err);
  }
  if (stamp && (stale || recorded === undefined || outcome.written > 0)) {
    try {
      writeStamp(task.promptDir, stamp);
    } catch (err) {
      throw writeError(task.promptDir, err);
    }
  }
  return outcome;
}

/** Within a layer, figures done are reported once this long has passed since the last report. */
const SLOW_PROGRESS_MS = 500;

/** Renders and writes the figures still to do, layer by layer (file system errors propagate). */
async function renderLayers(
  task: PromptTask,
  figures: readonly RegisteredFigure[],
  settings: TaskSettings,
  work: {
    layers: { data: Float32Array; nHeads: number; n: number }[];
    todo: boolean[][][];
    listings: ReturnType<typeof listFigureFiles>;
  },
  outcome: PromptOutcome,
  onProgress: (delta: FigureCounts) => void,
  yieldPerLayer: boolean,
): Promise<void> {
  const { layers, todo, listings } = work;
  // progress goes out per layer, and also within a layer once slow figures take a while
  let delta: FigureCounts = { written: 0, skipped: 0, failed: 0 };
  let reported = performance.now();
  const report = () => {
    outcome.written += delta.written;
    outcome.skipped += delta.skipped;
    outcome.failed += delta.failed;
    onProgress(delta);
    delta = { written: 0, skipped: 0, failed: 0 };
    reported = performance.now();
  };
  for (let l = 0; l < task.nLayers; l++) {
    const { data, nHeads, n: nCtx } = layers[l]!;
    const size = nCtx * nCtx;
    const layerDir = `${task.promptDir}/${layerFolderName(l)}`;
    // A layer with no folder yet is written under a staged name and published whole by one rename
    // (its files need no temp file each); into an existing one, each file is written atomically.
    const stage = listings.layers[l] === undefined ? stageLayer(task.promptDir, l) : undefined;
    const base = stage ?? layerDir;
    const write = stage ? writeFileSync : writeFigureAtomic;
    try {
      for (let h = 0; h < nHeads; h++) {
        const flags = todo[l]?.[h] ?? figures.map(() => true);
        const headName = headFolderName(h);
        const dir = `${base}/${headName}`;
        const finalDir = `${layerDir}/${headName}`;
        const files = listings.heads[l]?.[h];
        let made = files !== undefined;
        for (let i = 0; i < figures.length; i++) {
          const fig = figures[i]!;
          if (!flags[i]) {
            delta.skipped++;
            continue;
          }
          if (!made) {
            makeDir(dir); // a plain mkdir of a folder known to be missing (recursive costs a stat per level)
            made = true;
          }
          const pattern = ndarray(data.subarray(h * size, (h + 1) * size), [nCtx, nCtx]);
          const ctx: FigureContext = {
            tokens: task.tokens,
            layer: l,
            head: h,
            modelName: settings.modelName,
            promptHash: task.hash,
          };
          const errorName = `${fig.name}.error.txt`;
          // Only the figure function's own failures become an .error.txt; a failed write (disk
          // full, read-only folder) stops the run with PL_IO instead of being blamed on the figure.
          let outputs: { file: string; bytes: Uint8Array }[] | undefined;
          let failure: unknown;
          try {
            outputs = checkOutputs(fig, await fig.render(pattern, ctx));
          } catch (err) {
            failure = err;
          }
          if (outputs !== undefined) {
            for (const o of outputs) write(`${dir}/${o.file}`, o.bytes);
            if (files?.has(errorName)) rmSync(`${dir}/${errorName}`, { force: true });
            delta.written++;
          } else {
            const err = failure;
            for (const f of fig.fileNames) if (files?.has(f)) rmSync(`${dir}/${f}`, { force: true });
            write(`${dir}/${errorName}`, errorText(fig, ctx, err));
            outcome.failures.push({
              errorFile: `${finalDir}/${errorName}`,
              figure: fig.name,
              layer: l,
              head: h,
              message: describe(err),
            });
            delta.failed++;
          }
          if (performance.now() - reported > SLOW_PROGRESS_MS) report();
        }
      }
      if (stage) publishLayer(stage, layerDir);
    } catch (err) {
      // a failed write (disk full) must not leave this run's staged layer behind
      if (stage) rmSync(stage, { recursive: true, force: true });
      throw err;
    }
    report();
    if (yieldPerLayer) await new Promise<void>((r) => setImmediate(r));
  }
}
