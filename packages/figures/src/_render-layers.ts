// Rendering one prompt's figures, layer by layer, into staged layer folders (published whole by a
// rename) or, for a layer that exists already, file by file through atomic writes.
import { rmSync, writeFileSync } from "node:fs";
import { headFolderName, layerFolderName } from "@pattern-lens/indexes";
import ndarray from "ndarray";
import {
  type FigureListings,
  makeDir,
  publishLayer,
  stageLayer,
  writeFigureAtomic,
} from "./_figure-files.ts";
import type { FigureCounts, PromptOutcome, PromptTask, TaskSettings } from "./_process-prompt.ts";
import { checkOutputs, describe, errorText } from "./_render-checks.ts";
import type { FigureContext, RegisteredFigure } from "./types.ts";

/** Within a layer, figures done are reported once this long has passed since the last report. */
const SLOW_PROGRESS_MS = 500;

/** Renders and writes the figures still to do, layer by layer (file system errors propagate). */
export async function renderLayers(
  task: PromptTask,
  figures: readonly RegisteredFigure[],
  settings: TaskSettings,
  work: {
    /** Layer `l`'s checked patterns (read when its turn comes, so one layer is held at a time). */
    layer: (l: number) => { data: Float32Array; nHeads: number; n: number };
    todo: boolean[][][];
    listings: FigureListings;
  },
  outcome: PromptOutcome,
  onProgress: (delta: FigureCounts) => void,
  yieldPerLayer: boolean,
): Promise<void> {
  const { layer, todo, listings } = work;
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
    const { data, nHeads, n: nCtx } = layer(l);
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
