import { registryState } from "./_registry-state.ts";
import { BUILTIN_FIGURES } from "./builtins/index.ts";
import { FiguresError } from "./errors.ts";
import type {
  AttentionPattern,
  FigureContext,
  FigureFormat,
  FigureOutput,
  FigureSource,
  RegisteredFigure,
} from "./types.ts";

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const FORMATS: readonly string[] = ["png", "svg", "svgz"];

/** The built-ins' `source` in figures.jsonl. */
export const BUILTIN_SOURCE: FigureSource = { kind: "package", name: "@pattern-lens/figures" };

/**
 * A figure function in its plain form: `render` returns one file's bytes. The helpers of
 * @pattern-lens/figure-util (`defineMatrixFigure`, `definePlotFigure`) produce this for you.
 */
export interface AttnFigureFunc {
  /** File stem (`L{l}/H{h}/{name}.{fmt}`): letters, digits, `_` and `-`, not starting with a digit. */
  readonly name: string;
  /** Output format. */
  readonly fmt: FigureFormat;
  /** One-line description for figures.jsonl and the viewer. */
  readonly doc?: string;
  /** Source text shown in figures.jsonl; defaults to `render.toString()`. */
  readonly code?: string;
  /** Computes one head's figure. Must not write files. */
  render(pattern: AttentionPattern, ctx: FigureContext): Uint8Array | Promise<Uint8Array>;
}

/** A figure function that produces several named figures per head (`{name}.{sub}.{fmt}`). */
export interface AttnMultiFigureFunc {
  /** Prefix of every file: `{name}.{sub}.{fmt}`. */
  readonly name: string;
  /** The sub-names it produces, if fixed (lets the runner skip heads that are done, and lists them in figures.jsonl). */
  readonly names?: readonly string[];
  /** Format of the sub-figures, for figures.jsonl (default: the format of the files it returns). */
  readonly fmt?: FigureFormat;
  /** One-line description. */
  readonly doc?: string;
  /** Source text for figures.jsonl; defaults to `render.toString()`. */
  readonly code?: string;
  /** Computes every sub-figure of one head. Must not write files. */
  render(
    pattern: AttentionPattern,
    ctx: FigureContext,
  ): readonly Required<FigureOutput>[] | Promise<readonly Required<FigureOutput>[]>;
}

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
      "PL_FIGURE_NAME",
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

function ensureBuiltins(): void {
  const state = registryState();
  if (state.builtinsInstalled) return;
  state.builtinsInstalled = true;
  for (const b of BUILTIN_FIGURES) {
    if (!state.figures.has(b.name)) state.figures.set(b.name, { ...b, source: BUILTIN_SOURCE });
  }
}

function add(entry: RegisteredFigure, options: RegisterOptions): RegisteredFigure {
  ensureBuiltins();
  const state = registryState();
  const old = state.figures.get(entry.name);
  if (old !== undefined && !options.replace && !sameSource(old.source, entry.source)) {
    throw new FiguresError(
      "PL_FIGURE_DUPLICATE",
      `a figure named '${entry.name}' is already registered (from ${describeSource(old.source)}); ` +
        "rename the new one or register it with { replace: true }.",
    );
  }
  state.figures.set(entry.name, entry);
  return entry;
}

function describeSource(s: FigureSource): string {
  return s.kind === "module" ? s.path : s.kind === "package" ? s.name : "inline code";
}

function currentSource(options: RegisterOptions): FigureSource {
  return options.source ?? registryState().loading ?? { kind: "inline" };
}

/**
 * Registers a figure function: every run of the runner then applies it to every head, writing
 * `L{l}/H{h}/{name}.{fmt}`. Accepts a definition from @pattern-lens/figure-util's
 * `defineMatrixFigure`/`definePlotFigure` or a plain {@link AttnFigureFunc}.
 *
 * @example
 * ```ts
 * registerAttnFigureFunc(defineMatrixFigure("diag_removed", (p) => zeroDiagonal(p), { cmap: "viridis", normalize: true }));
 * ```
 * @returns the registry entry
 * @throws {FiguresError} `PL_FIGURE_NAME` for a bad name, `PL_FIGURE_DUPLICATE` when the name is taken.
 */
export function registerAttnFigureFunc(
  func: AttnFigureFunc,
  options: RegisterOptions = {},
): RegisteredFigure {
  const name = checkName(func.name);
  if (!FORMATS.includes(func.fmt)) {
    throw new FiguresError(
      "PL_FIGURE_NAME",
      `figure '${name}' has an unknown format '${String(func.fmt)}' (png, svg, svgz).`,
    );
  }
  const render = func.render.bind(func);
  const fmt = func.fmt;
  return add(
    {
      name,
      kind: "single",
      doc: func.doc ?? "",
      fmt,
      subNames: undefined,
      code: func.code ?? func.render.toString(),
      source: currentSource(options),
      render: async (pattern, ctx) => [{ fmt, data: await render(pattern, ctx) }],
    },
    options,
  );
}

/**
 * Registers a multi-figure function: one call per head produces several named figures, written
 * as `L{l}/H{h}/{name}.{sub}.{fmt}`.
 *
 * @throws {FiguresError} `PL_FIGURE_NAME` for a bad name or sub-name, `PL_FIGURE_DUPLICATE` when taken.
 */
export function registerAttnMultiFigureFunc(
  func: AttnMultiFigureFunc,
  options: RegisterOptions = {},
): RegisteredFigure {
  const name = checkName(func.name);
  const subs = func.names?.map((s) => checkName(s));
  const render = func.render.bind(func);
  return add(
    {
      name,
      kind: "multi",
      doc: func.doc ?? "",
      fmt: func.fmt,
      subNames: subs,
      code: func.code ?? func.render.toString(),
      source: currentSource(options),
      render: async (pattern, ctx) => {
        const outs = await render(pattern, ctx);
        if (subs !== undefined) {
          const got = outs.map((o) => o.name).sort();
          const want = [...subs].sort();
          if (got.join(",") !== want.join(",")) {
            throw new Error(
              `multi-figure '${name}' declared [${want.join(", ")}] but produced [${got.join(", ")}]`,
            );
          }
        }
        return [...outs];
      },
    },
    options,
  );
}

/** Registers a module's default export (one definition or an array), with that module as source. */
export function registerFigureExport(item: unknown, file: string): void {
  const f = item as Partial<AttnMultiFigureFunc & AttnFigureFunc> & { kind?: string };
  const options: RegisterOptions = { source: { kind: "module", path: file } };
  if (f === null || typeof f !== "object" || typeof f.render !== "function") {
    throw new FiguresError(
      "PL_FIGURE_MODULE",
      `the default export of ${file} is not a figure definition (or an array of them). ` +
        "Export defineMatrixFigure(...)/definePlotFigure(...) results, or call registerAttnFigureFunc on import.",
      { path: file },
    );
  }
  if (f.kind === "multi" || Array.isArray(f.names))
    registerAttnMultiFigureFunc(f as AttnMultiFigureFunc, options);
  else registerAttnFigureFunc(f as AttnFigureFunc, options);
}

/** Removes a registered figure (built-ins included). Returns whether it was registered. */
export function unregisterAttnFigureFunc(name: string): boolean {
  ensureBuiltins();
  return registryState().figures.delete(name);
}

/** Every registered figure, built-ins first, then in registration order. */
export function registeredFigures(): RegisteredFigure[] {
  ensureBuiltins();
  return [...registryState().figures.values()];
}

/** The registered figures with these names, in this order. @throws {FiguresError} `PL_FIGURE_UNKNOWN`. */
export function resolveFigures(names: readonly string[]): RegisteredFigure[] {
  ensureBuiltins();
  const map = registryState().figures;
  return names.map((n) => {
    const f = map.get(n);
    if (f === undefined) {
      throw new FiguresError(
        "PL_FIGURE_UNKNOWN",
        `figure '${n}' is not registered. Registered: ${[...map.keys()].join(", ")}. Load custom figures with --module FILE.`,
      );
    }
    return f;
  });
}
