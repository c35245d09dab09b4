/** Test helpers: build the live bundles, serve a model's live page, capture the element's events. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { build } from "tsup";
import { expect } from "vitest";
import { type NpyArray, patternKey, toFloat32 } from "../../packages/indexes/src/index.ts";
import { readNpzFile } from "../../packages/indexes/src/node.ts";
import { bundleOptions } from "../../packages/live/bundle.config.ts";
import {
  type LiveServer,
  liveRoutes,
  prepareLiveModel,
  startLiveServer,
} from "../../packages/live/src/node.ts";
import { REPO_ROOT } from "./shared.ts";

let built: Promise<void> | undefined;

/** Builds `dist/pattern-lens-live.js` and the worker bundle from the sources (once per process). */
export function buildLiveBundles(): Promise<void> {
  built ??= build(bundleOptions(join(REPO_ROOT, "packages/live/dist")));
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

/**
 * Opens the page, waits for the model, and records every `pattern-lens-patterns` event. With
 * `memoryLimit`, the page's element is first replaced by one with that `memory-limit`.
 */
export async function openLivePage(
  page: Page,
  url: string,
  opts: { memoryLimit?: number } = {},
): Promise<void> {
  await page.goto(url);
  await page.evaluate(
    (limit) =>
      new Promise<void>((resolve, reject) => {
        let el = document.querySelector("pattern-lens-live") as HTMLElement & { text: string };
        if (limit !== null) {
          const fresh = document.createElement("pattern-lens-live") as typeof el;
          fresh.setAttribute("memory-limit", String(limit));
          el.replaceWith(fresh);
          el = fresh;
        }
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
    opts.memoryLimit ?? null,
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

/** What `pattern-lens activations` saved for the one prompt of `<save>/<model>`. */
export interface SavedPatterns {
  tokens: string[];
  tokenIds: number[];
  layers: Float32Array[];
}

/** Reads the only prompt of `<save>/<model>/prompts/`: prompt.json tokens/ids and every npz layer. */
export async function readOnlySavedPrompt(save: string, model: string): Promise<SavedPatterns> {
  const root = join(save, model, "prompts");
  const [hash] = readdirSync(root);
  const dir = join(root, hash as string);
  const prompt = JSON.parse(readFileSync(join(dir, "prompt.json"), "utf8")) as {
    tokens: string[];
    token_ids: number[];
  };
  const npz = await readNpzFile(join(dir, "activations.npz"));
  const layers: Float32Array[] = [];
  for (let l = 0; npz.has(patternKey(l)); l++) layers.push(toFloat32(npz.get(patternKey(l)) as NpyArray));
  return { tokens: prompt.tokens, tokenIds: prompt.token_ids, layers };
}

/** Asserts identical tokens and ids, and every pattern value within 1e-5. Returns the largest difference. */
export function expectSamePatterns(got: RecordedPatterns, want: SavedPatterns): number {
  expect(got.tokens).toEqual(want.tokens);
  expect(got.tokenIds).toEqual(want.tokenIds);
  expect(got.layers.length).toBe(want.layers.length);
  const n = want.tokenIds.length;
  let worst = 0;
  got.layers.forEach((layer, l) => {
    const w = want.layers[l] as Float32Array;
    expect(layer.length, `layer ${l} size`).toBe(w.length);
    expect(layer.length % (n * n)).toBe(0);
    for (let i = 0; i < w.length; i++)
      worst = Math.max(worst, Math.abs((layer[i] as number) - (w[i] as number)));
  });
  expect(worst, "largest difference").toBeLessThanOrEqual(1e-5);
  return worst;
}
