import type { Options } from "tsup";

/**
 * The one tsup configuration every package builds with: ESM only, Node 20, with type declarations.
 * Packages pass their entry points and, where needed, a platform.
 */
export function packageConfig(entry: Record<string, string>, extra: Partial<Options> = {}): Options {
  return {
    entry,
    format: ["esm"],
    target: "node20",
    dts: true,
    sourcemap: true,
    clean: true,
    splitting: false,
    treeshake: true,
    ...extra,
  };
}
