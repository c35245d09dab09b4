/**
 * `@pattern-lens/live/node`: what `pattern-lens live` needs on the Node side: the built bundles and
 * onnxruntime-web's WASM files, the model folder (instrumented once, cached), the page, a server.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type LiveIndexHtmlOptions, liveIndexHtml } from "./index-html.ts";
import type { LiveRoute } from "./live-server.ts";
import type { LiveModelFolder } from "./model-folder.ts";

export { type LiveIndexHtmlOptions, liveIndexHtml } from "./index-html.ts";
export { type LiveRoute, type LiveServer, type LiveServerOptions, startLiveServer } from "./live-server.ts";
export { type LiveModelFolder, type PrepareLiveOptions, prepareLiveModel } from "./model-folder.ts";

/** The onnxruntime-web files the page loads (WASM backend, threads capable). */
export const ORT_WASM_FILES = ["ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm"] as const;

/**
 * The static files of the live page on disk: the two bundles of this package's build and
 * onnxruntime-web's WASM files, by served name (`pattern-lens-live.js`, `ort/...`).
 */
export function liveAssetFiles(): Map<string, string> {
  // src/node.ts and dist/node.js both sit one folder below the package root.
  const dist = fileURLToPath(new URL("../dist/", import.meta.url));
  const ortDir = dirname(
    createRequire(import.meta.url).resolve("onnxruntime-web/ort-wasm-simd-threaded.wasm"),
  );
  const files = new Map<string, string>([
    ["pattern-lens-live.js", join(dist, "pattern-lens-live.js")],
    ["pattern-lens-live-worker.js", join(dist, "pattern-lens-live-worker.js")],
  ]);
  for (const f of ORT_WASM_FILES) files.set(`ort/${f}`, join(ortDir, f));
  return files;
}

/** The routes of a live page: `/` (the page), the assets, and `/model/*` from a prepared model folder. */
export function liveRoutes(model: LiveModelFolder, page: LiveIndexHtmlOptions = {}): Map<string, LiveRoute> {
  const routes = new Map<string, LiveRoute>([["/", { text: liveIndexHtml(page) }]]);
  routes.set("/index.html", { text: liveIndexHtml(page) });
  for (const [name, file] of liveAssetFiles()) routes.set(`/${name}`, { file });
  routes.set("/model/live.json", { text: `${JSON.stringify(model.manifest)}\n` });
  for (const [name, file] of model.files) routes.set(`/model/${name}`, { file });
  return routes;
}
