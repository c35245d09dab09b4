import type { Options } from "tsup";

type EsbuildPlugin = NonNullable<Options["esbuildPlugins"]>[number];

const tsconfig = new URL("./tsconfig.json", import.meta.url).pathname;

/**
 * Replaces `src/_worker-source.ts` with the bundled source of `src/npz-worker.ts` (an IIFE
 * string), so that the viewer starts its Range-loading Worker from a Blob URL: one file to copy,
 * no second script to serve, any origin.
 */
export function workerSourcePlugin(): EsbuildPlugin {
  return {
    name: "pattern-lens-worker-source",
    setup(build) {
      build.onLoad({ filter: /[\\/]_worker-source\.ts$/ }, async () => {
        const entry = new URL("./src/npz-worker.ts", import.meta.url).pathname;
        const r = await build.esbuild.build({
          entryPoints: [entry],
          bundle: true,
          write: false,
          format: "iife",
          platform: "browser",
          target: "es2022",
          minify: true,
          metafile: true,
          tsconfig,
          conditions: ["source", "browser", "import"],
        });
        const text = r.outputFiles?.[0]?.text ?? "";
        return {
          contents: `export const WORKER_SOURCE = ${JSON.stringify(text)};`,
          loader: "ts",
          watchFiles: Object.keys(r.metafile?.inputs ?? {}),
        };
      });
    },
  };
}

/**
 * tsup options of the single-file browser bundle `dist/pattern-lens-viewer.js`: everything
 * (lit, @pattern-lens/indexes, zod, fflate, the npz Worker) inlined, ES2022, minified. Tests
 * build it with these same options through tsup's API.
 */
export function bundleOptions(outDir = "dist"): Options {
  return {
    entry: { "pattern-lens-viewer": new URL("./src/bundle.ts", import.meta.url).pathname },
    outDir,
    format: ["esm"],
    platform: "browser",
    target: "es2022",
    noExternal: [/.*/],
    splitting: false,
    dts: false,
    sourcemap: false,
    minify: true,
    clean: false,
    treeshake: true,
    silent: true,
    tsconfig,
    esbuildPlugins: [workerSourcePlugin()],
    esbuildOptions(o) {
      o.conditions = ["source", "browser", "import"];
    },
  };
}
