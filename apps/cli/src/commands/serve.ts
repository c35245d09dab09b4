import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { addSavePath, parsePort } from "../flags.ts";
import { untilInterrupted } from "../interrupt.ts";
import { startStaticServer } from "../server/static-server.ts";
import type { RegisterCommand } from "./index.ts";

/** `pattern-lens serve`: serves a data folder (and its viewer) over HTTP until Ctrl-C. */
export const registerServe: RegisterCommand = (program, io) => {
  const cmd = program
    .command("serve")
    .description("serve a data folder and its viewer over HTTP (read-only, 127.0.0.1 by default)");
  addSavePath(cmd, "the data folder to serve")
    .option("--port <port>", "TCP port (0 picks a free one)", parsePort, 8000)
    .option("--host <host>", "interface to bind; 0.0.0.0 exposes the folder to your network", "127.0.0.1")
    .option(
      "--cors <origin>",
      "let a viewer page on this origin read the folder (CORS headers, Range allowed; see docs/cluster.md)",
    )
    .action(async (opts: { savePath: string; port: number; host: string; cors?: string }) => {
      const root = resolve(opts.savePath);
      const srv = await startStaticServer({
        root,
        port: opts.port,
        host: opts.host,
        ...(opts.cors !== undefined ? { cors: opts.cors } : {}),
      });
      if (!existsSync(join(root, "index.html"))) {
        io.err(
          `pattern-lens: note: ${root} has no index.html; run 'pattern-lens index --save-path ${opts.savePath}' to add the viewer\n`,
        );
      }
      io.out(`Serving ${root} at ${srv.url} (Ctrl-C to stop)\n`);
      const signal = await untilInterrupted();
      await srv.close();
      io.out(`Stopped (${signal}).\n`);
    });
};
