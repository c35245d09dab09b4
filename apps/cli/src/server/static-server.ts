import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, sep } from "node:path";
import { corsHeaders, preflightHeaders } from "./_cors.ts";
import { parseRange } from "./_range.ts";
import { ServeError } from "./errors.ts";
import { contentInfo } from "./mime.ts";

/** Options of {@link startStaticServer}. */
export interface StaticServerOptions {
  /** The folder to serve. Nothing outside it is ever served (symlinks are resolved first). */
  root: string;
  /** Interface to bind; default `127.0.0.1` (only this machine can connect). */
  host?: string;
  /** TCP port; default 8000. `0` picks a free port. */
  port?: number;
  /**
   * Serve the folder to pages of other origins: `*` or one origin (`http://host:port`). Adds
   * `Access-Control-Allow-Origin` and `Access-Control-Expose-Headers` to every response and answers
   * preflight `OPTIONS` requests (sent before Range requests). Default: same origin only.
   */
  cors?: string;
  /** Called once per request after the response is finished (for logging). */
  onRequest?: (method: string, url: string, status: number) => void;
}

/** A running static server. */
export interface StaticServer {
  /** The base URL, e.g. `http://127.0.0.1:8000/`. */
  url: string;
  /** The bound port (useful with `port: 0`). */
  port: number;
  /** The Node server. */
  server: Server;
  /** Stops accepting connections, ends open ones and resolves when the server is closed. */
  close(): Promise<void>;
}

/** The answer for a request path that resolved to a file inside the root, or an HTTP error status. */
type Resolved = { file: string; size: number; mtimeMs: number } | { status: number; location?: string };

/**
 * Maps a raw request target to a real file inside `rootReal`. Rejects NUL bytes, `..` segments (raw
 * or percent-encoded), backslashes, dotfiles and anything whose real path (after symlinks) leaves
 * the root. Directories redirect to their slash form and serve their `index.html`.
 */
async function resolveTarget(rootReal: string, target: string): Promise<Resolved> {
  // Only origin-form targets ("/path"); absolute-form ("http://...") and the like are refused.
  if (!target.startsWith("/")) return { status: 403 };
  const rawPath = target.split(/[?#]/, 1)[0] ?? "/";
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { status: 400 };
  }
  if (decoded.includes("\0")) return { status: 403 };
  if (decoded.includes("\\")) return { status: 403 };
  const segments = decoded.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.some((s) => s === "..")) return { status: 403 };
  if (segments.some((s) => s.startsWith("."))) return { status: 404 };
  let real: string;
  try {
    real = await realpath(join(rootReal, ...segments));
  } catch {
    return { status: 404 };
  }
  if (real !== rootReal && !real.startsWith(rootReal + sep)) return { status: 403 };
  let st = await stat(real).catch(() => undefined);
  if (!st) return { status: 404 };
  if (st.isDirectory()) {
    if (!rawPath.endsWith("/")) {
      const query = target.slice(rawPath.length);
      // one leading slash: "//host" would be a protocol-relative redirect to another site
      return { status: 301, location: `/${rawPath.replace(/^\/+/, "")}/${query}` };
    }
    real = join(real, "index.html");
    st = await stat(real).catch(() => undefined);
    if (!st?.isFile()) return { status: 404 };
  }
  if (!st.isFile()) return { status: 404 };
  return { file: real, size: st.size, mtimeMs: st.mtimeMs };
}

/**
 * The Content-Security-Policy of every response: scripts from this server only (WebAssembly
 * compilation allowed for the in-browser model), inline styles allowed (index.html and lit use
 * them), nothing framed or embedded. A figure or token text that smuggled markup in could not run
 * a script. Data and images may also come from any http(s) origin, because a page served here may
 * browse a data folder on another host (a bucket or CDN that sends the CORS headers of
 * docs/cluster.md); data:/blob: images are the viewer's own.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: http: https:",
  "worker-src 'self' blob:",
  "connect-src 'self' http: https:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  416: "Range Not Satisfiable",
  500: "Internal Server Error",
};

function sendStatus(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  const body = `${status} ${STATUS_TEXT[status] ?? ""}\n`;
  res.writeHead(status, {
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": String(Buffer.byteLength(body)),
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    ...headers,
  });
  res.end(res.req.method === "HEAD" ? undefined : body);
}

async function handle(
  rootReal: string,
  req: IncomingMessage,
  res: ServerResponse,
  cors: string | undefined,
): Promise<void> {
  const method = req.method ?? "GET";
  if (cors !== undefined) {
    if (method === "OPTIONS") {
      res.writeHead(204, preflightHeaders(cors));
      res.end();
      return;
    }
    for (const [k, v] of Object.entries(corsHeaders(cors))) res.setHeader(k, v);
  }
  if (method !== "GET" && method !== "HEAD") {
    sendStatus(res, 405, { Allow: "GET, HEAD" });
    return;
  }
  const target = await resolveTarget(rootReal, req.url ?? "/");
  if ("status" in target) {
    if (target.status === 301 && target.location) {
      res.writeHead(301, { Location: target.location, "Content-Length": "0" });
      res.end();
    } else sendStatus(res, target.status);
    return;
  }
  const { type, encoding } = contentInfo(target.file);
  const etag = `W/"${target.size.toString(16)}-${Math.floor(target.mtimeMs).toString(16)}"`;
  const headers: Record<string, string> = {
    "Content-Type": type,
    "Accept-Ranges": "bytes",
    "Last-Modified": new Date(target.mtimeMs).toUTCString(),
    ETag: etag,
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  };
  if (encoding) headers["Content-Encoding"] = encoding;
  if (req.headers["if-none-match"] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  let start = 0;
  let end = target.size - 1;
  let status = 200;
  const rangeHeader = req.headers.range;
  const ifRange = req.headers["if-range"];
  if (rangeHeader && (ifRange === undefined || ifRange === etag)) {
    const range = parseRange(rangeHeader, target.size);
    if (range === "unsatisfiable") {
      sendStatus(res, 416, { "Content-Range": `bytes */${target.size}` });
      return;
    }
    if (range) {
      ({ start, end } = range);
      status = 206;
      headers["Content-Range"] = `bytes ${start}-${end}/${target.size}`;
    }
  }
  headers["Content-Length"] = String(Math.max(0, end - start + 1));
  if (method === "HEAD" || target.size === 0) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const stream = createReadStream(target.file, { start, end });
  stream.once("open", () => {
    res.writeHead(status, headers);
    stream.pipe(res);
  });
  stream.once("error", () => {
    if (!res.headersSent) sendStatus(res, 404);
    else res.destroy();
  });
  res.once("close", () => stream.destroy());
}

/**
 * Serves the files of one folder over HTTP, read-only: GET and HEAD, single byte ranges,
 * ETag/304, correct content types (`.svgz` as gzip-encoded SVG). Binds 127.0.0.1 by default.
 *
 * @example
 * const srv = await startStaticServer({ root: "./attn_data", port: 0 });
 * console.log(srv.url); // http://127.0.0.1:43817/
 * await srv.close();
 * @throws {ServeError} `PL_SERVE_NOT_A_DIRECTORY` when `root` is not a folder, `PL_SERVE_PORT_IN_USE`
 * when the port is taken, `PL_SERVE_LISTEN` for other listen failures.
 */
export async function startStaticServer(options: StaticServerOptions): Promise<StaticServer> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 8000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ServeError("PL_SERVE_BAD_PORT", `port must be an integer from 0 to 65535, got ${port}`);
  }
  let rootReal: string;
  try {
    rootReal = await realpath(options.root);
    if (!(await stat(rootReal)).isDirectory()) throw new Error("not a directory");
  } catch (cause) {
    throw new ServeError(
      "PL_SERVE_NOT_A_DIRECTORY",
      `${options.root} is not a folder: pass --path with the data folder to serve`,
      { cause },
    );
  }
  const server = createServer((req, res) => {
    res.once("finish", () => options.onRequest?.(req.method ?? "GET", req.url ?? "", res.statusCode));
    handle(rootReal, req, res, options.cors).catch(() => {
      if (!res.headersSent) sendStatus(res, 500);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      if (err.code === "EADDRINUSE") {
        reject(
          new ServeError(
            "PL_SERVE_PORT_IN_USE",
            `port ${port} on ${host} is already in use: stop the other server or pass --port with another port (--port 0 picks a free one)`,
            { cause: err },
          ),
        );
      } else {
        reject(
          new ServeError(
            "PL_SERVE_LISTEN",
            `cannot listen on ${host}:${port} (${err.code ?? err.message}): pass another --host or --port`,
            { cause: err },
          ),
        );
      }
    };
    const onListening = () => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
  const bound = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${bound}/`,
    port: bound,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
