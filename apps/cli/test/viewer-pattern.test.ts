/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The pattern view at scale, in real Chromium: Range loading of one npz member (and the fallback
// when a server ignores Range), zoom and pan, token labels from a real GPT-2 tokenizer, dark mode,
// and patterns set directly as arrays.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadHfTokenizer, tokenizePrompt } from "@pattern-lens/activations";
import { encodeNpz, type NpyArray, patternKey, tokenLabels } from "@pattern-lens/indexes";
import { writeViewerFiles } from "@pattern-lens/viewer/node";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildViewerBundle, launchChromium, type TestBrowser } from "#test-support/browser.ts";
import { sharedPath } from "#test-support/shared.ts";
import { colourOff, tokensInView, tokenTints } from "#test-support/token-panel.ts";
import { type StaticServer, startStaticServer } from "../src/server/static-server.ts";

const MODEL = "gpt2-tok";
const TEXT = "It’s a café in 東京 🙂, isn’t it? The café’s “menu” lists 日本語 and émojis 🎉🙂.";
const LAYERS = 3;
const HEADS = 2;
const HASHES = { deflate: "deflatedAAAAAAAAAAAAAA", stored: "storedAAAAAAAAAAAAAAAA" };

let dir: string;
let srv: StaticServer;
let plain: Server;
let plainUrl: string;
let browser: TestBrowser;
let tokens: string[];
let n: number;
const requests: { url: string; status: number }[] = [];
const layerData: Float32Array[] = [];

function makeData(): string {
  const d = mkdtempSync(join(tmpdir(), "pl-viewer-pattern-"));
  const tok = loadHfTokenizer(sharedPath("models", "gpt2-tokenizer"));
  tokens = tokenizePrompt(tok, TEXT, { prependBos: true }).tokens;
  n = tokens.length;
  let seed = 3;
  const rnd = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const arrays: Record<string, NpyArray> = {};
  for (let l = 0; l < LAYERS; l++) {
    const data = new Float32Array(HEADS * n * n);
    for (let h = 0; h < HEADS; h++)
      for (let q = 0; q < n; q++) {
        let s = 0;
        for (let k = 0; k <= q; k++) s += data[h * n * n + q * n + k] = rnd() ** 3 + 1e-3;
        for (let k = 0; k <= q; k++)
          data[h * n * n + q * n + k] = Math.fround(data[h * n * n + q * n + k]! / s);
      }
    layerData.push(data);
    arrays[patternKey(l)] = { dtype: "<f4", shape: [1, HEADS, n, n], data };
  }
  const cfg = { model_name: MODEL, sanitized_name: MODEL, n_layers: LAYERS, n_heads: HEADS };
  writeFileSync(join(d, "models.jsonl"), `${JSON.stringify(cfg)}\n`);
  writeFileSync(join(d, "figures.jsonl"), "");
  const lines = [];
  for (const [kind, hash] of Object.entries(HASHES)) {
    const pdir = join(d, MODEL, "prompts", hash);
    mkdirSync(pdir, { recursive: true });
    const prompt = { text: TEXT, hash, n_tokens: n, tokens };
    writeFileSync(join(pdir, "prompt.json"), JSON.stringify(prompt));
    writeFileSync(
      join(pdir, "activations.npz"),
      encodeNpz(arrays, { compressLevel: kind === "stored" ? 0 : 6 }),
    );
    lines.push(JSON.stringify(prompt));
  }
  writeFileSync(join(d, MODEL, "prompts.jsonl"), `${lines.join("\n")}\n`);
  return d;
}

/** A server that ignores Range headers: every file whole, status 200 (and no CSP). */
function startPlainServer(root: string): Promise<Server> {
  const s = createServer((req, res) => {
    try {
      const body = readFileSync(join(root, decodeURIComponent((req.url ?? "/").split(/[?#]/)[0]!)));
      const path = (req.url ?? "").split("?")[0]!;
      const type = path.endsWith(".html") ? "text/html" : path.endsWith(".js") ? "text/javascript" : "";
      res.writeHead(200, { "Content-Length": String(body.length), "Content-Type": type }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => s.listen(0, "127.0.0.1", () => resolve(s)));
}

beforeAll(async () => {
  await buildViewerBundle();
  dir = makeData();
  await writeViewerFiles(dir);
  writeFileSync(join(dir, "pattern.html"), PAGE);
  writeFileSync(join(dir, "pattern-page.js"), PAGE_JS);
  srv = await startStaticServer({
    root: dir,
    port: 0,
    onRequest: (_m, url, status) => requests.push({ url, status }),
  });
  plain = await startPlainServer(dir);
  plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await srv?.close();
  await new Promise((r) => plain?.close(r));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A page with one pattern view; its attributes come from the query string. */
const PAGE = `<!doctype html><meta charset="utf-8"><body><script type="module" src="./pattern-page.js"></script>`;
// A file, not an inline script: pattern-lens serve's Content-Security-Policy allows 'self' only.
const PAGE_JS = `import "./pattern-lens-viewer.js";
const q = new URLSearchParams(location.search);
const el = document.createElement("pattern-lens-pattern");
for (const [k, v] of q) el.setAttribute(k, v);
el.style.setProperty("--pl-heatmap-size", "480px");
document.body.append(el);
`;

async function openPattern(base: string, hash: string, layer: number, head: number): Promise<Page> {
  const page = await browser.context.newPage();
  page.on("pageerror", (e) => {
    throw e;
  });
  const q = new URLSearchParams({
    src: base,
    model: MODEL,
    prompt: hash,
    layer: String(layer),
    head: String(head),
  });
  await page.goto(`${base}pattern.html?${q}`);
  await page.locator("pattern-lens-pattern .stack").waitFor();
  return page;
}

const head = (l: number, h: number) => layerData[l]!.subarray(h * n * n, (h + 1) * n * n);

async function hover(page: Page, q: number, k: number): Promise<void> {
  const vp = await page
    .locator("pattern-lens-pattern")
    .evaluate((el) => (el as unknown as { viewport: { x: number; y: number; span: number } }).viewport);
  const box = (await page.locator("pattern-lens-pattern .stack").boundingBox())!;
  await page.mouse.move(
    box.x + ((k + 0.5 - vp.x) / vp.span) * box.width,
    box.y + ((q + 0.5 - vp.y) / vp.span) * box.height,
  );
}

const readValue = async (page: Page) =>
  Number(await page.locator("pattern-lens-pattern .readout .value").getAttribute("data-value"));

describe("pattern view: loading one layer", () => {
  for (const [kind, hash] of Object.entries(HASHES)) {
    it(`reads only the layer shown with Range requests (${kind} members), values exact`, async () => {
      requests.length = 0;
      const page = await openPattern(srv.url, hash, 2, 1);
      for (const [q, k] of [
        [n - 1, 0],
        [10, 7],
        [n - 1, n - 1],
      ] as const) {
        await hover(page, q, k);
        await expect.poll(() => readValue(page)).toBe(head(2, 1)[q * n + k]);
      }
      expect(page.workers()).toHaveLength(1); // inflated off the main thread
      const npz = requests.filter((r) => r.url.endsWith("activations.npz"));
      // the size, the directory (the last 64 kB: here the whole small file) and layer 2's member
      expect(npz.map((r) => r.status)).toEqual([200, 206, 206]);
      // another head of the same layer: no new request
      await page.locator("pattern-lens-pattern select.head-a").selectOption("2,0");
      await hover(page, 20, 3);
      await expect.poll(() => readValue(page)).toBe(head(2, 0)[20 * n + 3]);
      expect(requests.filter((r) => r.url.endsWith("activations.npz")).length).toBe(3);
      await page.close();
    });
  }

  it("falls back to one whole-file download when the server ignores Range", async () => {
    const page = await openPattern(plainUrl, HASHES.deflate, 1, 0);
    await hover(page, 30, 12);
    await expect.poll(() => readValue(page)).toBe(head(1, 0)[30 * n + 12]);
    await page.locator("pattern-lens-pattern select.head-a").selectOption("0,1");
    await hover(page, 31, 2);
    await expect.poll(() => readValue(page)).toBe(head(0, 1)[31 * n + 2]);
    await page.close();
  });

  it("names a missing prompt instead of blaming src", async () => {
    const page = await browser.context.newPage();
    await page.goto(
      `${srv.url}#m=${MODEL}&p=${HASHES.deflate}&f=raw&h=${MODEL}:L0H0&open=${MODEL}:nosuchpromptAAAAAAAAAA:0:0`,
    );
    await expect
      .poll(() => page.locator("pattern-lens-pattern .error").textContent())
      .toContain("prompt nosuchpromptAAAAAAAAAA of model gpt2-tok is not in this data folder");
    await page.close();
  });
});

describe("pattern view: tokens, zoom, dark mode, arrays", () => {
  it("labels tokens of a byte-level BPE tokenizer as text: ’ é CJK emoji", async () => {
    const page = await openPattern(srv.url, HASHES.deflate, 0, 0);
    const shown = await page.locator("pattern-lens-pattern .tokens .tok").allTextContents();
    expect(shown).toEqual(tokenLabels(tokens).map((t) => t.replaceAll(" ", "␣")));
    // no stand-in characters of the byte-level alphabet, no replacement characters
    const joined = shown.join("");
    expect(joined).not.toMatch(/[âĢĻľÃ�]/);
    expect(joined.replaceAll("␣", " ").replace(/\\x[0-9A-F]{2}/g, "")).toBe(TEXT);
    for (const s of ["’", "café", "東", "🙂", "🎉", "“"]) expect(joined).toContain(s);
    await page.close();
  });

  it("zooms with the wheel about the pointer, pans, box-zooms, resets with 0; hover stays exact", async () => {
    const page = await openPattern(srv.url, HASHES.deflate, 1, 1);
    const el = page.locator("pattern-lens-pattern");
    const vp = () =>
      el.evaluate((e) => (e as unknown as { viewport: { x: number; y: number; span: number } }).viewport);
    const box = (await page.locator("pattern-lens-pattern .stack").boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.75, box.y + box.height * 0.75);
    const before = await vp();
    expect(before).toEqual({ x: 0, y: 0, span: n });
    await page.mouse.wheel(0, -600);
    await expect.poll(async () => (await vp()).span).toBeLessThan(n / 2);
    const z = await vp();
    // the point under the pointer did not move
    expect(z.x + 0.75 * z.span).toBeCloseTo(0.75 * n, 0);
    await expect(page.locator("pattern-lens-pattern canvas.minimap").count()).resolves.toBe(1);
    for (const [q, k] of [
      [Math.floor(0.75 * n), Math.floor(0.7 * n)],
      [Math.ceil(z.y), Math.ceil(z.x)],
    ] as const) {
      await hover(page, q, k);
      await expect.poll(() => readValue(page)).toBe(head(1, 1)[q * n + k]);
    }
    // drag pans by the distance moved
    await page.mouse.move(box.x + 200, box.y + 200);
    await page.mouse.down();
    await page.mouse.move(box.x + 240, box.y + 220, { steps: 4 });
    await page.mouse.up();
    const panned = await vp();
    const cellPx = box.width / z.span;
    expect(panned.x).toBeCloseTo(Math.max(0, z.x - 40 / cellPx), 1);
    expect(panned.y).toBeCloseTo(Math.max(0, z.y - 20 / cellPx), 1);
    expect(await el.evaluate((e) => (e as unknown as { locked: boolean }).locked)).toBe(false);
    // 0 resets; a shift-drag box zooms to it
    await page.locator("pattern-lens-pattern .stack").focus();
    await page.keyboard.press("0");
    await expect.poll(vp).toEqual({ x: 0, y: 0, span: n });
    const at = (c: number) => (c / n) * box.width;
    await page.keyboard.down("Shift");
    await page.mouse.move(box.x + at(10), box.y + at(20));
    await page.mouse.down();
    await page.mouse.move(box.x + at(30), box.y + at(40), { steps: 5 });
    await page.mouse.up();
    await page.keyboard.up("Shift");
    const b = await vp();
    expect(b.span).toBeCloseTo(20, 0);
    expect(b.x).toBeCloseTo(10, 0);
    expect(b.y).toBeCloseTo(20, 0);
    await page.keyboard.press("+");
    await expect.poll(async () => (await vp()).span).toBeCloseTo(10, 0);
    await page.close();
  });

  it("paints the exact cells when zoomed in, and token labels on the axes once they fit", async () => {
    const page = await openPattern(srv.url, HASHES.deflate, 0, 1);
    const h = head(0, 1);
    let best = 0;
    for (let i = 0; i < h.length; i++) if (h[i]! > h[best]!) best = i;
    const q = Math.floor(best / n);
    const k = best % n;
    const el = page.locator("pattern-lens-pattern");
    await el.evaluate((e, v) => Object.assign(e, { viewport: v }), {
      x: Math.max(0, k - 2),
      y: Math.max(0, q - 2),
      span: 5,
    });
    const pixel = () =>
      el.evaluate(
        (e, c) => {
          const root = e.shadowRoot!;
          const cv = root.querySelector("canvas.img") as HTMLCanvasElement;
          const v = (e as unknown as { viewport: { x: number; y: number; span: number } }).viewport;
          const s = cv.width / v.span;
          const d = cv
            .getContext("2d")!
            .getImageData(Math.floor((c.k + 0.5 - v.x) * s), Math.floor((c.q + 0.5 - v.y) * s), 1, 1).data;
          return [d[0], d[1], d[2]];
        },
        { q, k },
      );
    await expect.poll(pixel).toEqual([8, 48, 107]); // the darkest blue: this head's maximum
    // The axes carry text: the left axis has ink near its right edge on the query's row.
    const ink = await el.evaluate((e) => {
      const cv = e.shadowRoot!.querySelector("canvas.axis-left") as HTMLCanvasElement;
      const d = cv.getContext("2d")!.getImageData(0, 0, cv.width, cv.height).data;
      let count = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) count++;
      return count;
    });
    expect(ink).toBeGreaterThan(200);
    await page.close();
  });

  it("shows patterns set directly as arrays (no data folder)", async () => {
    const page = await browser.context.newPage();
    await page.goto(`${srv.url}pattern.html?layer=1&head=1`);
    await page.locator("pattern-lens-pattern").evaluate(
      (e, d) => {
        Object.assign(e, {
          patterns: {
            layers: d.layers.map((l) => new Float32Array(l)),
            tokenIds: d.tokens.map((_, i) => i),
            tokens: d.tokens,
          },
        });
      },
      { layers: layerData.map((l) => Array.from(l)), tokens },
    );
    await page.locator("pattern-lens-pattern .stack").waitFor();
    await hover(page, 25, 24);
    await expect.poll(() => readValue(page)).toBe(head(1, 1)[25 * n + 24]);
    await page.close();
  });

  it("tints the query's keys in the token panel by attention, also those scrolled into view (1,500 tokens)", async () => {
    const page = await browser.context.newPage();
    await page.goto(`${srv.url}pattern.html?layer=0&head=0`);
    const el = page.locator("pattern-lens-pattern");
    const N = 1500;
    // A causal pattern made in the page and here alike: row q gives key k <= q the weight w(q, k).
    const w = (q: number, k: number) => (k <= q ? ((q * 7 + k * 13) % 50) + 1 : 0);
    await el.evaluate(
      (e, [n, src]) => {
        const weight = new Function("q", "k", `return (${src})(q, k);`) as (q: number, k: number) => number;
        const data = new Float32Array(n * n);
        for (let q = 0; q < n; q++) for (let k = 0; k <= q; k++) data[q * n + k] = weight(q, k);
        Object.assign(e, {
          patterns: {
            layers: [data],
            tokenIds: Array.from({ length: n }, (_, i) => i),
            tokens: Array.from({ length: n - 1 }, (_, i) => `w${i + 1}`),
          },
        });
      },
      [N, w.toString()] as const,
    );
    await page.locator("pattern-lens-pattern .stack").waitFor();
    const q = 1400;
    const k = 37;
    await el.evaluate(
      (e, [a, b]) => (e as unknown as { lockCell(q: number, k: number): void }).lockCell(a, b),
      [q, k] as const,
    );
    const panel = page.locator("pattern-lens-pattern .tokens");
    await expect.poll(() => panel.getAttribute("data-query")).toBe(String(q));
    expect(await panel.getAttribute("data-key")).toBe(String(k));
    const max = Math.max(...Array.from({ length: q + 1 }, (_, j) => w(q, j)));
    const alpha = (j: number) => Math.round((w(q, j) / max) * 0.6 * 255);
    const check = async (indices: number[]) => {
      const tints = await tokenTints(el, indices);
      for (const t of tints) {
        expect(t.inView, `token ${t.index} in view`).toBe(true);
        expect(
          Math.abs(t.rgba[3] - alpha(t.index)),
          `token ${t.index}: alpha ${t.rgba[3]}`,
        ).toBeLessThanOrEqual(1);
        // the tint's colour (within the canvas's premultiplied-alpha rounding)
        if (t.rgba[3] > 100) expect(colourOff(t.rgba, [33, 113, 181])).toBeLessThanOrEqual(1);
      }
    };
    // The panel scrolls: only part of it is in view, and every token in view carries its tint.
    const top = await tokensInView(el);
    expect(top[0]).toBe(0);
    expect(top.length).toBeLessThan(N / 2);
    await check(top.filter((i) => i % 5 === 0));
    const [key] = await tokenTints(el, [k], "underline");
    expect(key!.rgba).toEqual([232, 89, 12, 255]); // the key's underline, in the accent colour
    // Scrolled to the end: the tokens brought into view are tinted too, keys after the query not at all.
    await panel.evaluate((p) => p.scrollTo(0, p.scrollHeight));
    await expect.poll(async () => (await tokensInView(el)).at(-1)).toBe(N - 1);
    const bottom = await tokensInView(el);
    expect(bottom).toContain(q);
    await expect.poll(async () => (await tokenTints(el, [q - 1]))[0]!.rgba[3]).toBeGreaterThan(0);
    await check(bottom.filter((i) => i % 3 === 0 || i === q));
    expect(bottom.filter((i) => i > q).length).toBeGreaterThan(10);
    for (const t of await tokenTints(
      el,
      bottom.filter((i) => i > q),
    ))
      expect(t.rgba[3]).toBe(0);
    const [query] = await tokenTints(el, [q], "left");
    expect(query!.rgba[0]).toBeGreaterThan(150); // the query's outline, in the accent colour
    expect(query!.rgba[2]).toBeLessThan(120);
    await page.close();
  });

  it("dark mode darkens the whole page, not only the component", async () => {
    const page = await browser.context.newPage();
    await page.goto(
      `${srv.url}#m=${MODEL}&p=${HASHES.deflate}&f=raw&h=${MODEL}:L0H0&dark=1&open=${MODEL}:${HASHES.deflate}:0:0`,
    );
    await page.locator("pattern-lens-pattern .stack").waitFor();
    const colours = await page.evaluate(() => ({
      html: getComputedStyle(document.documentElement).backgroundColor,
      body: getComputedStyle(document.body).backgroundColor,
      pattern: getComputedStyle(
        document.querySelector("pattern-lens-viewer")!.shadowRoot!.querySelector("pattern-lens-pattern")!,
      ).color,
    }));
    expect(colours).toEqual({
      html: "rgb(13, 17, 23)",
      body: "rgb(13, 17, 23)",
      pattern: "rgb(230, 237, 243)",
    });
    await page
      .locator("pattern-lens-viewer input.dark-mode")
      .uncheck({ force: true })
      .catch(() => undefined);
    await page.close();
  });
});
