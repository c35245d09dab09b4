/** `@pattern-lens/viewer/node`: writes the offline viewer into a data folder (Node only). */
import { copyFile, mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ViewerError } from "./errors.ts";
import { type IndexHtmlOptions, viewerIndexHtml } from "./index-html.ts";

/** File name of the single-file browser bundle. */
export const VIEWER_BUNDLE_FILE = "pattern-lens-viewer.js";

/** Absolute path of the built bundle (`dist/pattern-lens-viewer.js` of this package). */
export function viewerBundlePath(): string {
  // src/node.ts and dist/node.js both sit one folder below the package root.
  return fileURLToPath(new URL(`../dist/${VIEWER_BUNDLE_FILE}`, import.meta.url));
}

/** Options of {@link writeViewerFiles}. */
export interface WriteViewerOptions {
  /** Page title. */
  title?: string;
  /** Copy this bundle instead of the package's own build. */
  bundlePath?: string;
}

/**
 * Writes `index.html` and `pattern-lens-viewer.js` into a data folder (replacing older ones,
 * each written to a temporary name first and renamed). Returns the paths written.
 *
 * @example
 * await writeViewerFiles("attn_data"); // then: pattern-lens serve --path attn_data
 * Temp files that a killed earlier run left are removed.
 *
 * @throws {ViewerError} `PL_VIEWER_BUNDLE_MISSING` when the bundle has not been built; `PL_VIEWER_IO` when
 *   the folder cannot be written (disk full, read-only), after removing this run's temp files.
 */
export async function writeViewerFiles(dir: string, options: WriteViewerOptions = {}): Promise<string[]> {
  const bundle = options.bundlePath ?? viewerBundlePath();
  const ok = await stat(bundle).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!ok) {
    throw new ViewerError(
      "PL_VIEWER_BUNDLE_MISSING",
      `the viewer bundle ${bundle} is missing: build it with 'pnpm --filter @pattern-lens/viewer build'`,
    );
  }
  const js = join(dir, VIEWER_BUNDLE_FILE);
  const page = join(dir, "index.html");
  const tmp = `.tmp-${process.pid}-${Date.now()}`;
  const htmlOpts: IndexHtmlOptions = { bundle: VIEWER_BUNDLE_FILE };
  if (options.title !== undefined) htmlOpts.title = options.title;
  try {
    await mkdir(dir, { recursive: true });
    await removeOldTemps(dir);
    await copyFile(bundle, js + tmp);
    await rename(js + tmp, js);
    await writeFile(page + tmp, viewerIndexHtml(htmlOpts));
    await rename(page + tmp, page);
  } catch (cause) {
    await rm(js + tmp, { force: true }).catch(() => {});
    await rm(page + tmp, { force: true }).catch(() => {});
    throw new ViewerError(
      "PL_VIEWER_IO",
      `cannot write the viewer into ${dir} (${(cause as Error).message}). Free disk space or fix the folder's permissions, then run again.`,
      { cause },
    );
  }
  return [page, js];
}

/** `index.html.tmp-<pid>-<ms>` / `pattern-lens-viewer.js.tmp-…` left by a process that is gone. */
const TEMP = /^(?:index\.html|pattern-lens-viewer\.js)\.tmp-(\d+)-\d+$/;

async function removeOldTemps(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const m = TEMP.exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch (err) {
      if ((err as { code?: unknown }).code === "ESRCH") await rm(join(dir, name), { force: true });
    }
  }
}

export { type IndexHtmlOptions, viewerIndexHtml } from "./index-html.ts";
