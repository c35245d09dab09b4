import type { Options } from "tsup";

/**
 * `PATTERN_LENS_NO_DTS=1` skips type declarations: `pnpm demo` only needs the JavaScript, and the
 * declaration build is most of the build time. Published builds always emit them.
 */
const dts = process.env.PATTERN_LENS_NO_DTS !== "1";

/**
 * The one tsup configuration every package builds with: ESM only, Node 20, with type declarations.
 * Packages pass their entry points and, where needed, a platform.
 */
export function packageConfig(entry: Record<string, string>, extra: Partial<Options> = {}): Options {
  return {
    entry,
    format: ["esm"],
    target: "node20",
    dts,
    sourcemap: true,
    clean: true,
    splitting: false,
    treeshake: true,
    ...extra,
  };
}
