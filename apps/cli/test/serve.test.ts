import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeError } from "../src/errors.ts";
import { runCommand } from "../src/program.ts";
import { type StaticServer, startStaticServer } from "../src/server/static-server.ts";

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Sends the request target exactly as given (fetch would normalise `..` away). */
function raw(
  port: number,
  path: string,
  method = "GET",
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>';
const PNG = Buffer.from(Array.from({ length: 300 }, (_, i) => i % 256));

let base: string;
let root: string;
let srv: StaticServer;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), "pl-serve-"));
  root = join(base, "data");
  mkdirSync(join(root, "sub", "deep"), { recursive: true });
  writeFileSync(join(base, "secret.txt"), "top secret");
  writeFileSync(join(root, "index.html"), "<!doctype html><title>viewer</title>");
  writeFileSync(join(root, "figure.png"), PNG);
  writeFileSync(join(root, "figure.svg"), SVG);
  writeFileSync(join(root, "figure.svgz"), gzipSync(SVG));
  writeFileSync(join(root, "models.jsonl"), '{"model_name":"m"}\n');
  writeFileSync(join(root, "cfg.json"), "{}");
  writeFileSync(join(root, "bundle.js"), "export {};");
  writeFileSync(join(root, "activations.npz"), Buffer.from([0x50, 0x4b, 3, 4]));
  writeFileSync(join(root, ".hidden"), "dotfile");
  writeFileSync(join(root, "sub", "deep", "a.txt"), "deep file");
  symlinkSync(join(base, "secret.txt"), join(root, "link-out.txt"));
  symlinkSync(base, join(root, "dir-out"));
  symlinkSync(join(root, "sub", "deep", "a.txt"), join(root, "link-in.txt"));
  srv = await startStaticServer({ root, port: 0 });
});

afterAll(async () => {
  await srv?.close();
  rmSync(base, { recursive: true, force: true });
});

describe("static server: never outside the folder", () => {
  it.each([
    ["/../secret.txt"],
    ["/sub/../../secret.txt"],
    ["/%2e%2e/secret.txt"],
    ["/%2E%2E%2Fsecret.txt"],
    ["/..%2fsecret.txt"],
    ["/sub/%2e%2e/%2e%2e/secret.txt"],
    ["/..\\secret.txt"],
    ["/sub%5c..%5c..%5csecret.txt"],
    ["/index.html%00.png"],
    ["/%00"],
    ["/link-out.txt"],
    ["/dir-out/secret.txt"],
    ["/.hidden"],
    ["/etc/passwd"],
    ["//etc/passwd"],
    ["http://example.com/../secret.txt"],
  ])("%s is refused with 403 or 404", async (path) => {
    const res = await raw(srv.port, path);
    expect([403, 404]).toContain(res.status);
    expect(res.body.toString()).not.toContain("top secret");
    expect(res.body.toString()).not.toContain("dotfile");
  });

  it("refuses the absolute path of a file outside", async () => {
    const res = await raw(srv.port, `/${join(base, "secret.txt")}`);
    expect([403, 404]).toContain(res.status);
  });

  it("serves a symlink that stays inside", async () => {
    const res = await raw(srv.port, "/link-in.txt");
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe("deep file");
  });

  it("binds 127.0.0.1 by default", () => {
    const addr = srv.server.address();
    expect(typeof addr === "object" && addr?.address).toBe("127.0.0.1");
    expect(srv.url).toBe(`http://127.0.0.1:${srv.port}/`);
  });
});

describe("static server: content", () => {
  it.each([
    ["/index.html", "text/html; charset=utf-8"],
    ["/", "text/html; charset=utf-8"],
    ["/bundle.js", "text/javascript; charset=utf-8"],
    ["/cfg.json", "application/json; charset=utf-8"],
    ["/models.jsonl", "application/jsonl; charset=utf-8"],
    ["/figure.png", "image/png"],
    ["/figure.svg", "image/svg+xml"],
    ["/activations.npz", "application/octet-stream"],
  ])("%s is %s", async (path, type) => {
    const res = await raw(srv.port, path);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe(type);
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("serves .svgz as gzip-encoded SVG, so a browser shows it", async () => {
    const res = await raw(srv.port, "/figure.svgz");
    expect(res.headers["content-type"]).toBe("image/svg+xml");
    expect(res.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(res.body).toString()).toBe(SVG);
    // fetch decodes the gzip transparently, as a browser does.
    const text = await (await fetch(`${srv.url}figure.svgz`)).text();
    expect(text).toBe(SVG);
  });

  it("redirects a folder to its slash form, keeping the query", async () => {
    const res = await raw(srv.port, "/sub?x=1");
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe("/sub/?x=1");
    expect((await raw(srv.port, "/sub/")).status).toBe(404); // no index.html, no listing
  });

  it("answers HEAD with the headers and no body", async () => {
    const res = await raw(srv.port, "/figure.png", "HEAD");
    expect(res.status).toBe(200);
    expect(res.headers["content-length"]).toBe(String(PNG.length));
    expect(res.headers["accept-ranges"]).toBe("bytes");
    expect(res.body.length).toBe(0);
  });

  it("serves byte ranges", async () => {
    const a = await raw(srv.port, "/figure.png", "GET", { Range: "bytes=10-19" });
    expect(a.status).toBe(206);
    expect(a.headers["content-range"]).toBe(`bytes 10-19/${PNG.length}`);
    expect(a.body).toEqual(PNG.subarray(10, 20));
    const b = await raw(srv.port, "/figure.png", "GET", { Range: "bytes=-7" });
    expect(b.status).toBe(206);
    expect(b.body).toEqual(PNG.subarray(PNG.length - 7));
    const c = await raw(srv.port, "/figure.png", "GET", { Range: "bytes=295-" });
    expect(c.body).toEqual(PNG.subarray(295));
    const d = await raw(srv.port, "/figure.png", "GET", { Range: "bytes=5000-" });
    expect(d.status).toBe(416);
    expect(d.headers["content-range"]).toBe(`bytes */${PNG.length}`);
    const e = await raw(srv.port, "/figure.png", "HEAD", { Range: "bytes=0-0" });
    expect(e.status).toBe(206);
    expect(e.headers["content-length"]).toBe("1");
  });

  it("answers 304 to a matching If-None-Match and 405 to POST", async () => {
    const first = await raw(srv.port, "/figure.png");
    const etag = String(first.headers.etag);
    expect((await raw(srv.port, "/figure.png", "GET", { "If-None-Match": etag })).status).toBe(304);
    const post = await raw(srv.port, "/figure.png", "POST");
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe("GET, HEAD");
  });

  it("handles many concurrent requests", async () => {
    const paths = Array.from({ length: 60 }, (_, i) =>
      i % 3 === 0 ? "figure.png" : i % 3 === 1 ? "figure.svg" : "sub/deep/a.txt",
    );
    const bodies = await Promise.all(
      paths.map(async (p) => Buffer.from(await (await fetch(srv.url + p)).arrayBuffer())),
    );
    bodies.forEach((b, i) => {
      const p = paths[i];
      expect(b).toEqual(p === "figure.png" ? PNG : Buffer.from(p === "figure.svg" ? SVG : "deep file"));
    });
  });
});

describe("pattern-lens serve", () => {
  it("gives PL_SERVE_PORT_IN_USE with a clear message when the port is taken", async () => {
    const err = await startStaticServer({ root, port: srv.port }).catch((e: unknown) => e);
    expect((err as { code: string }).code).toBe("PL_SERVE_PORT_IN_USE");
    const cliErr = await runCommand(["serve", "--path", root, "--port", String(srv.port)], {
      out: () => {},
      err: () => {},
    }).catch((e: unknown) => e);
    const report = describeError(cliErr);
    expect(report.exitCode).toBe(2);
    expect(report.message).toContain("[PL_SERVE_PORT_IN_USE]");
    expect(report.message).toContain(`port ${srv.port}`);
    expect(report.message).toContain("--port");
  });

  it("refuses a path that is not a folder", async () => {
    const err = await startStaticServer({ root: join(root, "cfg.json"), port: 0 }).catch((e: unknown) => e);
    expect((err as { code: string }).code).toBe("PL_SERVE_NOT_A_DIRECTORY");
  });

  it("serves until Ctrl-C, then closes and returns 0", async () => {
    let out = "";
    let printed: () => void = () => {};
    const started = new Promise<void>((r) => {
      printed = r;
    });
    const io = {
      out: (t: string) => {
        out += t;
        if (t.startsWith("Serving")) printed();
      },
      err: () => {},
    };
    const done = runCommand(["serve", "--path", root, "--port", "0"], io);
    await started;
    const url = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1];
    expect(url).toBeDefined();
    expect(await (await fetch(`${url}sub/deep/a.txt`)).text()).toBe("deep file");
    process.emit("SIGINT");
    expect(await done).toBe(0);
    expect(out).toContain("Stopped (SIGINT)");
    await expect(fetch(`${url}index.html`)).rejects.toThrow();
  });
});
