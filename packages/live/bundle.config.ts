import type { Options } from "tsup";

/**
 * tsup options of the two browser bundles: `dist/pattern-lens-live.js` (the element, lit and the
 * viewer inlined) and `dist/pattern-lens-live-worker.js` (capture: onnxruntime-web's JavaScript,
 * the tokenizer, the ONNX codec and instrumentation). onnxruntime-web loads its WASM files from the
 * URL the element gives it (served beside the page), never from a CDN.
 */
export function bundleOptions(outDir = "dist"): Options {
  return {
    entry: {
      "pattern-lens-live": new URL("./src/bundle.ts", import.meta.url).pathname,
      "pattern-lens-live-worker": new URL("./src/worker.ts", import.meta.url).pathname,
    },
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
      // the extern-wasm condition: onnxruntime-web imports its .mjs/.wasm from env.wasm.wasmPaths
      o.conditions = ["source", "browser", "import", "onnxruntime-web-use-extern-wasm"];
    },
  };
}
