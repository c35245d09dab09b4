import type { FigureDefinition } from "@pattern-lens/figure-util";
import { FIGURE_FORMATS } from "@pattern-lens/indexes";
import { loadUserModules } from "@pattern-lens/runner";
import { createRegistry } from "@pattern-lens/runner/registry";
import { BUILTIN_FIGURES } from "./builtins/index.ts";
import { FiguresError } from "./errors.ts";
import type { AttnFigureFunc, FigureSource, RegisteredFigure } from "./types.ts";

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** The built-ins' `source` in figures.jsonl. */
export const BUILTIN_SOURCE: FigureSource = { kind: "package", name: "@pattern-lens/figures" };

/** The figures registry, shared by every copy of this package in a process (see the runner's createRegistry). */
export const figureRegistry = createRegistry<RegisteredFigure>("@pattern-lens/figures", () =>
  BUILTIN_FIGURES.map((b) => fromInput(b, { source: BUILTIN_SOURCE })),
);

/** Options of {@link registerAttnFigureFunc} and {@link registerAttnMultiFigureFunc}. */
export interface RegisterOptions {
  /** Replace a figure of the same name registered from a different source (default: throw). */
  readonly replace?: boolean;
  /** Where the figure comes from (default: the module being loaded by `--module`, else inline). */
  readonly source?: FigureSource;
}

function checkName(name: unknown): string {
  if (typeof name !== "string" || !NAME_RE.test(name)) {
    throw new FiguresError(
      "PL_FIGURES_NAME",
      `invalid figure name ${JSON.stringify(name)}: use letters, digits, '_' and '-' (not starting with a digit), no dots.`,
    );
  }
  return name;
}

function sameSource(a: FigureSource, b: FigureSource): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "module" && b.kind === "module") return a.path === b.path;
  if (a.kind === "package" && b.kind === "package") return a.name === b.name;
  return true;
}

function add(entry: RegisteredFigure, options: RegisterOptions): RegisteredFigure {
  const old = figureRegistry.get(entry.name);
  if (old !== undefined && !options.replace && !sameSource(old.source, entry.source)) {
    throw new FiguresError(
      "PL_FIGURES_DUPLICATE",
      `a figure named '${entry.name}' is already registered (from ${describeSource(old.source)}); ` +
        "rename the new one or register it with { replace: true }.",
    );
  }
  figureRegistry.set(entry);
  return entry;
}

function describeSource(s: FigureSource): string {
  return s.kind === "module" ? s.path : s.kind === "package" ? s.name : "inline code";
}

function isDefinition(f: FigureDefinition | AttnFigureFunc): f is FigureDefinition {
  const d = f as Partial<FigureDefinition>;
  return typeof d.kind === "string" && Array.isArray(d.fileNames) && Array.isArray(d.suffixes);
}

function fromInput(func: FigureDefinition | AttnFigureFunc, options: RegisterOptions): RegisteredFigure {
  if (func === null || typeof func !== "object" || typeof func.render !== "function") {
    throw new FiguresError(
      "PL_FIGURES_NAME",
      "not a figure definition: pass defineMatrixFigure/definePlotFigure/defineMultiFigure(...) or { name, fmt, render }.",
    );
  }
  const name = checkName(func.name);
  if (!(FIGURE_FORMATS as readonly string[]).includes(func.fmt)) {
    throw new FiguresError(
      "PL_FIGURES_NAME",
      `figure '${name}' has an unknown format '${String(func.fmt)}' (png, svg, svgz).`,
    );
  }
  const loading = figureRegistry.loading;
  const source: FigureSource =
    options.source ?? (loading ? { kind: "module", path: loading } : { kind: "inline" });
  if (isDefinition(func)) {
    const suffixes = func.suffixes.map((s) => checkName(s));
    return {
      name,
      kind: func.kind,
      doc: func.doc,
      fmt: func.fmt,
      suffixes,
      fileNames: [...func.fileNames],
      code: func.code,
      source,
      render: (pattern, ctx) => func.render(pattern, ctx),
    };
  }
  const fmt = func.fmt;
  return {
    name,
    kind: "custom",
    doc: func.doc ?? "",
    fmt,
    suffixes: [],
    fileNames: [`${name}.${fmt}`],
    code: func.code ?? func.render.toString(),
    source,
    render: async (pattern, ctx) => [{ fmt, bytes: await func.render(pattern, ctx) }],
  };
}

/**
 * Registers a figure function: every run of the runner then applies it to every head, writing
 * `L{l}/H{h}/{name}.{fmt}` (multi-figures: `{name}.{suffix}.{fmt}`). Accepts any definition from
 * @pattern-lens/figure-util (`defineMatrixFigure`, `definePlotFigure`, `defineMultiFigure`) or a
 * plain {@link AttnFigureFunc}. Registering the same name again from the same module replaces it.
 *
 * @example
 * ```ts
 * import { registerAttnFigureFunc } from "@pattern-lens/figures";
 * import { defineMatrixFigure } from "@pattern-lens/figure-util";
 * registerAttnFigureFunc(
 *   defineMatrixFigure({ name: "raw_viridis", fmt: "png", normalize: true, cmap: "viridis" }, (p) => p),
 * );
 * ```
 * @returns the registry entry
 * @throws {FiguresError} `PL_FIGURES_NAME` for a bad name or format, `PL_FIGURES_DUPLICATE` when the
 * name is taken by a figure from another source (pass `{ replace: true }` to override it).
 */
export function registerAttnFigureFunc(
  func: FigureDefinition | AttnFigureFunc,
  options: RegisterOptions = {},
): RegisteredFigure {
  return add(fromInput(func, options), options);
}

/**
 * Registers a multi-figure function made with `defineMultiFigure`: one call per head produces
 * several named figures, written as `L{l}/H{h}/{name}.{suffix}.{fmt}` and listed in figures.jsonl
 * as `{name}.{suffix}`.
 *
 * @throws {FiguresError} `PL_FIGURES_NAME` when `func` is not a multi-figure, `PL_FIGURES_DUPLICATE`.
 */
export function registerAttnMultiFigureFunc(
  func: FigureDefinition,
  options: RegisterOptions = {},
): RegisteredFigure {
  if (!isDefinition(func) || func.kind !== "multi") {
    throw new FiguresError(
      "PL_FIGURES_NAME",
      `'${String((func as { name?: unknown })?.name)}' is not a multi-figure: make it with defineMultiFigure, or use registerAttnFigureFunc.`,
    );
  }
  return add(fromInput(func, options), options);
}

/** Registers a module's default export (one definition or an array), with that module as source. */
export function registerFigureExport(item: unknown, file: string): void {
  const f = item as Partial<AttnFigureFunc>;
  if (f === null || typeof f !== "object" || typeof f.render !== "function") {
    throw new FiguresError(
      "PL_FIGURES_MODULE",
      `the default export of ${file} is not a figure definition (or an array of them). ` +
        "Export defineMatrixFigure(...)/definePlotFigure(...) results, or call registerAttnFigureFunc on import.",
      { path: file },
    );
  }
  registerAttnFigureFunc(item as AttnFigureFunc, { source: { kind: "module", path: file } });
}

/** Removes a registered figure (built-ins included). Returns whether it was registered. */
export function unregisterAttnFigureFunc(name: string): boolean {
  return figureRegistry.delete(name);
}

/** Every registered figure, built-ins first, then in registration order. */
export function registeredFigures(): RegisteredFigure[] {
  return figureRegistry.list();
}

/** The registered figures with these names, in this order. @throws {FiguresError} `PL_FIGURES_UNKNOWN`. */
export function resolveFigures(names: readonly string[]): RegisteredFigure[] {
  return names.map((n) => {
    const f = figureRegistry.get(n);
    if (f === undefined) {
      throw new FiguresError(
        "PL_FIGURES_UNKNOWN",
        `figure '${n}' is not registered. Registered: ${figureRegistry
          .list()
          .map((x) => x.name)
          .join(", ")}. Load custom figures with --module FILE.`,
      );
    }
    return f;
  });
}

/**
 * Imports user figure modules (`.js`, `.mjs`, or `.ts` through jiti) so their figures join the registry.
 *
 * A module may register figures when imported (`registerAttnFigureFunc(...)` at top level), or
 * `export default` one figure definition or an array of them; both work, and together. A module
 * that does neither has its named exports that are figure definitions registered. Every figure
 * a module registers records that module as its `source` (written to figures.jsonl relative to the
 * data folder). Importing the same module twice registers nothing new.
 *
 * @param paths - module files; relative paths resolve against `cwd`
 * @param cwd - base for relative paths (default `process.cwd()`)
 * @returns the absolute paths loaded, in order
 * @throws {FiguresError} `PL_FIGURES_MODULE` when a file is missing, throws while loading or
 *   registers no figure.
 */
export function loadFigureModules(paths: readonly string[], cwd: string = process.cwd()): Promise<string[]> {
  return loadUserModules(paths, {
    what: "figure",
    cwd,
    registry: figureRegistry,
    // user modules importing our packages get the very instances this process runs
    virtualModules: async () => {
      const [self, figureUtil, indexes] = await Promise.all([
        import("./index.ts"),
        import("@pattern-lens/figure-util"),
        import("@pattern-lens/indexes"),
      ]);
      return {
        "@pattern-lens/figures": self,
        "@pattern-lens/figure-util": figureUtil,
        "@pattern-lens/indexes": indexes,
      };
    },
    onDefault: (def, file) => {
      for (const item of Array.isArray(def) ? def : [def]) registerFigureExport(item, file);
    },
    isDefinition: (v) =>
      v !== null &&
      typeof v === "object" &&
      isDefinition(v as FigureDefinition) &&
      typeof (v as FigureDefinition).render === "function",
    howToRegister:
      "Export its figures (export default [...], or export const of defineMatrixFigure/definePlotFigure/defineMultiFigure results), or call registerAttnFigureFunc on import.",
    error: (message, path, cause) => new FiguresError("PL_FIGURES_MODULE", message, { cause, path }),
    passThrough: (err) => err instanceof FiguresError,
  });
}
