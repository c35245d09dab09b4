import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { decodeNpz, type NpyArray, patternKey, toFloat32 } from "@pattern-lens/indexes";
import ndarray from "ndarray";
import type { FigureContext, FigureOutput, RegisteredFigure } from "./types.ts";

const FORMATS = new Set(["png", "svg", "svgz"]);

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

function listDir(dir: string): Set<string> | undefined {
  try {
    return new Set(readdirSync(dir));
  } catch {
    return undefined;
  }
}

/** Whether `fig`'s outputs for one head exist (an `.error.txt` never counts as done). */
function isDone(fig: RegisteredFigure, files: Set<string> | undefined): boolean {
  if (files === undefined) return false;
  if (fig.kind === "single") return files.has(`${fig.name}.${fig.fmt}`);
  if (files.has(`${fig.name}.error.txt`)) return false;
  const prefix = `${fig.name}.`;
  if (fig.subNames !== undefined && fig.subNames.length > 0) {
    return fig.subNames.every((sub) => [...FORMATS].some((f) => files.has(`${prefix}${sub}.${f}`)));
  }
  for (const f of files) {
    if (f.startsWith(prefix) && FORMATS.has(f.slice(f.lastIndexOf(".") + 1)) && f.split(".").length === 3) {
      return true;
    }
  }
  return false;
}

function writeAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
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

/** Checks what a figure function returned; throws a message the user can act on. */
function checkOutputs(fig: RegisteredFigure, outputs: unknown): FigureOutput[] {
  if (!Array.isArray(outputs) || outputs.length === 0) {
    throw new Error(`'${fig.name}' produced no figure (expected at least one output)`);
  }
  const seen = new Set<string>();
  for (const o of outputs as FigureOutput[]) {
    if (o === null || typeof o !== "object" || !(o.data instanceof Uint8Array) || o.data.length === 0) {
      throw new Error(`'${fig.name}' produced an empty or invalid figure`);
    }
    if (!FORMATS.has(o.fmt)) throw new Error(`'${fig.name}' produced an unknown format '${String(o.fmt)}'`);
    if (fig.kind === "multi") {
      if (typeof o.name !== "string" || !/^[A-Za-z0-9_-]+$/.test(o.name)) {
        throw new Error(
          `multi-figure '${fig.name}' produced a figure with an invalid name '${String(o.name)}' (letters, digits, _ and - only)`,
        );
      }
      if (seen.has(o.name)) throw new Error(`multi-figure '${fig.name}' produced '${o.name}' twice`);
      seen.add(o.name);
    }
  }
  if (fig.kind === "single" && outputs.length !== 1) {
    throw new Error(
      `'${fig.name}' produced ${outputs.length} figures; a single figure function must produce one`,
    );
  }
  return outputs as FigureOutput[];
}

function outputFile(fig: RegisteredFigure, o: FigureOutput): string {
  return fig.kind === "multi" ? `${fig.name}.${o.name}.${o.fmt}` : `${fig.name}.${o.fmt}`;
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
 */
export async function processPrompt(
  task: PromptTask,
  figures: readonly RegisteredFigure[],
  settings: TaskSettings,
  onProgress: (delta: FigureCounts) => void,
): Promise<PromptOutcome> {
  const outcome: PromptOutcome = {
    index: task.index,
    hash: task.hash,
    written: 0,
    skipped: 0,
    failed: 0,
    failures: [],
  };
  const headDirOf = (l: number, h: number) => `${task.promptDir}/L${l}/H${h}`;

  // Which (layer, head, figure) still need work, judged from directory listings alone.
  const todo: boolean[][][] = [];
  let anyTodo = false;
  for (let l = 0; l < task.nLayers; l++) {
    const perHead: boolean[][] = [];
    for (let h = 0; h < task.nHeads; h++) {
      const files = settings.force ? undefined : listDir(headDirOf(l, h));
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
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(npzPath);
  } catch (err) {
    const missing = (err as { code?: unknown }).code === "ENOENT";
    outcome.promptError = {
      path: npzPath,
      message: missing
        ? `${npzPath} is missing; save it again with \`pattern-lens activations\``
        : `${npzPath} could not be read: ${describe(err)}`,
    };
    return outcome;
  }
  try {
    entries = decodeNpz(bytes);
  } catch (err) {
    outcome.promptError = { path: npzPath, message: `${npzPath} is corrupt: ${describe(err)}` };
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

  for (let l = 0; l < task.nLayers; l++) {
    const { data, nHeads, nCtx } = layers[l]!;
    const delta: FigureCounts = { written: 0, skipped: 0, failed: 0 };
    const size = nCtx * nCtx;
    for (let h = 0; h < nHeads; h++) {
      const flags = todo[l]?.[h] ?? figures.map(() => true);
      const dir = headDirOf(l, h);
      let made = false;
      for (let i = 0; i < figures.length; i++) {
        const fig = figures[i]!;
        if (!flags[i]) {
          delta.skipped++;
          continue;
        }
        if (!made) {
          mkdirSync(dir, { recursive: true });
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
        const errorFile = `${dir}/${fig.name}.error.txt`;
        try {
          const outputs = checkOutputs(fig, await fig.render(pattern, ctx));
          for (const o of outputs) writeAtomic(`${dir}/${outputFile(fig, o)}`, o.data);
          rmSync(errorFile, { force: true });
          delta.written++;
        } catch (err) {
          if (fig.kind === "single") rmSync(`${dir}/${fig.name}.${fig.fmt}`, { force: true });
          writeAtomic(errorFile, errorText(fig, ctx, err));
          outcome.failures.push({ errorFile, figure: fig.name, layer: l, head: h, message: describe(err) });
          delta.failed++;
        }
      }
    }
    // Heads the config promised but the archive lacks count as skipped work, so totals add up.
    const missing = Math.max(0, task.nHeads - nHeads) * figures.length;
    delta.skipped += missing;
    outcome.written += delta.written;
    outcome.skipped += delta.skipped;
    outcome.failed += delta.failed;
    onProgress(delta);
  }
  return outcome;
}
