import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { activationsMain } from "@pattern-lens/activations";
import { patternKey, toFloat32 } from "@pattern-lens/indexes";
import { readNpzFile } from "@pattern-lens/indexes/node";
import { buildDemoModel } from "@pattern-lens/models";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, type TestBrowser } from "#test-support/browser.ts";
import { sharedPath } from "#test-support/shared.ts";
import type { LiveServer } from "../src/node.ts";
import { openLivePage, type RecordedPatterns, serveLive, typeAndWait } from "./_live-page.ts";

let tmp: string;
let browser: TestBrowser;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "pl-live-"));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** What `pattern-lens activations` saves for `text`: prompt.json tokens/ids and the npz layers. */
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
  const root = join(save, name, "prompts");
  const [hash] = readdirSync(root);
  const dir = join(root, hash as string);
  const prompt = JSON.parse(readFileSync(join(dir, "prompt.json"), "utf8")) as {
    tokens: string[];
    token_ids: number[];
  };
  const npz = await readNpzFile(join(dir, "activations.npz"));
  const layers: Float32Array[] = [];
  for (let l = 0; npz.has(patternKey(l)); l++) layers.push(toFloat32(npz.get(patternKey(l))!));
  return { tokens: prompt.tokens, tokenIds: prompt.token_ids, layers };
}

function expectSame(got: RecordedPatterns, want: Awaited<ReturnType<typeof cliPatterns>>): void {
  expect(got.tokens).toEqual(want.tokens);
  expect(got.tokenIds).toEqual(want.tokenIds);
  expect(got.layers.length).toBe(want.layers.length);
  const n = want.tokenIds.length;
  got.layers.forEach((layer, l) => {
    const w = want.layers[l]!;
    expect(layer.length).toBe(w.length);
    expect(layer.length % (n * n)).toBe(0);
    let worst = 0;
    for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(layer[i]! - w[i]!));
    expect(worst, `layer ${l}: largest difference`).toBeLessThanOrEqual(1e-5);
  });
}

async function liveCase(onnx: string, text: string, name: string): Promise<void> {
  const want = await cliPatterns(onnx, text, name);
  let server: LiveServer | undefined;
  let page: Page | undefined;
  try {
    server = await serveLive(onnx, join(tmp, "cache"));
    page = await browser.context.newPage();
    await openLivePage(page, server.url);
    const got = await typeAndWait(page, text);
    expectSame(got, want);
  } finally {
    await page?.close();
    await server?.close();
  }
}

describe("<pattern-lens-live>", () => {
  it("types a prompt on the demo model and gets the CLI's patterns, tokens and ids", async () => {
    const demo = await buildDemoModel(join(tmp, "demo"));
    await liveCase(demo.dir, "abcdefabcdef the quick brown fox", "demo");
  });

  it("types a prompt on gpt2-tiny-torch and gets the CLI's patterns, tokens and ids", async () => {
    await liveCase(
      sharedPath("models", "gpt2-tiny-torch"),
      "The cat sat on the mat. The cat sat",
      "gpt2-tiny",
    );
  });
});
