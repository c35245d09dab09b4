// zod-free entries: this module runs in every worker thread, and zod's import would double a
// worker's start-up
import type { PatternExpectation } from "@pattern-lens/indexes";
import { openPatternLayersSync, promptClaimPath, tryClaim } from "@pattern-lens/indexes/node";
import { type FigureListings, listFigureFiles } from "./_figure-files.ts";
import { isStale, type NpzStamp, npzStamp, recordedStamp, writeStamp } from "./_figure-source.ts";
import { describe, isDone, promptSizes, writeError } from "./_render-checks.ts";
import { renderLayers } from "./_render-layers.ts";
import type { RegisteredFigure } from "./types.ts";

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
  /** The data folder (absolute): where the prompts' claims are taken. */
  savePath: string;
  /** The model folder name. */
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
  /**
   * True when another live process holds the prompt's figures claim: it is rendering them, so this
   * run left them to it (nothing was counted for this prompt).
   */
  leftToOther?: boolean;
}

/** What is left to do on one prompt, from its files on disk. */
interface PromptPlan {
  listings: FigureListings;
  /** The activations.npz's stamp now, and the one its figures were made from. */
  stamp: NpzStamp | undefined;
  recorded: ReturnType<typeof recordedStamp>;
  stale: boolean;
  /** `todo[layer][head][figure]`: whether that output is to be rendered. */
  todo: boolean[][][];
  anyTodo: boolean;
}

/**
 * Which (layer, head, figure) still need work, from as few directory reads as possible: the
 * prompt folder, then only the layer and head folders that exist (none on a fresh run). With
 * `clean` (only while holding the prompt's claim), removes what killed runs left there.
 */
function planPrompt(
  task: PromptTask,
  figures: readonly RegisteredFigure[],
  settings: TaskSettings,
  clean: boolean,
): PromptPlan {
  const listings = listFigureFiles(task, clean);
  // Figures made from another archive than today's are not done, whatever files exist.
  const stamp = npzStamp(`${task.promptDir}/activations.npz`);
  const recorded = recordedStamp(task.promptDir, listings.top);
  const stale = isStale(recorded, stamp);
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
  return { listings, stamp, recorded, stale, todo, anyTodo };
}

/**
 * Renders every selected figure for every layer and head of one prompt. Never throws for bad data:
 * a missing or corrupt npz becomes `promptError`, a failing figure function an `.error.txt`.
 * A prompt with work left is claimed first (`<prompt>/.figures.claim`, see `tryClaim`): when
 * another live process holds it, the prompt is left to it (`leftToOther`); under the claim, what a
 * killed run left in the prompt folder is removed and the work is planned again from disk.
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
  const allDone = () => {
    outcome.skipped = task.nLayers * task.nHeads * figures.length;
    onProgress({ written: 0, skipped: outcome.skipped, failed: 0 });
    return outcome;
  };
  if (!planPrompt(task, figures, settings, false).anyTodo) return allDone();
  const claim = await tryClaim(promptClaimPath(settings.savePath, settings.modelName, task.hash, "figures"));
  if (claim === undefined) {
    outcome.leftToOther = true;
    return outcome;
  }
  try {
    // again, under the claim: another process may have finished the prompt meanwhile
    const plan = planPrompt(task, figures, settings, true);
    if (!plan.anyTodo) return allDone();
    if (plan.stale) outcome.stale = true;
    await renderPrompt(task, figures, settings, plan, outcome, onProgress, yieldPerLayer);
    return outcome;
  } finally {
    await claim.release();
  }
}

/** Reads and checks the prompt's patterns, renders what `plan` says, then records the archive's stamp. */
async function renderPrompt(
  task: PromptTask,
  figures: readonly RegisteredFigure[],
  settings: TaskSettings,
  plan: PromptPlan,
  outcome: PromptOutcome,
  onProgress: (delta: FigureCounts) => void,
  yieldPerLayer: boolean,
): Promise<void> {
  const npzPath = `${task.promptDir}/activations.npz`;
  const sizes = promptSizes(task, `${task.promptDir}/prompt.json`);
  if (typeof sizes === "string") {
    outcome.promptError = { path: `${task.promptDir}/prompt.json`, message: sizes };
    return;
  }
  const expect: PatternExpectation = { nLayers: task.nLayers, nHeads: task.nHeads, sizes };
  // Every layer is checked (shape against model_cfg.json and prompt.json, finite values) before
  // anything is written, so a wrong archive skips the whole prompt with its reason; the archive is
  // read one layer at a time, so a long prompt's never sits in memory whole.
  let opened: ReturnType<typeof openPatternLayersSync>;
  try {
    opened = openPatternLayersSync(npzPath, expect);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    outcome.promptError = {
      path: npzPath,
      message:
        code === "PL_INDEXES_NOT_FOUND"
          ? `${npzPath} is missing; save it again with \`pattern-lens activations --force ...\` (or delete the prompt from prompts.jsonl)`
          : `${npzPath} is unreadable or corrupt (${String(code ?? "error")}): ${describe(err)}`,
    };
    return;
  }
  if ("problem" in opened) {
    outcome.promptError = {
      path: npzPath,
      message: `${npzPath}: ${opened.problem}. Save the prompt again with \`pattern-lens activations --force\`.`,
    };
    return;
  }
  const { todo, listings, stamp, stale, recorded } = plan;
  try {
    await renderLayers(
      task,
      figures,
      settings,
      { layer: (l) => opened.layer(l), todo, listings },
      outcome,
      onProgress,
      yieldPerLayer,
    );
  } catch (err) {
    throw writeError(task.promptDir, err);
  } finally {
    opened.close();
  }
  if (stamp && (stale || recorded === undefined || outcome.written > 0)) {
    try {
      writeStamp(task.promptDir, stamp);
    } catch (err) {
      throw writeError(task.promptDir, err);
    }
  }
}
