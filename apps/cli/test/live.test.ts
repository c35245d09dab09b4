/// <reference lib="dom" />
// page.evaluate callbacks run in the browser: they need the DOM types.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEMO_MODEL_NAME } from "@pattern-lens/models";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { launchChromium, type TestBrowser } from "#test-support/browser.ts";
import {
  buildLiveBundles,
  expectSamePatterns,
  openLivePage,
  readOnlySavedPrompt,
  typeAndWait,
} from "#test-support/live-page.ts";
import { sharedPath } from "#test-support/shared.ts";
import { runCommand } from "../src/program.ts";

let tmp: string;
// One browser per test, closed before the command is stopped: playwright exits the process on the
// SIGINT that stops `pattern-lens live` while it has a browser open.
let browser: TestBrowser;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "pl-cli-live-"));
  await buildLiveBundles();
});

beforeEach(async () => {
  browser = await launchChromium();
});

afterEach(async () => {
  await browser?.close();
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** Starts `pattern-lens live ...args` in-process; resolves with its URL and a stop function. */
async function startLive(args: string[]) {
  let out = "";
  let printed: () => void = () => {};
  const started = new Promise<void>((r) => {
    printed = r;
  });
  const io = {
    out: (t: string) => {
      out += t;
      if (t.startsWith("Live:")) printed();
    },
    err: (t: string) => {
      out += t;
    },
  };
  const done = runCommand(["live", ...args, "--port", "0", "--cache-dir", join(tmp, "cache")], io);
  await Promise.race([
    started,
    done.then((code) => Promise.reject(new Error(`live exited ${code}: ${out}`))),
  ]);
  const url = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1] as string;
  return {
    url,
    out: () => out,
    async stop() {
      await browser.close();
      process.emit("SIGINT");
      return done;
    },
  };
}

/** `pattern-lens activations` on one text, read back. */
async function activationsCli(model: string, text: string, name: string) {
  const prompts = join(tmp, `${name}.jsonl`);
  writeFileSync(prompts, `${JSON.stringify({ text })}\n`);
  const save = join(tmp, `${name}-data`);
  const io = { out: () => {}, err: () => {} };
  const args = ["activations", "--model", model, "--model-name", name, "--prompts", prompts];
  const code = await runCommand(
    [...args, "--save-path", save, "--min-chars", "1", "--cache-dir", join(tmp, "cache")],
    io,
  );
  expect(code).toBe(0);
  return readOnlySavedPrompt(save, name);
}

describe("pattern-lens live", () => {
  it("--model demo: serves the page offline, cross-origin isolated, 2 threads, patterns equal `activations`", async () => {
    const live = await startLive(["--model", "demo"]);
    const page = await browser.context.newPage();
    const hosts = new Set<string>();
    page.on("request", (r) => hosts.add(new URL(r.url()).host));
    try {
      const ready = page.waitForEvent("console", {
        predicate: (m) => m.text().startsWith("ready"),
        timeout: 60_000,
      });
      await page.addInitScript(() => {
        document.addEventListener("pattern-lens-ready", (e) =>
          console.log(`ready ${JSON.stringify((e as CustomEvent).detail)}`),
        );
      });
      await openLivePage(page, live.url);
      const detail = JSON.parse((await ready).text().slice(6)) as { threads: number; nLayers: number };
      expect(detail).toMatchObject({ threads: 2, nLayers: 2 });
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
      const text = "abcabc hello hello";
      const got = await typeAndWait(page, text);
      const demoDir = join(tmp, "cache", "demo-model", DEMO_MODEL_NAME);
      expectSamePatterns(got, await activationsCli(demoDir, text, "demo"));
      expect([...hosts]).toEqual([new URL(live.url).host]);
      const res = await fetch(`${live.url}ort/ort-wasm-simd-threaded.wasm`, { method: "HEAD" });
      expect(res.headers.get("content-type")).toBe("application/wasm");
      expect(res.headers.get("cross-origin-embedder-policy")).toBe("require-corp");
      expect((await fetch(`${live.url}package.json`)).status).toBe(404);
    } finally {
      await page.close();
      expect(await live.stop()).toBe(0);
    }
    expect(live.out()).toContain("Stopped (SIGINT)");
  });

  it("--model <folder>: gpt2-tiny-torch with 2 threads equals `pattern-lens activations` within 1e-5", async () => {
    const dir = sharedPath("models", "gpt2-tiny-torch");
    const live = await startLive(["--model", dir]);
    expect(live.out()).toMatch(/Live: gpt2-tiny-torch \(2 layers, softmax\)/);
    const page = await browser.context.newPage();
    try {
      await openLivePage(page, live.url);
      const text = "The quick brown fox jumps over the lazy dog, and the quick brown fox";
      expectSamePatterns(await typeAndWait(page, text), await activationsCli(dir, text, "gpt2-tiny"));
    } finally {
      await page.close();
      await live.stop();
    }
  });
});
