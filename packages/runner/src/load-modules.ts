import { isAbsolute, resolve } from "node:path";
import type { createJiti } from "jiti";

type Jiti = ReturnType<typeof createJiti>;

/** How {@link loadUserModules} loads one package's user modules. */
export interface LoadModulesOptions {
  /** What the modules hold, for messages: `"figure"` gives "figure module X ...". */
  readonly what: string;
  /** The registry whose `loadingFrom` records each module as the source of what it registers. */
  readonly registry: {
    loadingFrom<R>(path: string, fn: () => Promise<R>): Promise<R>;
    list(): readonly unknown[];
  };
  /**
   * The packages a user module may import, as this process's own instances (module namespaces by
   * specifier), so its registrations land in this registry even when another copy is installed.
   * Called once, when the first module is loaded (jiti and these cost ~0.1 s of a thread's start-up).
   */
  readonly virtualModules: () => Promise<Record<string, unknown>>;
  /**
   * Registers a module's non-null default export (one definition or an array of them), or, for a
   * module with no default export that registered nothing on import, the array of its named
   * exports that {@link isDefinition} accepts.
   */
  readonly onDefault: (value: unknown, file: string) => void;
  /** Whether a named export is one of the package's definitions (e.g. a `defineMatrixFigure` result). */
  readonly isDefinition: (value: unknown) => boolean;
  /** How a module registers, for the message when one registers nothing. */
  readonly howToRegister: string;
  /** The package's error for a module that cannot be used: `message` says what to do. */
  readonly error: (message: string, file: string, cause?: unknown) => Error;
  /** Errors thrown while loading that are rethrown as they are (the package's own typed errors). */
  readonly passThrough: (err: unknown) => boolean;
  /** Base for relative paths (default `process.cwd()`). */
  readonly cwd?: string;
}

const jitis = new Map<string, Promise<Jiti>>();
/** Modules already imported, per `what`: importing one again registers nothing and is no error. */
const imported = new Map<string, Set<string>>();

function jitiFor(opts: LoadModulesOptions): Promise<Jiti> {
  let j = jitis.get(opts.what);
  if (j === undefined) {
    j = (async () => {
      const [{ createJiti }, virtualModules] = await Promise.all([import("jiti"), opts.virtualModules()]);
      return createJiti(import.meta.url, { virtualModules });
    })();
    jitis.set(opts.what, j);
  }
  return j;
}

/**
 * Imports user modules (`.js`, `.mjs`, `.cjs`, or `.ts` through jiti). A module registers when
 * imported (a top-level `register...(...)` call), or `export default`s one definition or an array
 * of them (handed to `onDefault`); both work, and together. A module that does neither has its
 * named exports that are definitions registered instead. Everything a module registers records it
 * as its source. Importing the same module twice registers nothing new.
 *
 * @param paths - module files; relative paths resolve against `opts.cwd`
 * @returns the absolute paths loaded, in order
 * @throws the error `opts.error` makes when a file is not a module, is missing, throws while
 *   loading or registers nothing; errors `opts.passThrough` accepts as they are.
 */
export async function loadUserModules(paths: readonly string[], opts: LoadModulesOptions): Promise<string[]> {
  const loaded: string[] = [];
  const cwd = opts.cwd ?? process.cwd();
  const seen = imported.get(opts.what) ?? new Set<string>();
  imported.set(opts.what, seen);
  for (const p of paths) {
    const file = isAbsolute(p) ? p : resolve(cwd, p);
    if (!/\.(m?js|m?ts|cjs|cts)$/.test(file)) {
      throw opts.error(
        `${opts.what} module ${file} is not a .js, .mjs or .ts file. Pass a JavaScript or TypeScript module to --module.`,
        file,
      );
    }
    const before = new Set(opts.registry.list());
    const registeredSome = () => opts.registry.list().some((e) => !before.has(e));
    try {
      await opts.registry.loadingFrom(file, async () => {
        const mod = (await (await jitiFor(opts)).import(file)) as Record<string, unknown>;
        // jiti's interop proxy answers `default` with the module itself when there is none: ask the target.
        const def = Object.hasOwn(mod, "default") ? mod.default : undefined;
        if (def !== undefined && def !== null) opts.onDefault(def, file);
        else if (!registeredSome()) {
          const named = Object.keys(mod)
            .filter((k) => k !== "default")
            .map((k) => mod[k])
            .filter(opts.isDefinition);
          if (named.length > 0) opts.onDefault(named, file);
        }
      });
    } catch (err) {
      if (opts.passThrough(err)) throw err;
      const code = (err as { code?: unknown }).code;
      const message = (err as Error)?.message ?? String(err);
      const missing = code === "ENOENT" || code === "MODULE_NOT_FOUND" || code === "ERR_MODULE_NOT_FOUND";
      throw opts.error(
        missing && !message.includes("Cannot find package")
          ? `${opts.what} module ${file} could not be loaded: ${message}. Check the path given to --module.`
          : `${opts.what} module ${file} failed to load: ${message}`,
        file,
        err,
      );
    }
    if (!seen.has(file) && !registeredSome()) {
      throw opts.error(`${opts.what} module ${file} registered nothing. ${opts.howToRegister}`, file);
    }
    seen.add(file);
    loaded.push(file);
  }
  return loaded;
}
