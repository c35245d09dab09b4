import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium } from "playwright-core";
import { build } from "tsup";
import { bundleOptions } from "../../packages/viewer/bundle.config.ts";
import { REPO_ROOT } from "./shared.ts";

/** Debian's chromium (installed by `.ci/run` with apt). */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Flags for a root user on a machine without network: no sandbox, no GPU, nothing phoning home. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A launched Chromium with a fresh profile; `close()` removes the profile folder. */
export interface TestBrowser {
  context: BrowserContext;
  browser: Browser | null;
  close(): Promise<void>;
}

/**
 * Launches headless Chromium with a fresh user-data-dir.
 *
 * @example
 * const b = await launchChromium();
 * const page = await b.context.newPage();
 * await b.close();
 */
export async function launchChromium(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), "pl-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 1000 },
  });
  return {
    context,
    browser: context.browser(),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

let built: Promise<string> | undefined;

/**
 * Builds `packages/viewer/dist/pattern-lens-viewer.js` from the current sources (once per test
 * process), with the same tsup options as `pnpm build`. Returns its path.
 */
export function buildViewerBundle(): Promise<string> {
  built ??= (async () => {
    const outDir = join(REPO_ROOT, "packages/viewer/dist");
    await build(bundleOptions(outDir));
    return join(outDir, "pattern-lens-viewer.js");
  })();
  return built;
}
