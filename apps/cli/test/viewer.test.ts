/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// page.evaluate callbacks run in the browser: they need the DOM types.
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeNpz, patternKey, toFloat32 } from "@pattern-lens/indexes";
import { displayTokens } from "@pattern-lens/viewer";
import { writeViewerFiles } from "@pattern-lens/viewer/node";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildViewerBundle, launchChromium, type TestBrowser } from "#test-support/browser.ts";
import { sharedPath } from "#test-support/shared.ts";
import { colourOff, tokenTints } from "#test-support/token-panel.ts";
import { type StaticServer, startStaticServer } from "../src/server/static-server.ts";

const MODEL = "pythia-14m";
const PROMPT = "sCw9tqGtgecntuFkGO7kVw"; // 81 tokens, StackExchange
const XSS_PROMPT = "-dDLtEAuQkO6aEbgF9OZ9A";
const NO_META_PROMPT = "154QVY-xqZlyiFm1FvmMhg";
const XSS_TOKEN = "<img src=x onerror=alert(1)>";
const XSS_TOKEN2 = "<script>window.__pwned=1</script>";
const XSS_TEXT = "<img src=x onerror=window.__pwned=2>";

interface PromptLine {
  hash: string;
  text: string;
  n_tokens: number;
  tokens: string[];
  meta?: { pile_set_name?: string };
}

let dir: string;
let srv: StaticServer;
let browser: TestBrowser;
let prompts: PromptLine[];

/** The demo folder, copied, with one prompt's tokens made hostile and one prompt without meta. */
function prepareData(): string {
  const d = mkdtempSync(join(tmpdir(), "pl-viewer-"));
  cpSync(sharedPath("reference", "pattern-lens-demo"), d, { recursive: true });
  chmodSync(d, 0o755);
  const index = join(d, MODEL, "prompts.jsonl");
  chmodSync(join(d, MODEL), 0o755);
  chmodSync(index, 0o644);
  const lines = readFileSync(index, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as PromptLine);
  for (const p of lines) {
    if (p.hash === XSS_PROMPT) {
      p.tokens[4] = XSS_TOKEN;
      p.tokens[5] = XSS_TOKEN2;
      p.text = `${XSS_TEXT} ${p.text}`;
      const pj = join(d, MODEL, "prompts", XSS_PROMPT, "prompt.json");
      chmodSync(join(d, MODEL, "prompts", XSS_PROMPT), 0o755);
      chmodSync(pj, 0o644);
      writeFileSync(pj, JSON.stringify(p));
    }
    if (p.hash === NO_META_PROMPT) delete p.meta;
  }
  writeFileSync(index, `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
  prompts = lines;
  return d;
}

function npzHead(hash: string, layer: number, head: number): { n: number; data: Float32Array } {
  const npz = decodeNpz(readFileSync(join(dir, MODEL, "prompts", hash, "activations.npz")));
  const arr = npz.get(patternKey(layer))!;
  const n = arr.shape[3]!;
  return { n, data: toFloat32(arr).slice(head * n * n, (head + 1) * n * n) };
}

beforeAll(async () => {
  await buildViewerBundle();
  dir = prepareData();
  await writeViewerFiles(dir);
  srv = await startStaticServer({ root: dir, port: 0 });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await srv?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function open(fragment = ""): Promise<Page> {
  const page = await browser.context.newPage();
  page.on("pageerror", (e) => {
    throw e;
  });
  await page.goto(`${srv.url}${fragment ? `#${fragment}` : ""}`);
  await page.locator("pattern-lens-viewer header h1").waitFor();
  return page;
}

const cards = (page: Page) => page.locator("pattern-lens-viewer figure.card");
const promptRows = (page: Page) => page.locator("pattern-lens-viewer .prompts tbody tr");

describe("browse view", () => {
  it("lists models and prompts (a Python folder as is), filters and sorts them", async () => {
    const page = await open();
    await expect.poll(() => promptRows(page).count()).toBe(32);
    await expect(page.locator("pattern-lens-viewer .models tr[data-model]").count()).resolves.toBe(1);
    // The prompt without meta is listed with an empty dataset.
    await expect(
      page.locator(`pattern-lens-viewer tr[data-hash="${NO_META_PROMPT}"] td`).nth(1).textContent(),
    ).resolves.toBe("");

    await page.locator("pattern-lens-viewer select.dataset").selectOption("StackExchange");
    const se = prompts.filter((p) => p.meta?.pile_set_name === "StackExchange").length;
    await expect.poll(() => promptRows(page).count()).toBe(se);

    await page.locator("pattern-lens-viewer select.dataset").selectOption("");
    await page.locator("pattern-lens-viewer input.prompt-search").fill("phosphate");
    const ph = prompts.filter((p) => p.text.toLowerCase().includes("phosphate")).length;
    expect(ph).toBeGreaterThan(0);
    await expect.poll(() => promptRows(page).count()).toBe(ph);

    await page.locator("pattern-lens-viewer input.prompt-search").fill("");
    await page.locator("pattern-lens-viewer input.min-tokens").fill("60");
    await page.locator("pattern-lens-viewer input.max-tokens").fill("80");
    const mid = prompts.filter((p) => p.n_tokens >= 60 && p.n_tokens <= 80).length;
    await expect.poll(() => promptRows(page).count()).toBe(mid);

    await page.locator("pattern-lens-viewer input.min-tokens").fill("");
    await page.locator("pattern-lens-viewer input.max-tokens").fill("");
    await page.locator('pattern-lens-viewer th[data-sort="n_tokens"]').click();
    const sorted = prompts.map((p) => p.n_tokens).sort((a, b) => a - b);
    await expect
      .poll(() => promptRows(page).first().locator("td").nth(2).textContent())
      .toBe(String(sorted[0]));
    await page.locator('pattern-lens-viewer th[data-sort="n_tokens"]').click();
    await expect
      .poll(() => promptRows(page).first().locator("td").nth(2).textContent())
      .toBe(String(sorted.at(-1)));
    await page.close();
  });

  it("selects heads by grammar and grid, figures with select all, and loads the images", async () => {
    const page = await open(`m=${MODEL}&p=${PROMPT}&f=raw&h=${MODEL}:L0H0`);
    const input = page.locator("pattern-lens-viewer .head-input");
    await input.fill("L2-4H3");
    await expect.poll(() => cards(page).count()).toBe(3);
    await expect(
      page.locator('pattern-lens-viewer .headgrid button[aria-pressed="true"]').count(),
    ).resolves.toBe(3);
    await input.fill("Lx H1");
    await expect.poll(() => cards(page).count()).toBe(6);
    await input.fill("L9H0");
    await expect
      .poll(() => page.locator("pattern-lens-viewer .head-error").textContent())
      .toContain("layer 9");
    await input.fill("L2-4H3");
    await expect.poll(() => cards(page).count()).toBe(3);

    await page.locator('pattern-lens-viewer .headgrid button[data-layer="0"][data-head="0"]').click();
    await expect.poll(() => input.inputValue()).toBe("L0H0, L2-4H3");
    await expect.poll(() => cards(page).count()).toBe(4);
    await page.locator('pattern-lens-viewer .headgrid button[data-layer="3"][data-head="3"]').click();
    await expect.poll(() => input.inputValue()).toBe("L0H0, L2H3, L4H3");
    await expect.poll(() => cards(page).count()).toBe(3);

    const all = page.locator("pattern-lens-viewer input.select-all-figures");
    await all.uncheck();
    await expect.poll(() => cards(page).count()).toBe(0);
    await all.check();
    await expect.poll(() => cards(page).count()).toBe(3);

    // Every image loads, at the PNG's own size, from the on-disk layout.
    await expect
      .poll(() =>
        cards(page)
          .locator("img")
          .evaluateAll((imgs) =>
            imgs.map((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth),
          ),
      )
      .toEqual([82, 82, 82]);
    const src = await cards(page).first().locator("img").getAttribute("src");
    expect(src).toBe(`${srv.url}${MODEL}/prompts/${PROMPT}/L0/H0/raw.png`);

    // Clicking a figure opens its head in the pattern view, and the URL says so.
    await cards(page).nth(1).locator("img").click();
    await page.locator("pattern-lens-pattern .stack").waitFor();
    await expect(page.locator("pattern-lens-pattern figcaption").textContent()).resolves.toBe("L2H3");
    expect(page.url()).toContain(`open=${MODEL}%3A${PROMPT}%3A2%3A3`);
    await page.keyboard.press("Escape");
    await expect.poll(() => page.locator("pattern-lens-pattern").count()).toBe(0);
    await page.close();
  });

  it("keeps the whole selection in the URL and restores it, drawn, on load", async () => {
    const page = await open(`m=${MODEL}&p=${PROMPT}&f=raw&h=${MODEL}:L0H0`);
    await page.locator(`pattern-lens-viewer tr[data-hash="${XSS_PROMPT}"]`).click();
    await page.locator("pattern-lens-viewer .head-input").fill("L1H*");
    await page.locator("pattern-lens-viewer select.color-by").selectOption("layer");
    await page.locator("pattern-lens-viewer select.sort-by").selectOption("head");
    await page.locator("pattern-lens-viewer input.per-row").fill("4");
    await page.locator("pattern-lens-viewer input.captions").uncheck();
    await page.locator("pattern-lens-viewer input.dark-mode").check();
    await page.locator("pattern-lens-viewer select.dataset").selectOption("Pile-CC");
    await expect.poll(() => cards(page).count()).toBe(8);
    const url = page.url();
    const state = await page
      .locator("pattern-lens-viewer")
      .evaluate((el) => (el as unknown as { state: unknown }).state);
    await page.close();

    const again = await browser.context.newPage();
    await again.goto(url);
    await expect.poll(() => cards(again).count()).toBe(8);
    const restored = await again
      .locator("pattern-lens-viewer")
      .evaluate((el) => (el as unknown as { state: unknown }).state);
    expect(restored).toEqual(state);
    await expect(again.locator("pattern-lens-viewer .head-input").inputValue()).resolves.toBe("L1H*");
    await expect(again.locator("pattern-lens-viewer").getAttribute("dark")).resolves.toBe("");
    await expect(again.locator("pattern-lens-viewer select.dataset").inputValue()).resolves.toBe("Pile-CC");
    // Sorted by head first: H0 of both prompts, then H1...
    const heads = await cards(again).evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.head));
    expect(heads).toEqual(["0", "0", "1", "1", "2", "2", "3", "3"]);
    const border = await cards(again)
      .first()
      .evaluate((e) => getComputedStyle(e).borderTopColor);
    expect(border).toBe("rgb(31, 119, 180)");
    await expect(again.locator("pattern-lens-viewer figure.card figcaption").count()).resolves.toBe(0);
    const cols = await again
      .locator("pattern-lens-viewer .grid")
      .evaluate((e) => getComputedStyle(e).gridTemplateColumns.split(" ").length);
    expect(cols).toBe(4);
    await again.close();
  });

  it("defines its elements once, even when the bundle runs twice", async () => {
    const page = await open();
    // A string, so that vitest does not rewrite the dynamic import meant for the browser.
    const same = await page.evaluate(`(async () => {
      const before = customElements.get("pattern-lens-viewer");
      const again = await import("./pattern-lens-viewer.js?again=" + Date.now());
      again.defineElements();
      return before !== undefined && customElements.get("pattern-lens-viewer") === before;
    })()`);
    expect(same).toBe(true);
    await page.close();
  });

  it("renders 768 figures lazily, in chunks, as the grid scrolls", async () => {
    const page = await open(
      `m=${MODEL}&p=${prompts.map((p) => p.hash).join(",")}&f=raw&h=${MODEL}:L*H*&row=8`,
    );
    await expect(page.locator("pattern-lens-viewer .count").textContent()).resolves.toBe("768 figures");
    const first = await cards(page).count();
    expect(first).toBeLessThan(768);
    for (let i = 0; i < 20 && (await cards(page).count()) < 768; i++) {
      await page.locator("pattern-lens-viewer .sentinel").scrollIntoViewIfNeeded();
      await page.waitForTimeout(50);
    }
    await expect.poll(() => cards(page).count()).toBe(768);
    await page.close();
  });
});

describe("pattern view", () => {
  async function openPattern(hash: string, layer: number, head: number): Promise<Page> {
    const page = await open(
      `m=${MODEL}&p=${hash}&f=raw&h=${MODEL}:L0H0&open=${MODEL}:${hash}:${layer}:${head}`,
    );
    await page.locator("pattern-lens-pattern .stack").first().waitFor();
    return page;
  }

  async function hover(page: Page, n: number, q: number, k: number, index = 0): Promise<void> {
    const box = (await page.locator("pattern-lens-pattern .stack").nth(index).boundingBox())!;
    await page.mouse.move(box.x + ((k + 0.5) / n) * box.width, box.y + ((q + 0.5) / n) * box.height);
  }

  const readValue = async (page: Page, cls = "value") =>
    Number(await page.locator(`pattern-lens-pattern .readout .${cls}`).getAttribute("data-value"));

  it("shows exactly the npz value and both tokens under the pointer", async () => {
    const page = await openPattern(PROMPT, 2, 1);
    const { n, data } = npzHead(PROMPT, 2, 1);
    const tokens = displayTokens(prompts.find((p) => p.hash === PROMPT)!.tokens, n);
    expect(n).toBe(82);
    for (const [q, k] of [
      [50, 24],
      [81, 81],
      [10, 0],
      [0, 0],
      [33, 32],
      [5, 70],
    ] as const) {
      await hover(page, n, q, k);
      await expect.poll(() => readValue(page)).toBe(data[q * n + k]);
      const text = await page.locator("pattern-lens-pattern .readout .value").textContent();
      expect(text).toBe(data[q * n + k]!.toPrecision(6));
      const toks = await page.locator("pattern-lens-pattern .readout .tok").allTextContents();
      expect(toks).toEqual([tokens[q]!.text, tokens[k]!.text]);
    }
    // The BOS has a label.
    await hover(page, n, 0, 0);
    await expect
      .poll(() => page.locator("pattern-lens-pattern .readout .tok").first().textContent())
      .toBe("⟨BOS⟩");
    // The token panel shades keys by the query's attention (strongest key darkest).
    await hover(page, n, 40, 3);
    const row = Array.from(data.subarray(40 * n, 41 * n));
    const best = row.indexOf(Math.max(...row));
    const tint = async () => (await tokenTints(page.locator("pattern-lens-pattern"), [best]))[0]!.rgba;
    // MAX_ALPHA 0.6 of 255; the colour within the canvas's premultiplied-alpha rounding
    await expect.poll(async () => (await tint())[3]).toBe(153);
    expect(colourOff(await tint(), [33, 113, 181])).toBeLessThanOrEqual(1);
    await expect
      .poll(() => page.locator("pattern-lens-pattern .tokens").getAttribute("data-query"))
      .toBe("40");
    await page.close();
  });

  it("locks on click and moves with the arrow keys (Ctrl: 10)", async () => {
    const page = await openPattern(PROMPT, 3, 0);
    const { n, data } = npzHead(PROMPT, 3, 0);
    await hover(page, n, 5, 3);
    await page.mouse.down();
    await page.mouse.up();
    await expect.poll(() => page.locator("pattern-lens-pattern .readout .locked").count()).toBe(1);
    const cell = () =>
      page.locator("pattern-lens-pattern").evaluate((el) => {
        const c = (el as unknown as { selectedCell: { query: number; key: number; value: number } })
          .selectedCell;
        return [c.query, c.key, c.value];
      });
    await expect.poll(cell).toEqual([5, 3, data[5 * n + 3]]);
    // Moving the mouse does not move a locked cell.
    await hover(page, n, 60, 60);
    await expect.poll(cell).toEqual([5, 3, data[5 * n + 3]]);
    await page.keyboard.press("ArrowRight");
    await expect.poll(cell).toEqual([5, 4, data[5 * n + 4]]);
    await page.keyboard.press("ArrowDown");
    await expect.poll(cell).toEqual([6, 4, data[6 * n + 4]]);
    await page.keyboard.press("Control+ArrowDown");
    await expect.poll(cell).toEqual([16, 4, data[16 * n + 4]]);
    await page.keyboard.press("Control+ArrowLeft");
    await expect.poll(cell).toEqual([16, 0, data[16 * n]]);
    for (let i = 0; i < 9; i++) await page.keyboard.press("Control+ArrowDown");
    await expect.poll(cell).toEqual([n - 1, 0, data[(n - 1) * n]]);
    await expect.poll(() => readValue(page)).toBe(data[(n - 1) * n]);
    // Escape unlocks first (the pattern view stays open), then closes the view.
    await page.keyboard.press("Escape");
    await expect.poll(() => page.locator("pattern-lens-pattern .readout .locked").count()).toBe(0);
    await expect(page.locator("pattern-lens-pattern").count()).resolves.toBe(1);
    // Clicking a token makes it the query (no cell is selected now, so the key is the token too);
    // a second token click keeps the key.
    await page.locator('pattern-lens-pattern .tokens .tok[data-index="7"]').click();
    await expect.poll(cell).toEqual([7, 7, data[7 * n + 7]]);
    await page.locator('pattern-lens-pattern .tokens .tok[data-index="30"]').click();
    await expect.poll(cell).toEqual([30, 7, data[30 * n + 7]]);
    await page.keyboard.press("ArrowLeft");
    await expect.poll(cell).toEqual([30, 6, data[30 * n + 6]]);
    await page.keyboard.press("Escape");
    await page.keyboard.press("Escape");
    await expect.poll(() => page.locator("pattern-lens-pattern").count()).toBe(0);
    await page.close();
  });

  it("compares two heads side by side and as a difference", async () => {
    const page = await openPattern(PROMPT, 2, 1);
    const a = npzHead(PROMPT, 2, 1);
    const b = npzHead(PROMPT, 3, 2);
    const n = a.n;
    await page.locator("pattern-lens-pattern").evaluate((el) => {
      Object.assign(el, { compareLayer: 3, compareHead: 2, compareMode: "side" });
    });
    await expect.poll(() => page.locator("pattern-lens-pattern .stack").count()).toBe(2);
    await expect(page.locator("pattern-lens-pattern figcaption").allTextContents()).resolves.toEqual([
      "L2H1",
      "L3H2",
    ]);
    await hover(page, n, 30, 29, 1);
    await expect.poll(() => readValue(page, "compare-value")).toBe(b.data[30 * n + 29]);
    await expect.poll(() => readValue(page)).toBe(a.data[30 * n + 29]);

    await page.locator("pattern-lens-pattern select.compare-mode").selectOption("diff");
    await expect.poll(() => page.locator("pattern-lens-pattern .stack").count()).toBe(1);
    await expect(page.locator("pattern-lens-pattern figcaption").textContent()).resolves.toBe("L2H1 − L3H2");
    for (const [q, k] of [
      [30, 29],
      [70, 2],
    ] as const) {
      await hover(page, n, q, k);
      const i = q * n + k;
      await expect.poll(() => readValue(page, "diff-value")).toBe(Math.fround(a.data[i]! - b.data[i]!));
    }
    await page.close();
  });

  it("shows hostile tokens as text and runs nothing", async () => {
    const page = await browser.context.newPage();
    let dialogs = 0;
    page.on("dialog", async (d) => {
      dialogs++;
      await d.dismiss();
    });
    await page.goto(
      `${srv.url}#m=${MODEL}&p=${XSS_PROMPT}&f=raw&h=${MODEL}:L0H0&open=${MODEL}:${XSS_PROMPT}:0:0`,
    );
    await page.locator("pattern-lens-pattern .tokens .tok").first().waitFor();
    const { n } = npzHead(XSS_PROMPT, 0, 0);
    // Position 5 = token 4 (a BOS comes first).
    const texts = await page.locator("pattern-lens-pattern .tokens .tok").allTextContents();
    expect(texts.length).toBe(n);
    expect(texts[5]).toBe("<img␣src=x␣onerror=alert(1)>");
    expect(texts[6]).toBe(XSS_TOKEN2);
    await expect(
      page.locator("pattern-lens-pattern .tokens .tok").nth(5).getAttribute("title"),
    ).resolves.toBe(`#5 ${XSS_TOKEN}`);
    await hover(page, n, 5, 5);
    await expect
      .poll(() => page.locator("pattern-lens-pattern .readout .tok").first().textContent())
      .toBe("<img␣src=x␣onerror=alert(1)>");
    // The prompt text (with its own <img>) shows as text in the table too.
    await expect(
      page.locator(`pattern-lens-viewer tr[data-hash="${XSS_PROMPT}"] td.text`).textContent(),
    ).resolves.toContain(XSS_TEXT);
    const injected = await page.evaluate(() => {
      const roots: (Document | ShadowRoot)[] = [document];
      let imgs = 0;
      let scripts = 0;
      while (roots.length) {
        const r = roots.pop()!;
        for (const el of r.querySelectorAll("*")) {
          if (el.shadowRoot) roots.push(el.shadowRoot);
          if (el.tagName === "IMG" && !el.closest("figure.card")) imgs++;
          if (el.tagName === "SCRIPT" && !(el as HTMLScriptElement).src) scripts++;
        }
      }
      return { imgs, scripts, pwned: (window as unknown as { __pwned?: number }).__pwned ?? null };
    });
    expect(injected).toEqual({ imgs: 0, scripts: 0, pwned: null });
    await page.waitForTimeout(200);
    expect(dialogs).toBe(0);
    await page.close();
  });
});

describe("browse view at 5,376 figures", () => {
  it("renders the first chunk and requests only the images near the screen", async () => {
    // Seven figure functions x 768 heads and prompts; only raw.png exists, the others 404.
    const figuresIndex = join(dir, "figures.jsonl");
    const original = readFileSync(figuresIndex);
    chmodSync(figuresIndex, 0o644);
    const names = ["raw", "f1", "f2", "f3", "f4", "f5", "f6"];
    writeFileSync(
      figuresIndex,
      `${names.map((name) => JSON.stringify({ name, func_name: name, doc: "", figure_save_fmt: "png" })).join("\n")}\n`,
    );
    try {
      const page = await browser.context.newPage();
      let pngRequests = 0;
      page.on("request", (r) => {
        if (r.url().endsWith(".png")) pngRequests++;
      });
      const all = prompts.map((p) => p.hash).join(",");
      await page.goto(`${srv.url}#m=${MODEL}&p=${all}&f=${names.join(",")}&h=${MODEL}:L*H*&sort=function`);
      await expect.poll(() => page.locator("pattern-lens-viewer .count").textContent()).toBe("5376 figures");
      await expect.poll(() => cards(page).count()).toBeGreaterThan(0);
      // The first screen (raw figures, sorted by function first) loads...
      await expect
        .poll(() =>
          cards(page)
            .locator("img")
            .evaluateAll((imgs) =>
              imgs
                .filter((i) => i.getBoundingClientRect().top < innerHeight)
                .map((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth),
            ),
        )
        .toEqual(expect.arrayContaining([82]));
      // ...while only a chunk of cards exists and most of the 5,376 images were never requested.
      expect(await cards(page).count()).toBeLessThanOrEqual(600);
      expect(pngRequests).toBeGreaterThan(0);
      expect(pngRequests).toBeLessThan(1000);
      // The page still answers: filtering the prompt table works at once.
      await page.locator("pattern-lens-viewer input.prompt-search").fill("phosphate");
      await expect
        .poll(() => promptRows(page).count())
        .toBe(prompts.filter((p) => p.text.includes("phosphate")).length);
      await page.close();
    } finally {
      writeFileSync(figuresIndex, original);
    }
  });
});
