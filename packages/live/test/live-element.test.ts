/// <reference lib="dom" />
// page.evaluate callbacks run in the browser: they need the DOM types.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { activationsMain } from "@pattern-lens/activations";
import { buildDemoModel } from "@pattern-lens/models";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, type TestBrowser } from "#test-support/browser.ts";
import {
  buildLiveBundles,
  expectSamePatterns,
  openLivePage,
  type RecordedPatterns,
  readOnlySavedPrompt,
  serveLive,
  typeAndWait,
} from "#test-support/live-page.ts";
import { sharedPath } from "#test-support/shared.ts";
import { type LiveManifest, liveMemoryEstimate } from "../../activations/src/browser.ts";
import {
  type LiveRoute,
  type LiveServer,
  liveAssetFiles,
  liveIndexHtml,
  startLiveServer,
} from "../src/node.ts";

let tmp: string;
let browser: TestBrowser;
let demoDir: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "pl-live-"));
  browser = await launchChromium();
  demoDir = (await buildDemoModel(join(tmp, "demo"))).dir;
});

afterAll(async () => {
  await browser?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** What `pattern-lens activations` saves for `text` (run in-process, as the CLI runs it). */
async function cliPatterns(model: string, text: string, name: string) {
  const prompts = join(tmp, `${name}.jsonl`);
  writeFileSync(prompts, `${JSON.stringify({ text })}\n`);
  const save = join(tmp, `${name}-data`);
  await activationsMain({
    model,
    modelName: name,
    prompts,
    savePath: save,
    minChars: 1,
    cacheDir: join(tmp, "cache"),
  });
  return readOnlySavedPrompt(save, name);
}

async function withPage<T>(server: LiveServer, fn: (page: Page) => Promise<T>): Promise<T> {
  const page = await browser.context.newPage();
  try {
    return await fn(page);
  } finally {
    await page.close();
    await server.close();
  }
}

async function liveCase(onnx: string, text: string, name: string): Promise<void> {
  const want = await cliPatterns(onnx, text, name);
  const server = await serveLive(onnx, join(tmp, "cache"));
  await withPage(server, async (page) => {
    await openLivePage(page, server.url);
    expectSamePatterns(await typeAndWait(page, text), want);
  });
}

const events = (page: Page) =>
  page.evaluate(() => (window as unknown as { __events: RecordedPatterns[] }).__events.map((e) => e.text));

describe("<pattern-lens-live>", () => {
  it("types a prompt on the demo model and gets the CLI's patterns, tokens and ids", async () => {
    await liveCase(demoDir, "abcdefabcdef the quick brown fox", "demo");
  });

  it("types a prompt on gpt2-tiny-torch and gets the CLI's patterns, tokens and ids", async () => {
    await liveCase(
      sharedPath("models", "gpt2-tiny-torch"),
      "The cat sat on the mat. The cat sat",
      "gpt2-tiny",
    );
  });

  it("instruments a hub-layout folder in the page (no live.json) and matches the CLI", async () => {
    const dir = sharedPath("models", "gpt2-tiny-torch");
    const text = "Hello there, general Kenobi";
    const want = await cliPatterns(dir, text, "gpt2-hub");
    await buildLiveBundles();
    const routes = new Map<string, LiveRoute>([["/", { text: liveIndexHtml({ model: "./hub/" }) }]]);
    for (const [name, file] of liveAssetFiles()) routes.set(`/${name}`, { file });
    for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx"])
      routes.set(`/hub/${f}`, { file: join(dir, f) });
    const server = await startLiveServer({ routes, port: 0 });
    await withPage(server, async (page) => {
      await openLivePage(page, server.url);
      expectSamePatterns(await typeAndWait(page, text), want);
    });
  });

  it("a newer text replaces the one in flight: only the last text's patterns are shown", async () => {
    const server = await serveLive(demoDir, join(tmp, "cache"));
    await withPage(server, async (page) => {
      await openLivePage(page, server.url);
      const texts = ["abc", "abcd", "abcde", "abcdef", "abcdefabc", "abcdefabcdef"];
      await page.evaluate((ts) => {
        const el = document.querySelector("pattern-lens-live") as HTMLElement & { setText(t: string): void };
        for (const t of ts) el.setText(t);
      }, texts);
      await page.waitForFunction(() => (window as unknown as { __events: unknown[] }).__events.length > 0);
      await page.waitForTimeout(500); // a stale result arriving late would show up here
      expect(await events(page)).toEqual(["abcdefabcdef"]);
      const last = await typeAndWait(page, "xyzxyz");
      expect(last.tokenIds.length).toBe(7);
    });
  });

  it("says the model is too large before downloading its weights", async () => {
    const server = await serveLive(demoDir, join(tmp, "cache"));
    await withPage(server, async (page) => {
      const fetched: string[] = [];
      page.on("request", (r) => fetched.push(new URL(r.url()).pathname));
      await page.goto(server.url);
      const err = await page.evaluate(
        () =>
          new Promise<{ code: string; message: string; shown: string }>((resolve) => {
            const old = document.querySelector("pattern-lens-live") as HTMLElement;
            const el = document.createElement("pattern-lens-live");
            el.setAttribute("memory-limit", "1000000");
            old.replaceWith(el);
            el.addEventListener("pl-error", (ev) => {
              const d = (ev as CustomEvent<{ code: string; message: string }>).detail;
              void (el as unknown as { updateComplete: Promise<unknown> }).updateComplete.then(() =>
                resolve({ ...d, shown: el.shadowRoot?.querySelector("[role=alert]")?.textContent ?? "" }),
              );
            });
          }),
      );
      expect(err.code).toBe("PL_ACTIVATIONS_MODEL_TOO_LARGE");
      expect(err.message).toMatch(
        /too large for the page: it needs about [\d.]+ GB .*pattern-lens activations/,
      );
      expect(err.shown).toBe(err.message);
      expect(fetched).toContain("/model/live.json");
      expect(fetched).not.toContain("/model/model.onnx.data");
    });
  });

  it("refuses a prompt longer than the page's memory holds, then shows a shorter one", async () => {
    const server = await serveLive(demoDir, join(tmp, "cache"));
    const manifest = (await (await fetch(`${server.url}model/live.json`)).json()) as LiveManifest;
    const weights = liveMemoryEstimate({
      onnxBytes: manifest.onnxBytes,
      externalBytes: manifest.externalData.reduce((a, e) => a + e.bytes, 0),
    });
    const limit = weights + 8 * 2 * 4 * 24 * 24; // 2 layers x 4 heads: room for 24 tokens
    await withPage(server, async (page) => {
      await openLivePage(page, server.url, { memoryLimit: limit });
      const errors = page.evaluate(
        () =>
          new Promise<{ code: string; message: string }>((resolve) => {
            document
              .querySelector("pattern-lens-live")
              ?.addEventListener("pl-error", (ev) => resolve((ev as CustomEvent).detail), { once: true });
          }),
      );
      await page.locator("pattern-lens-live textarea").fill("abcdefghijklmnopqrstuvwxyz");
      const err = await errors;
      expect(err.code).toBe("PL_ACTIVATIONS_PROMPT_TOO_LONG");
      expect(err.message).toContain(
        "this prompt has 27 tokens; the page's memory holds the attention of at most 24 tokens",
      );
      const ok = await typeAndWait(page, "abcdefghijklmnopqrstuvw");
      expect(ok.tokenIds.length).toBe(24);
    });
  });
});
