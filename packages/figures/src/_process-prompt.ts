import { rmSync, writeFileSync } from "node:fs";
// zod-free entries: this module runs in every worker thread, and zod's import would double a
// worker's start-up
import { type NpyArray, patternKey, toFloat32 } from "@pattern-lens/indexes";
import { readNpzFileSync } from "@pattern-lens/indexes/node";
import ndarray from "ndarray";
import { listFigureFiles, makeDir, publishLayer, stageLayer, writeFigureAtomic } from "./_figure-files.ts";
import type { FigureContext, FigureOutput, RegisteredFigure } from "./types.ts";

/** One prompt's worth of work, as sent to a worker (plain data: structured-clone safe). */
export interface PromptTask {
  /** Position in prompts.jsonl (0-based). */
  index: number;
  hash: string;
  tokens: string[];
  /** `<save>/<model>/prompts/<hash>` */
  promptDir: string;
  nLayers: number;
  /** Heads per layer according to model_cfg.json (the npz shape wins if they differ). */
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
  /** Set when the prompt was skipped as a whole (missing or corrupt npz). */
  promptError?: { path: string; message: string };
}

/** Whether `fig`'s outputs for one head exist (an `.error.txt` never counts as done). */
/** Within a layer, figures done are reported once this long has passed since the last report. */
const SLOW_PROGRESS_MS = 500;

function isDone(fig: RegisteredFigure, files: Set<string> | undefined): boolean {
  return files !== undefined && fig.fileNames.every((f) => files.has(f));
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

function errorText(fig: RegisteredFigure, ctx: FigureContext, err: unknown): string {
  const head = `figure function '${fig.name}' failed on layer ${ctx.layer}, head ${ctx.head} of prompt ${ctx.promptHash}: ${describe(err)}\n`;
  const stack = err instanceof Error && err.stack ? `\n${err.stack}\n` : "";
  return head + stack;
}

/** Checks what a figure function returned against the files it declared; throws a message the user can act on. */
function checkOutputs(fig: RegisteredFigure, outputs: unknown): { file: string; bytes: Uint8Array }[] {
  if (!Array.isArray(outputs)) throw new Error(`'${fig.name}' returned no list of outputs`);
  const files = (outputs as FigureOutput[]).map((o) => {
    if (o === null || typeof o !== "object" || !(o.bytes instanceof Uint8Array) || o.bytes.length === 0) {
      throw new Error(`'${fig.name}' produced an empty or invalid figure`);
    }
    const file = o.suffix === undefined ? `${fig.name}.${o.fmt}` : `${fig.name}.${o.suffix}.${o.fmt}`;
    return { file, bytes: o.bytes };
  });
  const got = files.map((f) => f.file);
  if (got.length !== fig.fileNames.length || fig.fileNames.some((f) => !got.includes(f))) {
    throw new Error(`'${fig.name}' produced [${got.join(", ")}] but declares [${fig.fileNames.join(", ")}]`);
  }
  return files;
}

/** Decodes one layer's pattern to float32 and checks its shape `[1, n_heads, n_ctx, n_ctx]`. */
function layerPattern(
  arr: NpyArray | undefined,
  key: string,
): { data: Float32Array; nHeads: number; nCtx: number } {
  if (arr === undefined) throw new Error(`the archive has no array '${key}'`);
  const s = arr.shape;
  const dims = s.length === 4 && s[0] === 1 ? s.slice(1) : s.length === 3 ? s : undefined;
  if (dims === undefined || dims[1] !== dims[2] || (dims[1] ?? 0) < 1 || (dims[0] ?? 0) < 1) {
    throw new Error(`'${key}' has shape [${s.join(", ")}], expected [1, n_heads, n_ctx, n_ctx]`);
  }
  return { data: toFloat32(arr), nHeads: dims[0]!, nCtx: dims[1]! };
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
  const todo: boolean[][][] = [];
  let anyTodo = false;
  for (let l = 0; l < task.nLayers; l++) {
    const perHead: boolean[][] = [];
    for (let h = 0; h < task.nHeads; h++) {
      const files = listings.heads[l]?.[h];
      const flags = figures.map((f) => settings.force || !isDone(f, files));
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

  const npzPath = `${task.promptDir}/activations.npz`;
  let entries: Map<string, NpyArray>;
  try {
    entries = readNpzFileSync(npzPath);
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
  // Validate every layer before writing anything, so a corrupt archive skips the whole prompt.
  const layers: { data: Float32Array; nHeads: number; nCtx: number }[] = [];
  try {
    for (let l = 0; l < task.nLayers; l++)
      layers.push(layerPattern(entries.get(patternKey(l)), patternKey(l)));
  } catch (err) {
    outcome.promptError = { path: npzPath, message: `${npzPath}: ${describe(err)}` };
    return outcome;
  }

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
    const { data, nHeads, nCtx } = layers[l]!;
    const size = nCtx * nCtx;
    const layerDir = `${task.promptDir}/L${l}`;
    // A layer with no folder yet is written under a staged name and published whole by one rename
    // (its files need no temp file each); into an existing one, each file is written atomically.
    const stage = listings.layers[l] === undefined ? stageLayer(task.promptDir, l) : undefined;
    const base = stage ?? layerDir;
    const write = stage ? writeFileSync : writeFigureAtomic;
    for (let h = 0; h < nHeads; h++) {
      const flags = todo[l]?.[h] ?? figures.map(() => true);
      const dir = `${base}/H${h}`;
      const finalDir = `${layerDir}/H${h}`;
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
        try {
          const outputs = checkOutputs(fig, await fig.render(pattern, ctx));
          for (const o of outputs) write(`${dir}/${o.file}`, o.bytes);
          if (files?.has(errorName)) rmSync(`${dir}/${errorName}`, { force: true });
          delta.written++;
        } catch (err) {
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
    // Heads the config promised but the archive lacks count as skipped work, so totals add up.
    const missing = Math.max(0, task.nHeads - nHeads) * figures.length;
    delta.skipped += missing;
    report();
    if (yieldPerLayer) await new Promise<void>((r) => setImmediate(r));
  }
  return outcome;
}
