import { resolve } from "node:path";
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
      const written = await writeViewerFiles(dir, { title: opts.title });
      for (const f of written) io.out(`wrote ${f}\n`);
      io.out(`Open it with: pattern-lens serve --path ${opts.path}\n`);
    });
};
