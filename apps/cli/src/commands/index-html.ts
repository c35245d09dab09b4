import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { rebuildFiguresIndex } from "@pattern-lens/figures";
import { buildModelsIndex, buildPromptsIndex } from "@pattern-lens/indexes/node";
import { mergeHeadMetrics } from "@pattern-lens/metrics/node";
import { writeViewerFiles } from "@pattern-lens/viewer/node";
import { addSavePath } from "../flags.ts";
import type { CliIo } from "../program.ts";
import type { RegisterCommand } from "./index.ts";

/**
 * `pattern-lens index`: rebuilds every index of a data folder from what is on disk (models.jsonl,
 * each model's prompts.jsonl and head_metrics.jsonl, figures.jsonl) — the merge step after sharded
 * or concurrent runs — then (re)writes the offline viewer (index.html + bundle).
 */
export const registerIndexHtml: RegisterCommand = (program, io) => {
  const cmd = program
    .command("index")
    .description(
      "rebuild every index of a data folder from what is on disk (after shards), and write the viewer into it",
    );
  addSavePath(cmd, "the data folder")
    .option("--title <title>", "the page title", "pattern-lens")
    .option("--no-rebuild", "only write the viewer; leave the indexes as they are")
    .action(async (opts: { savePath: string; title: string; rebuild: boolean }) => {
      const dir = resolve(opts.savePath);
      if (opts.rebuild) await rebuildIndexes(dir, io);
      if (!existsSync(join(dir, "models.jsonl"))) {
        io.err(
          `pattern-lens: note: ${dir} has no models.jsonl yet; the viewer will show an error until 'pattern-lens activations' writes one there\n`,
        );
      }
      const written = await writeViewerFiles(dir, { title: opts.title });
      for (const f of written) io.out(`wrote ${f}\n`);
      io.out(`Open it with: pattern-lens serve --save-path ${opts.savePath}\n`);
    });
};

/** True when some folder right under `dir` holds a model_cfg.json (a model folder). */
function hasModelFolders(dir: string): boolean {
  if (!existsSync(dir)) return false;
  return readdirSync(dir, { withFileTypes: true }).some(
    (e) => e.isDirectory() && existsSync(join(dir, e.name, "model_cfg.json")),
  );
}

/** Rebuilds models.jsonl, every model's prompts.jsonl and head_metrics.jsonl, and figures.jsonl. */
async function rebuildIndexes(dir: string, io: CliIo): Promise<void> {
  if (!hasModelFolders(dir)) return;
  const models = await buildModelsIndex(dir);
  for (const m of models) {
    const prompts = await buildPromptsIndex(dir, m.sanitized_name);
    const merged = await mergeHeadMetrics({ savePath: dir, model: m.sanitized_name });
    const scored = merged === undefined ? "no head metrics" : `head metrics of ${merged.prompts} prompts`;
    const waiting = merged?.notScored.length ? ` (${merged.notScored.length} not scored yet)` : "";
    io.out(`index: ${m.sanitized_name}: ${prompts.length} prompts, ${scored}${waiting}\n`);
  }
  const figures = rebuildFiguresIndex(dir);
  io.out(
    `index: ${models.length} model${models.length === 1 ? "" : "s"}, ${figures?.length ?? 0} figure functions\n`,
  );
}
