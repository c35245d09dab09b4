/// <reference lib="dom" />
// The metrics view (issue 7) in real Chromium, on the demo model with known heads (L0H0
// previous-token, L1H0 induction, L0H1 BOS sink, L0H2 self) written by `pattern-lens demo --no-serve`.
import { mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEMO_MODEL_NAME } from "@pattern-lens/models";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildViewerBundle, launchChromium, type TestBrowser } from "#test-support/browser.ts";
import { runCommand } from "../src/program.ts";
import { type StaticServer, startStaticServer } from "../src/server/static-server.ts";

const M = DEMO_MODEL_NAME;
let root: string;
let save: string;
let srv: StaticServer;
let browser: TestBrowser;
let prompt: string;

beforeAll(async () => {
  await buildViewerBundle();
  root = mkdtempSync(join(tmpdir(), "pl-metrics-view-"));
  save = join(root, "data");
  const err: string[] = [];
  const code = await runCommand(["demo", "--save-path", save, "--no-serve"], {
    out: () => {},
    err: (t: string) => err.push(t),
  });
  expect(code, err.join("")).toBe(0);
  prompt = (
    JSON.parse(readFileSync(join(save, M, "prompts.jsonl"), "utf8").split("\n")[0]!) as { hash: string }
  ).hash;
  srv = await startStaticServer({ root: save, port: 0 });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await srv?.close();
  if (root) rmSync(root, { recursive: true, force: true });
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

const panel = (page: Page) => page.locator(`pattern-lens-metrics .panel[data-model="${M}"]`);
const tableRows = (page: Page) => page.locator("pattern-lens-metrics table.heads tbody tr");
const rowHeads = (page: Page) =>
  tableRows(page).evaluateAll((trs) => trs.map((tr) => `L${tr.dataset.layer}H${tr.dataset.head}`));
const rowMeans = (page: Page) =>
  tableRows(page).evaluateAll((trs) => trs.map((tr) => Number(tr.children[3]?.textContent)));
/** The head whose heatmap cell holds the largest `data-value`. */
const maxCell = (page: Page) =>
  panel(page)
    .locator(".heat .cell")
    .evaluateAll((tds) => {
      let best = { v: Number.NEGATIVE_INFINITY, k: "" };
      for (const td of tds) {
        const v = Number(td.dataset.value);
        if (td.dataset.value !== "" && v > best.v) best = { v, k: `L${td.dataset.layer}H${td.dataset.head}` };
      }
      return best.k;
    });

describe("metrics view", () => {
  it("heatmaps mark each designed head as the max of its metric; the table sorts", async () => {
    const page = await open("tab=metrics&mt=induction");
    await expect.poll(() => panel(page).locator(".argmax").textContent()).toBe("L1H0");
    expect(await maxCell(page)).toBe("L1H0");
    await expect(panel(page).locator(".heat .cell.max").getAttribute("data-layer")).resolves.toBe("1");
    // The hover title holds the file's values.
    const line = readFileSync(join(save, M, "head_metrics.jsonl"), "utf8")
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { layer: number; head: number; metric: string; mean: number; std: number })
      .find((l) => l.layer === 1 && l.head === 0 && l.metric === "induction")!;
    await expect(
      panel(page).locator('.heat .cell[data-layer="1"][data-head="0"]').getAttribute("title"),
    ).resolves.toBe(
      `${M} L1H0 · induction = ${line.mean.toFixed(4)} ± ${line.std.toFixed(4)} (14 prompts, 0 excluded)`,
    );
    // Default sort: mean, descending.
    expect((await rowHeads(page))[0]).toBe("L1H0");
    const desc = await rowMeans(page);
    expect(desc).toHaveLength(8);
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
    await page.locator('pattern-lens-metrics th[data-sort="mean"]').click();
    await expect.poll(async () => (await rowHeads(page))[7]).toBe("L1H0");
    const asc = await rowMeans(page);
    expect(asc).toEqual([...asc].sort((a, b) => a - b));
    expect(page.url()).toContain("ms=mean%3Aasc");
    await page.locator('pattern-lens-metrics th[data-sort="layer"]').click();
    await expect
      .poll(() => rowHeads(page))
      .toEqual(["L0H0", "L0H1", "L0H2", "L0H3", "L1H0", "L1H1", "L1H2", "L1H3"]);

    for (const [metric, head] of [
      ["previous_token", "L0H0"],
      ["first_token", "L0H1"],
      ["self", "L0H2"],
    ] as const) {
      await page.locator("pattern-lens-metrics select.metric").selectOption(metric);
      await expect.poll(() => panel(page).locator(".argmax").textContent()).toBe(head);
      expect(await maxCell(page)).toBe(head);
      expect(page.url()).toContain(`mt=${metric}`);
    }
    await page.close();
  });

  it("clicking a heatmap cell or a table row opens that head's pattern", async () => {
    const page = await open("tab=metrics&mt=induction");
    await panel(page).locator('.heat .cell[data-layer="1"][data-head="0"]').click();
    await page.locator("pattern-lens-pattern .stack").waitFor();
    await expect(page.locator("pattern-lens-pattern figcaption").textContent()).resolves.toBe("L1H0");
    expect(page.url()).toContain(`open=${M}%3A${prompt}%3A1%3A0`);
    await page.locator("pattern-lens-viewer button.close").click();
    await expect.poll(() => page.locator("pattern-lens-pattern").count()).toBe(0);
    await tableRows(page)
      .filter({ has: page.locator("td", { hasText: "0.0532" }) })
      .first()
      .click();
    await page.locator("pattern-lens-pattern .stack").waitFor();
    await expect(page.locator("pattern-lens-pattern figcaption").textContent()).resolves.toBe("L0H3");
    await page.locator("pattern-lens-viewer button.close").click();
    // A row's "grid" button shows that head in the browse grid (a prompt and every figure chosen).
    await page.locator('pattern-lens-metrics tr[data-layer="1"][data-head="0"] button.to-grid').click();
    const cards = page.locator("pattern-lens-viewer figure.card");
    await expect.poll(() => cards.count()).toBe(5);
    expect(
      await cards.evaluateAll((cs) => [...new Set(cs.map((c) => `L${c.dataset.layer}H${c.dataset.head}`))]),
    ).toEqual(["L1H0"]);
    expect(page.url()).toContain(`h=${M}%3AL1H0`);
    expect(page.url()).not.toContain("tab=metrics");
    await page.close();
  });

  it("the metric filter reduces the grid and the table, and the URL restores it all", async () => {
    const sel = `m=${M}&p=${prompt}&f=raw&h=${M}:L*H*`;
    const page = await open(sel);
    const cards = page.locator("pattern-lens-viewer figure.card");
    await expect.poll(() => cards.count()).toBe(8);
    const input = page.locator("pattern-lens-viewer input.metric-filter").first();
    await input.fill("inductoin > 0.4");
    await expect(page.locator("pattern-lens-viewer .metric-filter-error").textContent()).resolves.toContain(
      "no metric 'inductoin'",
    );
    expect(await cards.count()).toBe(8);
    await input.fill("induction > 0.4");
    await expect.poll(() => cards.count()).toBe(1);
    await expect(cards.first().getAttribute("data-layer")).resolves.toBe("1");
    await expect(cards.first().getAttribute("data-head")).resolves.toBe("0");
    await input.fill("first_token > 0.5, self < 0.5");
    await expect
      .poll(() => cards.evaluateAll((cs) => cs.map((c) => `L${c.dataset.layer}H${c.dataset.head}`)))
      .toEqual(["L0H1"]);
    await page.locator("pattern-lens-viewer button.tab-metrics").click();
    await page.locator("pattern-lens-metrics select.metric").selectOption("self");
    await expect.poll(() => rowHeads(page)).toEqual(["L0H1"]);
    await expect(panel(page).locator(".heat .cell.dim").count()).resolves.toBe(7);
    const url = page.url();
    expect(url).toContain("tab=metrics");
    expect(url).toContain("mf=first_token+%3E+0.5%2C+self+%3C+0.5");
    await page.close();

    // A fresh page on that URL shows the same state at once.
    const again = await open(url.slice(url.indexOf("#") + 1));
    await expect.poll(() => rowHeads(again)).toEqual(["L0H1"]);
    await expect(again.locator("pattern-lens-metrics select.metric").inputValue()).resolves.toBe("self");
    await expect(again.locator("pattern-lens-viewer input.metric-filter").inputValue()).resolves.toBe(
      "first_token > 0.5, self < 0.5",
    );
    await again.locator("pattern-lens-viewer button.tab-browse").click();
    await expect.poll(() => again.locator("pattern-lens-viewer figure.card").count()).toBe(1);
    await again.close();
  });

  it("a model without head_metrics.jsonl gets a hint to run pattern-lens metrics", async () => {
    const file = join(save, M, "head_metrics.jsonl");
    renameSync(file, `${file}.off`);
    try {
      const page = await open("tab=metrics");
      await expect(panel(page).locator(".no-metrics").textContent()).resolves.toContain(
        "pattern-lens metrics",
      );
      await expect(page.locator("pattern-lens-viewer .metrics-view > .no-metrics").count()).resolves.toBe(1);
      await page.close();
    } finally {
      renameSync(`${file}.off`, file);
    }
  });
});
