import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { writeViewerFiles } from "@pattern-lens/viewer/node";
import { addSavePath } from "../flags.ts";
import type { RegisterCommand } from "./index.ts";

/** `pattern-lens index`: (re)writes the offline viewer (index.html + bundle) into a data folder. */
export const registerIndexHtml: RegisterCommand = (program, io) => {
  const cmd = program
    .command("index")
    .description("write the viewer (index.html and pattern-lens-viewer.js) into a data folder");
  addSavePath(cmd, "the data folder")
    .option("--title <title>", "the page title", "pattern-lens")
    .action(async (opts: { savePath: string; title: string }) => {
      const dir = resolve(opts.savePath);
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
