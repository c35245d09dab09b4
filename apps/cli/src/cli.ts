#!/usr/bin/env node
import { relaunch } from "./relaunch.ts";

// Heavy commands run in a child with malloc tunables set (see relaunch.ts); this process then
// only forwards signals and the exit status.
if (!relaunch(process.argv.slice(2))) {
  // The library entry is loaded by URL at run time (not bundled in), so that a missing build of a
  // workspace package is caught here and explained instead of ending in a MODULE_NOT_FOUND stack.
  const entry = new URL("./index.js", import.meta.url).href;
  import(entry).then(
    (cli: { runMain: (argv: string[]) => void }) => cli.runMain(process.argv.slice(2)),
    (err: NodeJS.ErrnoException) => {
      if (err.code !== "ERR_MODULE_NOT_FOUND" && err.code !== "MODULE_NOT_FOUND") throw err;
      process.stderr.write(
        `pattern-lens: error [PL_CLI_NOT_BUILT]: the CLI or a package it uses is not built (${err.message.split("\n")[0]}).\n` +
          "Run 'pnpm install && pnpm build' in the pattern-lens repository, then try again.\n",
      );
      process.exitCode = 2;
    },
  );
}
