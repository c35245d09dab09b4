/**
 * One registry of named functions (figure functions, metrics) per `key`, kept on `globalThis`: every
 * copy of a package in a process (its bundled worker, a user module loaded through jiti, a second
 * install next to the CLI's) sees the same entries.
 */
export interface Registry<T extends { readonly name: string }> {
  /** The entry registered under `name` (built-ins included), or `undefined`. */
  get(name: string): T | undefined;
  /** Every entry: the built-ins first, then the others in registration order. */
  list(): T[];
  /** Adds `entry`, or replaces the entry of the same name in its place. Conflict rules are the caller's. */
  set(entry: T): void;
  /** Removes an entry (built-ins included); whether it was there. */
  delete(name: string): boolean;
  /** Back to the built-ins only (tests, long-lived processes). */
  reset(): void;
  /** The absolute path of the user module being imported right now, if any (see {@link loadingFrom}). */
  readonly loading: string | undefined;
  /** Runs `fn` with {@link loading} set to `path`, so what it registers records that module. */
  loadingFrom<R>(path: string, fn: () => Promise<R>): Promise<R>;
}

interface State<T> {
  entries: Map<string, T>;
  loading: string | undefined;
  builtinsInstalled: boolean;
}

/**
 * The registry named `key` (e.g. `"@pattern-lens/figures"`), created on first use. `builtins` is
 * called once, lazily, at the first access, so a package's built-ins may import its registry.
 *
 * @example
 * ```ts
 * const metrics = createRegistry<MetricDefinition>("@pattern-lens/metrics", () => BUILTIN_METRICS);
 * metrics.set(myMetric);
 * ```
 */
export function createRegistry<T extends { readonly name: string }>(
  key: string,
  builtins: () => readonly T[],
): Registry<T> {
  const sym = Symbol.for(`pattern-lens.registry:${key}@1`);
  const install = (s: State<T>): State<T> => {
    if (!s.builtinsInstalled) {
      s.builtinsInstalled = true;
      const custom = [...s.entries.values()];
      s.entries.clear();
      for (const b of builtins()) s.entries.set(b.name, b);
      for (const c of custom) s.entries.set(c.name, c);
    }
    return s;
  };
  const state = (): State<T> => {
    const g = globalThis as unknown as Record<symbol, State<T> | undefined>;
    let s = g[sym];
    if (s === undefined) {
      s = { entries: new Map(), loading: undefined, builtinsInstalled: false };
      g[sym] = s;
    }
    return install(s);
  };
  return {
    get: (name) => state().entries.get(name),
    list: () => [...state().entries.values()],
    set: (entry) => void state().entries.set(entry.name, entry),
    delete: (name) => state().entries.delete(name),
    reset: () => {
      const s = state();
      s.entries.clear();
      s.builtinsInstalled = false;
      install(s);
    },
    get loading() {
      return state().loading;
    },
    async loadingFrom(path, fn) {
      const s = state();
      const before = s.loading;
      s.loading = path;
      try {
        return await fn();
      } finally {
        s.loading = before;
      }
    },
  };
}
