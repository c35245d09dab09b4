import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { writeViewerFiles } from "@pattern-lens/viewer/node";
import type { RegisterCommand } from "./index.ts";

/** `pattern-lens index`: (re)writes the offline viewer (index.html + bundle) into a data folder. */
export const registerIndexHtml: RegisterCommand = (program, io) => {
  program
    .command("index")
    .description("write the viewer (index.html and pattern-lens-viewer.js) into a data folder")
    .requiredOption("-p, --path <dir>", "the data folder")
    .option("--title <title>", "the page title", "pattern-lens")
    .action(async (opts: { path: string; title: string }) => {
      const dir = resolve(opts.path);
      if (!existsSync(join(dir, "models.jsonl"))) {
        io.err(
          `pattern-lens: note: ${dir} has no models.jsonl yet; the viewer will show an error until 'pattern-lens activations' writes one there\n`,
        );
      }
      const written = await writeViewerFiles(dir, { title: opts.title });
      for (const f of written) io.out(`wrote ${f}\n`);
      io.out(`Open it with: pattern-lens serve --path ${opts.path}\n`);
    });
};
