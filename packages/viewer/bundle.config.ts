import type { Options } from "tsup";

/**
 * tsup options of the single-file browser bundle `dist/pattern-lens-viewer.js`: everything
 * (lit, @pattern-lens/indexes, zod, fflate) inlined, ES2022, minified. Tests build it with these
 * same options through tsup's API.
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
    tsconfig: new URL("./tsconfig.json", import.meta.url).pathname,
    esbuildOptions(o) {
      o.conditions = ["source", "browser", "import"];
    },
  };
}
