// The file-system side of rendering: what exists already, and writes that a killed run can never
// leave half done (a truncated figure would count as done on the next run).
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { headFolderName, layerFolderName, stagedLayerName, stagedLayerPid } from "@pattern-lens/indexes";
import { atomicTempPid, isProcessAlive, writeFileAtomicSync } from "@pattern-lens/indexes/node";
import type { PromptTask } from "./_process-prompt.ts";

/** A folder's entries, or undefined when it does not exist. */
export function listDir(dir: string): Set<string> | undefined {
  try {
    return new Set(readdirSync(dir));
  } catch {
    return undefined;
  }
}

/** Creates one folder; one that exists already (another run, a race) is fine. */
export function makeDir(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (err) {
    if ((err as { code?: unknown }).code !== "EEXIST") throw err;
  }
}

/** The files of each existing `L{l}` folder (`layers`) and `L{l}/H{h}` folder (`heads`) of a prompt. */
export interface FigureListings {
  /** The prompt folder's own entries (undefined when it does not exist). */
  top: Set<string> | undefined;
  layers: (Set<string> | undefined)[];
  heads: (Set<string> | undefined)[][];
}

/** The figure stamp's temp files (see `_figure-source.ts`): only these of the prompt folder's temp files are ours. */
const SOURCE_TEMP = /^\.figures_source\.json\./;

/** The pid of a staged layer folder, or of the figure stamp's temp file, in a prompt folder. */
const promptTempPid = (name: string) =>
  stagedLayerPid(name) ?? (SOURCE_TEMP.test(name) ? atomicTempPid(name) : undefined);

/**
 * Removes the entries of `dir` that `pidOf` says a process wrote that is gone from this machine,
 * or is this one (an earlier prompt of this process: the prompt is claimed, so no thread of it
 * writes there now).
 */
function removeLeftovers(
  dir: string,
  names: Set<string> | undefined,
  pidOf: (name: string) => number | undefined,
): void {
  for (const name of names ?? []) {
    const pid = pidOf(name);
    if (pid !== undefined && (pid === process.pid || !isProcessAlive(pid))) {
      rmSync(`${dir}/${name}`, { recursive: true, force: true });
      names?.delete(name);
    }
  }
}

/**
 * Lists the figure folders of a prompt, reading only folders that exist: the prompt folder, each
 * `L{l}` in it, each `H{h}` in those. A fresh prompt costs one directory read, not one per head.
 * With `clean`, which only the holder of the prompt's figures claim may ask for, removes what
 * killed runs left (their process is gone, or was this one): staged layer folders, the figure
 * stamp's temp files, and temp files in the head folders listed.
 */
export function listFigureFiles(task: PromptTask, clean = true): FigureListings {
  const top = listDir(task.promptDir);
  if (clean) removeLeftovers(task.promptDir, top, promptTempPid);
  const layers: (Set<string> | undefined)[] = [];
  const heads: (Set<string> | undefined)[][] = [];
  for (let l = 0; l < task.nLayers; l++) {
    const layerName = layerFolderName(l);
    const layer = top?.has(layerName) ? listDir(`${task.promptDir}/${layerName}`) : undefined;
    layers.push(layer);
    const perHead: (Set<string> | undefined)[] = [];
    for (let h = 0; h < task.nHeads; h++) {
      const headName = headFolderName(h);
      const dir = `${task.promptDir}/${layerName}/${headName}`;
      const files = layer?.has(headName) ? listDir(dir) : undefined;
      if (clean) removeLeftovers(dir, files, atomicTempPid);
      perHead.push(files);
    }
    heads.push(perHead);
  }
  return { top, layers, heads };
}

/**
 * Writes one figure file into a folder that exists already, through a temp file and a rename
 * (see `writeFileAtomicSync`; no fsync: a figure is cheap to make again), so a run killed
 * mid-write leaves at most a hidden temp file, never a truncated figure that counts as done.
 */
export function writeFigureAtomic(path: string, data: Uint8Array | string): void {
  writeFileAtomicSync(path, data, { fsync: false });
}

/**
 * Starts a layer folder that does not exist yet under its staged name (`stagedLayerName`) beside
 * where it goes. Its
 * files are written in place, and {@link publishLayer} renames the whole folder to `L{l}`: one
 * rename per layer instead of one per figure (demo `raw` figures, one thread: about 6% more
 * figures/s, on a RAM disk and on ext4 alike, in alternating runs), and a killed run leaves no
 * `L{l}` at all.
 */
export function stageLayer(promptDir: string, layer: number): string {
  const stage = `${promptDir}/${stagedLayerName(layer, process.pid)}`;
  try {
    mkdirSync(stage);
  } catch (err) {
    if ((err as { code?: unknown }).code !== "EEXIST") throw err;
    rmSync(stage, { recursive: true, force: true }); // left by an earlier run of this process
    mkdirSync(stage);
  }
  return stage;
}

/**
 * Renames a staged layer folder to `layerDir`. If another run published that layer meanwhile, moves
 * over, file by file (each rename atomic), what it lacks, and removes the stage.
 */
export function publishLayer(stage: string, layerDir: string): void {
  try {
    renameSync(stage, layerDir);
    return;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code !== "ENOTEMPTY" && code !== "EEXIST") throw err;
  }
  for (const head of readdirSync(stage)) {
    makeDir(`${layerDir}/${head}`);
    for (const file of readdirSync(`${stage}/${head}`)) {
      const target = `${layerDir}/${head}/${file}`;
      if (!existsSync(target)) renameSync(`${stage}/${head}/${file}`, target);
    }
  }
  rmSync(stage, { recursive: true, force: true });
}
