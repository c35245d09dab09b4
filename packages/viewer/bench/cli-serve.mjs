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
    const early = (code) => reject(new Error(`pattern-lens serve exited with ${code}: ${out}`));
    child.on("exit", early);
    child.stdout.on("data", (b) => {
      if (out.includes(" at http")) return; // started already
      out += b;
      const m = / at (http:\/\/\S+\/) /.exec(out);
      if (m) {
        child.off("exit", early);
        resolve({
          url: m[1],
          close: () =>
            new Promise((r) => {
              if (child.exitCode !== null || child.signalCode !== null) return r();
              const t = setTimeout(() => child.kill("SIGKILL"), 2000);
              child.once("exit", () => {
                clearTimeout(t);
                r();
              });
              child.kill("SIGTERM");
            }),
        });
      }
    });
  });
}
