/** Test helpers: build the live bundles, serve a model's live page, capture the element's events. */
import { join } from "node:path";
import type { Page } from "playwright-core";
import { build } from "tsup";
import { bundleOptions } from "../bundle.config.ts";
import { type LiveServer, liveRoutes, prepareLiveModel, startLiveServer } from "../src/node.ts";

let built: Promise<void> | undefined;

/** Builds `dist/pattern-lens-live.js` and the worker bundle from the sources (once per process). */
export function buildLiveBundles(): Promise<void> {
  built ??= build(bundleOptions(join(import.meta.dirname, "..", "dist")));
  return built;
}

/** Prepares `onnxPath` (instrumented into `cacheDir`) and serves its live page on a free port. */
export async function serveLive(onnxPath: string, cacheDir: string): Promise<LiveServer> {
  await buildLiveBundles();
  const folder = await prepareLiveModel(onnxPath, { cacheDir });
  return startLiveServer({ routes: liveRoutes(folder), port: 0 });
}

/** One `pattern-lens-patterns` event as recorded in the page (arrays made plain). */
export interface RecordedPatterns {
  text: string;
  tokens: string[];
  tokenIds: number[];
  layers: number[][];
}

/** Opens the page, waits for the model, and records every `pattern-lens-patterns` event. */
export async function openLivePage(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const el = document.querySelector("pattern-lens-live") as HTMLElement & { text: string };
        const w = window as unknown as { __events: unknown[] };
        w.__events = [];
        el.addEventListener("pattern-lens-patterns", (ev) => {
          const d = (ev as CustomEvent<{ tokens: string[]; tokenIds: number[]; layers: Float32Array[] }>)
            .detail;
          w.__events.push({
            text: el.text,
            tokens: d.tokens,
            tokenIds: d.tokenIds,
            layers: d.layers.map((l) => Array.from(l)),
          });
        });
        el.addEventListener("pattern-lens-ready", () => resolve(), { once: true });
        el.addEventListener("pl-error", (ev) => reject(new Error((ev as CustomEvent).detail.message)), {
          once: true,
        });
      }),
  );
}

/** Types `text` into the element's text box (one key at a time) and returns the event for it. */
export async function typeAndWait(page: Page, text: string): Promise<RecordedPatterns> {
  const box = page.locator("pattern-lens-live textarea");
  await box.fill("");
  await box.pressSequentially(text);
  const handle = await page.waitForFunction(
    (t) => (window as unknown as { __events: RecordedPatterns[] }).__events.find((e) => e.text === t),
    text,
    { timeout: 60_000 },
  );
  return (await handle.jsonValue()) as RecordedPatterns;
}
