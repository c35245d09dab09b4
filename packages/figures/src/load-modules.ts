import { isAbsolute, resolve } from "node:path";
import type { createJiti } from "jiti";
import { registryState } from "./_registry-state.ts";
import { FiguresError } from "./errors.ts";
import { registerFigureExport } from "./registry.ts";

let jitiInstance: ReturnType<typeof createJiti> | undefined;

async function jiti(): Promise<ReturnType<typeof createJiti>> {
  if (jitiInstance === undefined) {
    // User modules that import our packages get the very instances this process runs, so their
    // registrations land in this registry even when a second copy of the package is installed.
    // jiti is loaded only when there are modules to load (it costs ~100 ms of start-up per thread).
    const [{ createJiti }, self, figureUtil, indexes] = await Promise.all([
      import("jiti"),
      import("./index.ts"),
      import("@pattern-lens/figure-util"),
      import("@pattern-lens/indexes"),
    ]);
    jitiInstance = createJiti(import.meta.url, {
      virtualModules: {
        "@pattern-lens/figures": self,
        "@pattern-lens/figure-util": figureUtil,
        "@pattern-lens/indexes": indexes,
      },
    });
  }
  return jitiInstance;
}

/**
 * Imports user figure modules (`.js`, `.mjs`, or `.ts` through jiti) so their figures join the registry.
 *
 * A module may register figures when imported (`registerAttnFigureFunc(...)` at top level), or
 * `export default` one figure definition or an array of them; both work, and together. Every figure
 * a module registers records that module as its `source` (written to figures.jsonl relative to the
 * data folder). Importing the same module twice registers nothing new.
 *
 * @param paths - module files; relative paths resolve against `cwd`
 * @param cwd - base for relative paths (default `process.cwd()`)
 * @returns the absolute paths loaded, in order
 * @throws {FiguresError} `PL_FIGURES_MODULE` when a file is missing or throws while loading.
 */
export async function loadFigureModules(
  paths: readonly string[],
  cwd: string = process.cwd(),
): Promise<string[]> {
  const loaded: string[] = [];
  for (const p of paths) {
    const file = isAbsolute(p) ? p : resolve(cwd, p);
    if (!/\.(m?js|m?ts|cjs|cts)$/.test(file)) {
      throw new FiguresError(
        "PL_FIGURES_MODULE",
        `figure module ${file} is not a .js, .mjs or .ts file. Pass a JavaScript or TypeScript module.`,
        { path: file },
      );
    }
    const state = registryState();
    const before = state.loading;
    state.loading = { kind: "module", path: file };
    try {
      const mod = (await (await jiti()).import(file)) as { default?: unknown };
      // jiti's interop proxy answers `default` with the module itself when there is none: ask the target.
      const def = Object.hasOwn(mod, "default") ? mod.default : undefined;
      if (def !== undefined && def !== null) {
        for (const item of Array.isArray(def) ? def : [def]) registerFigureExport(item, file);
      }
    } catch (err) {
      if (err instanceof FiguresError) throw err;
      const code = (err as { code?: unknown }).code;
      const missing = code === "ENOENT" || code === "MODULE_NOT_FOUND" || code === "ERR_MODULE_NOT_FOUND";
      throw new FiguresError(
        "PL_FIGURES_MODULE",
        missing && !(err as Error).message?.includes("Cannot find package")
          ? `figure module ${file} could not be loaded: ${(err as Error).message}. Check the path given to --module.`
          : `figure module ${file} failed to load: ${(err as Error)?.message ?? String(err)}`,
        { cause: err, path: file },
      );
    } finally {
      state.loading = before;
    }
    loaded.push(file);
  }
  return loaded;
}
