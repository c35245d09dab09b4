/**
 * Entry point of a figures worker thread (built to `dist/worker.js`). Not part of the public API.
 * Loads the same figure modules as the main thread, then renders one prompt per task, posting
 * progress per layer and the outcome at the end.
 * @packageDocumentation
 */
import { parentPort } from "node:worker_threads";
import { serveWorker } from "@pattern-lens/runner";
import { type FigureCounts, type PromptOutcome, type PromptTask, processPrompt } from "./_process-prompt.ts";
import { loadFigureModules, resolveFigures } from "./registry.ts";
import type { WorkerInit } from "./runner.ts";
import type { RegisteredFigure } from "./types.ts";

if (parentPort) {
  let figures: readonly RegisteredFigure[] = [];
  let init: WorkerInit | undefined;
  serveWorker<WorkerInit, PromptTask, PromptOutcome, FigureCounts>(parentPort, {
    async init(i) {
      await loadFigureModules(i.modules);
      figures = resolveFigures(i.settings.figureNames);
      init = i;
    },
    run: (task, progress) => processPrompt(task, figures, (init as WorkerInit).settings, progress),
  });
}
