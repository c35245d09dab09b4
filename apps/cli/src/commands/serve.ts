import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { InvalidArgumentError } from "commander";
import { untilInterrupted } from "../interrupt.ts";
import { startStaticServer } from "../server/static-server.ts";
import type { RegisterCommand } from "./index.ts";

/** Commander parser for `--port` (shared by `serve` and `demo`). */
export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535)
    throw new InvalidArgumentError("a port is an integer from 0 to 65535.");
  return n;
}

/** `pattern-lens serve`: serves a data folder (and its viewer) over HTTP until Ctrl-C. */
export const registerServe: RegisterCommand = (program, io) => {
  program
    .command("serve")
    .description("serve a data folder and its viewer over HTTP (read-only, 127.0.0.1 by default)")
    .requiredOption("-p, --path <dir>", "the data folder to serve")
    .option("--port <port>", "TCP port (0 picks a free one)", parsePort, 8000)
    .option("--host <host>", "interface to bind; 0.0.0.0 exposes the folder to your network", "127.0.0.1")
    .action(async (opts: { path: string; port: number; host: string }) => {
      const root = resolve(opts.path);
      const srv = await startStaticServer({ root, port: opts.port, host: opts.host });
      if (!existsSync(join(root, "index.html"))) {
        io.err(
          `pattern-lens: note: ${root} has no index.html; run 'pattern-lens index --path ${opts.path}' to add the viewer\n`,
        );
      }
      io.out(`Serving ${root} at ${srv.url} (Ctrl-C to stop)\n`);
      const signal = await untilInterrupted();
      await srv.close();
      io.out(`Stopped (${signal}).\n`);
    });
};
