/// <reference lib="dom" />
// A 32-layer × 32-head model (1,024 heads) in real Chromium: the browse view's head grid and the
// metrics heatmap keep only the cells in view in the DOM, scrolling brings the right ones in, and
// clicking a cell acts on that head.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeNpz, type NpyArray, patternKey } from "@pattern-lens/indexes";
import { writeViewerFiles } from "@pattern-lens/viewer/node";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildViewerBundle, launchChromium, type TestBrowser } from "#test-support/browser.ts";
import { type StaticServer, startStaticServer } from "../src/server/static-server.ts";

const MODEL = "big-32x32";
const HASH = "bigmodelAAAAAAAAAAAAAA";
const L = 32;
const H = 32;
const N = 6;
/** The metric of head (l, h): distinct for every head, so a cell's value names its head. */
const metricOf = (l: number, h: number) => (l * H + h) / 1000;

let dir: string;
let srv: StaticServer;
let browser: TestBrowser;

function makeData(): string {
  const d = mkdtempSync(join(tmpdir(), "pl-viewer-big-"));
  const cfg = { model_name: MODEL, sanitized_name: MODEL, n_layers: L, n_heads: H };
  writeFileSync(join(d, "models.jsonl"), `${JSON.stringify(cfg)}\n`);
  writeFileSync(join(d, "figures.jsonl"), "");
  const tokens = ["a", "Ġb", "Ġc", "Ġd", "Ġe"];
  const prompt = { text: "a b c d e", hash: HASH, n_tokens: N - 1, tokens };
  const mdir = join(d, MODEL);
  const pdir = join(mdir, "prompts", HASH);
  mkdirSync(pdir, { recursive: true });
  writeFileSync(join(mdir, "prompts.jsonl"), `${JSON.stringify(prompt)}\n`);
  writeFileSync(join(pdir, "prompt.json"), JSON.stringify(prompt));
  const arrays: Record<string, NpyArray> = {};
  for (let l = 0; l < L; l++) {
    const data = new Float32Array(H * N * N);
    for (let h = 0; h < H; h++) for (let q = 0; q < N; q++) data[h * N * N + q * N] = 1; // BOS sinks
    arrays[patternKey(l)] = { dtype: "<f4", shape: [1, H, N, N], data };
  }
  writeFileSync(join(pdir, "activations.npz"), encodeNpz(arrays, { compressLevel: 1 }));
  const lines = [];
  for (let l = 0; l < L; l++)
    for (let h = 0; h < H; h++)
      lines.push(
        JSON.stringify({
          layer: l,
          head: h,
          metric: "index",
          mean: metricOf(l, h),
          std: 0,
          count: 1,
          excluded: 0,
        }),
      );
  writeFileSync(join(mdir, "head_metrics.jsonl"), `${lines.join("\n")}\n`);
  return d;
}

beforeAll(async () => {
  await buildViewerBundle();
  dir = makeData();
  await writeViewerFiles(dir);
  srv = await startStaticServer({ root: dir, port: 0 });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await srv?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function open(fragment: string): Promise<Page> {
  const page = await browser.context.newPage();
  page.on("pageerror", (e) => {
    throw e;
  });
  await page.goto(`${srv.url}#${fragment}`);
  await page.locator("pattern-lens-viewer header h1").waitFor();
  return page;
}

/** The `L<l>H<h>` of every cell of `grid` in the DOM. */
const cellsInDom = (grid: Locator, selector: string) =>
  grid
    .locator(selector)
    .evaluateAll((els) =>
      els.map((e) => `L${(e as HTMLElement).dataset.layer}H${(e as HTMLElement).dataset.head}`),
    );

/** The `L<l>H<h>` of the cells of `grid` whose centre is inside its scrolled view. */
const cellsInView = (grid: Locator, selector: string) =>
  grid.evaluate((g, sel) => {
    const view = g.querySelector(".vgrid")!.getBoundingClientRect();
    return [...g.querySelectorAll<HTMLElement>(sel)]
      .filter((c) => {
        const r = c.getBoundingClientRect();
        const x = r.left + r.width / 2;
        const y = r.top + r.height / 2;
        return x > view.left && x < view.right && y > view.top && y < view.bottom;
      })
      .map((c) => `L${c.dataset.layer}H${c.dataset.head}`);
  }, selector);

/** Cells of `grid` in the DOM more than two cells away from its scrolled view (none when virtualised). */
const farFromView = (grid: Locator, selector: string) =>
  grid.evaluate((g, sel) => {
    const view = g.querySelector(".vgrid")!.getBoundingClientRect();
    return [...g.querySelectorAll<HTMLElement>(sel)]
      .filter((c) => {
        const r = c.getBoundingClientRect();
        const mx = 2.5 * r.width;
        const my = 2.5 * r.height;
        return (
          r.right < view.left - mx ||
          r.left > view.right + mx ||
          r.bottom < view.top - my ||
          r.top > view.bottom + my
        );
      })
      .map((c) => `L${c.dataset.layer}H${c.dataset.head}`);
  }, selector);

const scrollTo = (grid: Locator, top: number, left: number) =>
  grid.evaluate(
    (g, [t, l]) => {
      g.querySelector(".vgrid")!.scrollTo(l!, t!);
    },
    [top, left],
  );

describe("a 32 × 32 model (1,024 heads)", () => {
  it("the head grid holds only the cells in view; scrolling brings the others; a click toggles that head", async () => {
    const page = await open(`m=${MODEL}&h=${MODEL}:L0H0`);
    const grid = page.locator(`pattern-lens-viewer .heads[data-model="${MODEL}"] pattern-lens-head-grid`);
    await grid.locator("button.cell").first().waitFor();
    const first = await cellsInDom(grid, "button.cell");
    expect(first.length).toBeGreaterThan(20);
    expect(first.length).toBeLessThan(1024 / 2);
    expect(first).toContain("L0H0");
    expect(first).not.toContain("L31H31");
    expect(await farFromView(grid, "button.cell")).toEqual([]);
    // scrolled to the far corner: the last layer's last heads come in, the first ones leave
    await scrollTo(grid, 1e6, 1e6);
    await expect.poll(() => cellsInView(grid, "button.cell")).toContain("L31H31");
    const last = await cellsInDom(grid, "button.cell");
    expect(last.length).toBeLessThan(1024 / 2);
    expect(await farFromView(grid, "button.cell")).toEqual([]);
    expect(last).not.toContain("L0H0");
    // the labels in the sticky strips name the rows and columns of the cells shown
    const labels = await grid.locator(".vgrid-label").allTextContents();
    expect(labels).toContain("L31");
    expect(labels).toContain("H31");
    // the middle: a click on L17H23 selects exactly that head (and L0H0 stays selected)
    await scrollTo(grid, 17 * 25 - 40, 23 * 31 - 100);
    const cell = grid.locator('button.cell[data-layer="17"][data-head="23"]');
    await cell.click();
    await expect.poll(() => cell.getAttribute("aria-pressed")).toBe("true");
    await expect
      .poll(() =>
        page.locator(`pattern-lens-viewer .heads[data-model="${MODEL}"] input.head-input`).inputValue(),
      )
      .toBe("L0H0, L17H23");
    expect(await grid.locator('button.cell[aria-pressed="true"]').count()).toBe(1); // L0H0 is out of view
    await page.close();
  });

  it("the metrics heatmap holds only the cells in view; scrolled cells show their head's value; a click opens that head", async () => {
    const page = await open("tab=metrics&mt=index");
    const grid = page.locator(`pattern-lens-metrics .panel[data-model="${MODEL}"] pattern-lens-head-grid`);
    await grid.locator(".cell").first().waitFor();
    expect(await page.locator("pattern-lens-metrics .argmax").textContent()).toBe("L31H31");
    // The whole heatmap is 32 small cells wide, so every column is in view; the rows scroll.
    const first = await cellsInDom(grid, ".cell");
    expect(first.length).toBeLessThanOrEqual(18 * 32);
    expect(first).toContain("L0H0");
    expect(first).not.toContain("L31H31");
    expect(await farFromView(grid, ".cell")).toEqual([]);
    await scrollTo(grid, 1e6, 1e6);
    await expect.poll(() => cellsInView(grid, ".cell")).toContain("L31H31");
    expect((await cellsInDom(grid, ".cell")).length).toBeLessThanOrEqual(18 * 32);
    expect(await farFromView(grid, ".cell")).toEqual([]);
    // every cell in the DOM carries its own head's value
    const values = await grid.locator(".cell").evaluateAll((els) =>
      els.map((e) => {
        const d = (e as HTMLElement).dataset;
        return [Number(d.layer), Number(d.head), Number(d.value)] as const;
      }),
    );
    for (const [l, h, v] of values) expect(v).toBeCloseTo(metricOf(l, h), 12);
    await expect(grid.locator(".cell.max").getAttribute("data-head")).resolves.toBe("31");
    // a click on a cell brought in by scrolling opens that head's pattern
    await scrollTo(grid, 20 * 22 - 60, 9 * 22 - 60);
    await grid.locator('.cell[data-layer="20"][data-head="9"]').click();
    await page.locator("pattern-lens-pattern .stack").waitFor();
    await expect(page.locator("pattern-lens-pattern figcaption").textContent()).resolves.toBe("L20H9");
    expect(page.url()).toContain(`open=${MODEL}%3A${HASH}%3A20%3A9`);
    await page.close();
  });
});
