import type { FigureSource, RegisteredFigure } from "./types.ts";

/** The registry lives on globalThis so every copy of this package in a process (a bundled worker,
 * a jiti-loaded user module, the CLI's copy) shares one set of figures. */
interface RegistryState {
  figures: Map<string, RegisteredFigure>;
  /** Set while {@link loadFigureModules} imports a user module: registrations get this source. */
  loading: FigureSource | undefined;
  builtinsInstalled: boolean;
}

const KEY = Symbol.for("@pattern-lens/figures/registry@1");

export function registryState(): RegistryState {
  const g = globalThis as unknown as Record<symbol, RegistryState | undefined>;
  let s = g[KEY];
  if (s === undefined) {
    s = { figures: new Map(), loading: undefined, builtinsInstalled: false };
    g[KEY] = s;
  }
  return s;
}
