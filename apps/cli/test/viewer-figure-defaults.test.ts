/// <reference lib="dom" />
// Which figure functions the browse view selects when the URL says nothing, in real Chromium: the
// complete ones. A figure whose figures.jsonl line says `"complete": false` (files missing for
// some heads, or for every head) stays in the list, marked incomplete and selectable.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeViewerFiles } from "@pattern-lens/viewer/node";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildViewerBundle, launchChromium, type TestBrowser } from "#test-support/browser.ts";
import { type StaticServer, startStaticServer } from "../src/server/static-server.ts";

const MODEL = "tiny";
const HASH = "figdefaultsAAAAAAAAAAA";
/** A 1 × 1 PNG. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);
const line = (name: string, complete?: boolean) =>
  JSON.stringify({
    name,
    func_name: name,
    figure_save_fmt: "png",
    ...(complete === undefined ? {} : { complete }),
  });

let dir: string;
let srv: StaticServer;
let browser: TestBrowser;

beforeAll(async () => {
  await buildViewerBundle();
  dir = mkdtempSync(join(tmpdir(), "pl-viewer-figdefaults-"));
  const cfg = { model_name: MODEL, sanitized_name: MODEL, n_layers: 1, n_heads: 2 };
  writeFileSync(join(dir, "models.jsonl"), `${JSON.stringify(cfg)}\n`);
  const prompt = { text: "a b", hash: HASH, n_tokens: 2, tokens: ["a", "Ġb"] };
  mkdirSync(join(dir, MODEL, "prompts", HASH), { recursive: true });
  writeFileSync(join(dir, MODEL, "prompts.jsonl"), `${JSON.stringify(prompt)}\n`);
  writeFileSync(join(dir, MODEL, "prompts", HASH, "prompt.json"), JSON.stringify(prompt));
  // raw: every head (a Python folder's line, no `complete`); attn_sum: marked complete; raw_log:
  // head 0 only; entropy: no file at all (a line left by an older run of a function that failed).
  const files: Record<string, number[]> = { raw: [0, 1], attn_sum: [0, 1], raw_log: [0], entropy: [] };
  for (const [name, heads] of Object.entries(files))
    for (const h of heads) {
      const hdir = join(dir, MODEL, "prompts", HASH, "L0", `H${h}`);
      mkdirSync(hdir, { recursive: true });
      writeFileSync(join(hdir, `${name}.png`), PNG);
    }
  writeFileSync(
    join(dir, "figures.jsonl"),
    `${[line("raw"), line("raw_log", false), line("attn_sum", true), line("entropy", false)].join("\n")}\n`,
  );
  await writeViewerFiles(dir);
  srv = await startStaticServer({ root: dir, port: 0 });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await srv?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const checked = (page: Page) =>
  page
    .locator("pattern-lens-viewer input.figure-fn")
    .evaluateAll((els) =>
      (els as HTMLInputElement[]).filter((e) => e.checked).map((e) => e.dataset.figure ?? ""),
    );
const cardImages = (page: Page) =>
  page
    .locator("pattern-lens-viewer figure.card img")
    .evaluateAll((els) =>
      els.map((e) => new URL((e as HTMLImageElement).src).pathname.split("/").slice(-3).join("/")),
    );

describe("figure functions selected by default", () => {
  it("are the complete ones; incomplete ones are listed as such and can be chosen", async () => {
    const page = await browser.context.newPage();
    page.on("pageerror", (e) => {
      throw e;
    });
    await page.goto(srv.url);
    await page.locator("pattern-lens-viewer input.figure-fn").first().waitFor();
    expect(await checked(page)).toEqual(["raw", "attn_sum"]);
    await expect
      .poll(async () => (await cardImages(page)).sort())
      .toEqual(["L0/H0/attn_sum.png", "L0/H0/raw.png", "L0/H1/attn_sum.png", "L0/H1/raw.png"]);
    // every card shown has its image
    await expect
      .poll(() =>
        page
          .locator("pattern-lens-viewer figure.card img")
          .evaluateAll((els) =>
            els.every((e) => (e as HTMLImageElement).complete && (e as HTMLImageElement).naturalWidth === 1),
          ),
      )
      .toBe(true);
    const marked = await page
      .locator("pattern-lens-viewer .functions .incomplete")
      .evaluateAll((els) => els.map((e) => e.closest("label")?.querySelector("input")?.dataset.figure));
    expect(marked).toEqual(["raw_log", "entropy"]);
    // still selectable: checking raw_log adds its cards
    await page.locator('pattern-lens-viewer input.figure-fn[data-figure="raw_log"]').check();
    expect(await checked(page)).toEqual(["raw", "raw_log", "attn_sum"]);
    await expect
      .poll(async () => (await cardImages(page)).filter((p) => p.endsWith("raw_log.png")).length)
      .toBe(2);
    expect(page.url()).toContain("raw_log");
    await page.close();
  });
});
