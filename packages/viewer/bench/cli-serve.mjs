// Runs the real `pattern-lens serve` (apps/cli, built) on a folder, port 0, and returns its URL.
// The pattern view's Range loading is measured against it: the CLI's server answers Range.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../../../apps/cli/dist/cli.js", import.meta.url));

/** Starts `pattern-lens serve --path dir --port 0`; `close()` stops it (SIGTERM to that one process). */
export function cliServe(dir) {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run pnpm build first`);
  const child = spawn(process.execPath, [cli, "serve", "--path", dir, "--port", "0"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.on("exit", (code) => reject(new Error(`pattern-lens serve exited with ${code}: ${out}`)));
    child.stdout.on("data", (b) => {
      out += b;
      const m = / at (http:\/\/\S+\/) /.exec(out);
      if (m) {
        child.removeAllListeners("exit");
        resolve({
          url: m[1],
          close: () =>
            new Promise((r) => {
              child.once("exit", r);
              child.kill("SIGTERM");
            }),
        });
      }
    });
  });
}
