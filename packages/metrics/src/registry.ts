import { createRegistry } from "@pattern-lens/runner/registry";
import { BUILTIN_METRICS } from "./builtins/index.ts";
import { MetricsError } from "./errors.ts";
import type { MetricDefinition, MetricFn } from "./types.ts";

const NAME = /^[a-z][a-z0-9_.-]*$/;

/** The metrics registry, shared by every copy of this package in a process (see the runner's createRegistry). @internal */
export const metricRegistry = createRegistry<MetricDefinition>(
  "@pattern-lens/metrics",
  () => BUILTIN_METRICS,
);

/**
 * Makes a metric definition (checked, not yet registered).
 * @example
 * export default defineMetric(
 *   { name: "last_token", doc: "attention on the last position of each row's past" },
 *   ({ pattern, n }) => pattern[(n - 1) * n + (n - 2)],
 * );
 * @throws {MetricsError} `PL_METRICS_DEFINITION` for a bad name, empty doc or a non-function.
 */
export function defineMetric(
  config: { name: string; doc?: string; formula?: string },
  fn: MetricFn,
): MetricDefinition {
  if (typeof config?.name !== "string" || !NAME.test(config.name)) {
    throw new MetricsError(
      "PL_METRICS_DEFINITION",
      `metric name ${JSON.stringify(config?.name)} is not valid: use lower-case letters, digits, "_", "." or "-", starting with a letter.`,
    );
  }
  if (typeof fn !== "function") {
    throw new MetricsError(
      "PL_METRICS_DEFINITION",
      `metric "${config.name}" needs a function (ctx) => number | undefined.`,
    );
  }
  const def: MetricDefinition = { name: config.name, doc: config.doc ?? "", fn };
  if (config.formula !== undefined) def.formula = config.formula;
  return def;
}

/** Whether `v` is a metric definition (a `defineMetric` result). @internal */
export function _isDefinition(v: unknown): v is MetricDefinition {
  return typeof v === "object" && v !== null && typeof (v as MetricDefinition).fn === "function";
}

/**
 * Adds a metric to the registry, so `runMetrics` computes it. Registering the same definition
 * twice is a no-op.
 * @example
 * registerMetric({ name: "diag2", doc: "two back" }, ({ pattern, n }) => ...);
 * @throws {MetricsError} `PL_METRICS_DUPLICATE` when another metric has the name (built-ins included);
 *   `PL_METRICS_DEFINITION` for a malformed definition.
 */
export function registerMetric(def: MetricDefinition): MetricDefinition;
export function registerMetric(
  config: { name: string; doc?: string; formula?: string },
  fn: MetricFn,
): MetricDefinition;
export function registerMetric(
  a: MetricDefinition | { name: string; doc?: string; formula?: string },
  fn?: MetricFn,
): MetricDefinition {
  const def =
    fn !== undefined
      ? defineMetric(a, fn)
      : _isDefinition(a)
        ? defineMetric(a, a.fn)
        : defineMetric(a, fn as never);
  const prev = metricRegistry.get(def.name);
  if (prev !== undefined && prev.fn === def.fn) return prev;
  if (prev !== undefined) {
    throw new MetricsError(
      "PL_METRICS_DUPLICATE",
      `a metric named "${def.name}" is already registered${prev.source ? ` (from ${prev.source})` : BUILTIN_METRICS.includes(prev) ? " (built in)" : ""}; give yours another name.`,
    );
  }
  const loading = metricRegistry.loading;
  if (loading !== undefined) def.source = loading;
  metricRegistry.set(def);
  return def;
}

/** Registers a module's default export (a definition or an array of them). @internal */
export function _registerExport(value: unknown, path: string): void {
  for (const item of Array.isArray(value) ? value : [value]) {
    if (!_isDefinition(item)) {
      throw new MetricsError(
        "PL_METRICS_DEFINITION",
        `${path}: the default export must be a metric definition (defineMetric(...)) or an array of them.`,
        { path },
      );
    }
    registerMetric(item);
  }
}

/** Every metric: the built-ins first, then registered ones in registration order. */
export function listMetrics(): MetricDefinition[] {
  return metricRegistry.list();
}

/** A metric by name, or `undefined`. */
export function getMetric(name: string): MetricDefinition | undefined {
  return metricRegistry.get(name);
}

/**
 * Metrics by name (comma list or array, in the order given); all of them when `names` is empty or
 * undefined.
 * @throws {MetricsError} `PL_METRICS_UNKNOWN` naming the unknown ones and the known ones.
 */
export function selectMetrics(names?: string | readonly string[]): MetricDefinition[] {
  const list = (typeof names === "string" ? names.split(",") : (names ?? []))
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (list.length === 0) return listMetrics();
  const unknown = list.filter((n) => getMetric(n) === undefined);
  if (unknown.length > 0) {
    throw new MetricsError(
      "PL_METRICS_UNKNOWN",
      `unknown metric${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}; known: ${listMetrics()
        .map((m) => m.name)
        .join(", ")}. Load custom metrics with --module.`,
    );
  }
  return [...new Set(list)].map((n) => getMetric(n) as MetricDefinition);
}

/** Removes every registered (non built-in) metric. For tests and long-lived processes. */
export function clearCustomMetrics(): void {
  metricRegistry.reset();
}
