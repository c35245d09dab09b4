/// <reference lib="dom" />
// A data folder on one origin (a bucket or CDN), the viewer page on another: the data server sends
// the CORS headers of docs/cluster.md (here `pattern-lens serve --cors`), and Chromium browses it.
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeNpz, patternKey, toFloat32 } from "@pattern-lens/indexes";
import { viewerIndexHtml } from "@pattern-lens/viewer/node";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildViewerBundle, launchChromium, type TestBrowser } from "#test-support/browser.ts";
import { sharedPath } from "#test-support/shared.ts";
import { type StaticServer, startStaticServer } from "../src/server/static-server.ts";

const MODEL = "pythia-14m";
const PROMPT = "sCw9tqGtgecntuFkGO7kVw";

let data: string;
let pages: string;
let browser: TestBrowser;
const servers: StaticServer[] = [];

beforeAll(async () => {
  const bundle = await buildViewerBundle();
  data = mkdtempSync(join(tmpdir(), "pl-cors-data-"));
  cpSync(sharedPath("reference", "pattern-lens-demo"), data, { recursive: true });
  pages = mkdtempSync(join(tmpdir(), "pl-cors-page-"));
  copyFileSync(bundle, join(pages, "pattern-lens-viewer.js"));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(servers.map((s) => s.close()));
  for (const d of [data, pages]) if (d) rmSync(d, { recursive: true, force: true });
});

interface Hit {
  method: string;
  url: string;
  status: number;
}

/** The viewer page on one server; the data folder on a second one (another port: another origin). */
async function twoOrigins(cors: boolean): Promise<{ page: Page; hits: Hit[]; dataUrl: string }> {
  const viewer = await startStaticServer({ root: pages, port: 0 });
  servers.push(viewer);
  const hits: Hit[] = [];
  const origin = viewer.url.replace(/\/$/, "");
  const bucket = await startStaticServer({
    root: data,
    port: 0,
    ...(cors ? { cors: origin } : {}),
    onRequest: (method, url, status) => hits.push({ method, url, status }),
  });
  servers.push(bucket);
  expect(new URL(bucket.url).origin).not.toBe(new URL(viewer.url).origin);
  const name = cors ? "cors.html" : "no-cors.html";
  writeFileSync(join(pages, name), viewerIndexHtml({ src: bucket.url }));
  const page = await browser.context.newPage();
  await page.goto(
    `${viewer.url}${name}#m=${MODEL}&p=${PROMPT}&f=raw&h=${MODEL}:L0H0&open=${MODEL}:${PROMPT}:2:1`,
  );
  return { page, hits, dataUrl: bucket.url };
}

describe("a data folder on another origin", () => {
  it("is browsed, figures and exact patterns included, when its server sends the CORS headers", async () => {
    const { page, hits, dataUrl } = await twoOrigins(true);
    await expect.poll(() => page.locator("pattern-lens-viewer .prompts tbody tr").count()).toBe(32);
    // the pattern view reads activations.npz across origins: its value under the pointer is exact
    const stack = page.locator("pattern-lens-pattern .stack").first();
    await stack.waitFor();
    const npz = decodeNpz(readFileSync(join(data, MODEL, "prompts", PROMPT, "activations.npz")));
    const arr = npz.get(patternKey(2))!;
    const n = arr.shape[3]!;
    const head = toFloat32(arr).subarray(1 * n * n, 2 * n * n);
    const box = (await stack.boundingBox())!;
    const [q, k] = [50, 24];
    await page.mouse.move(box.x + ((k + 0.5) / n) * box.width, box.y + ((q + 0.5) / n) * box.height);
    await expect
      .poll(async () =>
        Number(await page.locator("pattern-lens-pattern .readout .value").getAttribute("data-value")),
      )
      .toBe(head[q * n + k]);
    // figure images come from the data origin too
    const img = page.locator("pattern-lens-viewer figure.card img").first();
    await expect.poll(() => img.evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    expect(await img.getAttribute("src")).toMatch(new RegExp(`^${dataUrl}`));
    const got = hits.filter((h) => h.method === "GET").map((h) => h.url);
    expect(got).toContain("/models.jsonl");
    expect(got).toContain(`/${MODEL}/prompts/${PROMPT}/activations.npz`);
    // nothing failed but the optional head_metrics.jsonl, which this Python-written folder lacks
    expect(hits.filter((h) => h.status >= 400).map((h) => h.url)).toEqual([`/${MODEL}/head_metrics.jsonl`]);
    await page.close();
  });

  it("fails, saying it cannot fetch, when the data server sends no CORS headers", async () => {
    const { page, hits } = await twoOrigins(false);
    await expect
      .poll(() => page.locator("pattern-lens-viewer").evaluate((el) => el.shadowRoot?.textContent ?? ""))
      .toContain("cannot fetch");
    // the request reached the server; the browser withheld the answer from the page
    expect(hits.some((h) => h.url === "/models.jsonl" && h.status === 200)).toBe(true);
    await page.close();
  });

  it("answers preflight requests and exposes the Range headers", async () => {
    const bucket = await startStaticServer({ root: data, port: 0, cors: "http://viewer.example" });
    servers.push(bucket);
    const url = `${bucket.url}${MODEL}/prompts/${PROMPT}/activations.npz`;
    const pre = await fetch(url, {
      method: "OPTIONS",
      headers: { Origin: "http://viewer.example", "Access-Control-Request-Headers": "range" },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("http://viewer.example");
    expect(pre.headers.get("access-control-allow-headers")).toContain("Range");
    expect(pre.headers.get("access-control-allow-methods")).toContain("GET");
    const part = await fetch(url, { headers: { Origin: "http://viewer.example", Range: "bytes=-22" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("access-control-allow-origin")).toBe("http://viewer.example");
    expect(part.headers.get("access-control-expose-headers")).toBe(
      "Content-Range, Content-Length, Accept-Ranges, ETag",
    );
    expect(part.headers.get("content-range")).toMatch(/^bytes \d+-\d+\/\d+$/);
    expect(new Uint8Array(await part.arrayBuffer())).toHaveLength(22);
  });
});
