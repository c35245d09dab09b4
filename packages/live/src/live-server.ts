/**
 * A small HTTP server for the live page: an exact table of served names (nothing else on disk is
 * reachable), GET/HEAD only, on 127.0.0.1, with the cross-origin isolation headers (COOP/COEP)
 * that WebAssembly threads need.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** What a served name answers with: a file on disk or text held in memory. */
export type LiveRoute = { file: string } | { text: string };

/** Options of {@link startLiveServer}. */
export interface LiveServerOptions {
  /** URL path (`/`, `/model/live.json`, ...) → what it serves. */
  routes: Map<string, LiveRoute>;
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
  /** TCP port; default 8000; `0` picks a free one. */
  port?: number;
  /** Called after each response. */
  onRequest?: (method: string, url: string, status: number) => void;
}

/** A running live server. */
export interface LiveServer {
  /** Base URL, e.g. `http://127.0.0.1:8000/`. */
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  json: "application/json; charset=utf-8",
  wasm: "application/wasm",
};

const contentType = (path: string) =>
  TYPES[/\.([a-z0-9]+)$/i.exec(path === "/" ? "/index.html" : path)?.[1]?.toLowerCase() ?? ""] ??
  "application/octet-stream";

/** Starts the server; resolves once it listens. */
export function startLiveServer(opts: LiveServerOptions): Promise<LiveServer> {
  const server = createServer(async (req, res) => {
    const path = (req.url ?? "/").split(/[?#]/, 1)[0] ?? "/";
    const done = (status: number) => opts.onRequest?.(req.method ?? "", req.url ?? "", status);
    res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
    res.setHeader("Cross-Origin-Embedder-Policy", "require-corp");
    res.setHeader("Cross-Origin-Resource-Policy", "same-origin");
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Cache-Control", "no-cache");
    const route = opts.routes.get(path);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD" }).end();
      return done(405);
    }
    if (!route) {
      res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("not found\n");
      return done(404);
    }
    try {
      if ("text" in route) {
        const body = Buffer.from(route.text);
        res.writeHead(200, { "Content-Type": contentType(path), "Content-Length": body.length });
        res.end(req.method === "HEAD" ? undefined : body);
        return done(200);
      }
      const st = await stat(route.file);
      res.writeHead(200, { "Content-Type": contentType(path), "Content-Length": st.size });
      if (req.method === "HEAD") {
        res.end();
        return done(200);
      }
      createReadStream(route.file)
        .on("error", () => res.destroy())
        .pipe(res);
      res.on("finish", () => done(200));
    } catch {
      if (!res.headersSent) res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" });
      res.end("not found\n");
      done(404);
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 8000, opts.host ?? "127.0.0.1", () => {
      const { port, address } = server.address() as AddressInfo;
      const host = address.includes(":") ? `[${address}]` : address;
      resolve({
        url: `http://${host}:${port}/`,
        port,
        server,
        close: () =>
          new Promise<void>((r) => {
            server.close(() => r());
            server.closeAllConnections();
          }),
      });
    });
  });
}
