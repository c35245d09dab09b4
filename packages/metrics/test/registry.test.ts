import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  clearCustomMetrics,
  defineMetric,
  getMetric,
  listMetrics,
  registerMetric,
  selectMetrics,
} from "../src/index.ts";
import { loadMetricModules } from "../src/node.ts";

afterEach(() => clearCustomMetrics());

describe("metric registry", () => {
  it("lists the built-ins first, in order", () => {
    expect(listMetrics().map((m) => m.name)).toEqual([
      "previous_token",
      "induction",
      "duplicate_token",
      "first_token",
      "self",
      "mean_distance",
      "entropy",
    ]);
  });

  it("registers, selects, and refuses bad or duplicate names", () => {
    const def = registerMetric(
      { name: "last", doc: "mass on the last key" },
      ({ pattern, n }) => pattern[n * n - 1],
    );
    expect(registerMetric(def)).toBe(def);
    expect(selectMetrics("last, self").map((m) => m.name)).toEqual(["last", "self"]);
    expect(() => registerMetric({ name: "last" }, () => 1)).toThrowError(
      expect.objectContaining({ code: "PL_METRICS_DUPLICATE" }),
    );
    expect(() => registerMetric({ name: "self" }, () => 1)).toThrowError(
      expect.objectContaining({ code: "PL_METRICS_DUPLICATE" }),
    );
    expect(() => defineMetric({ name: "Bad Name" }, () => 1)).toThrowError(
      expect.objectContaining({ code: "PL_METRICS_DEFINITION" }),
    );
  });
});

describe("loadMetricModules", () => {
  it("loads a .ts module that registers at top level and a .mjs default export", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pl-metric-mod-"));
    const ts = join(dir, "mine.ts");
    writeFileSync(
      ts,
      `import { registerMetric } from "@pattern-lens/metrics";
const f = (ctx: { n: number }): number => ctx.n;
registerMetric({ name: "length", doc: "sequence length" }, f);
`,
    );
    const mjs = join(dir, "other.mjs");
    writeFileSync(
      mjs,
      `import { defineMetric } from "@pattern-lens/metrics";
export default [defineMetric({ name: "zero", doc: "always 0" }, () => 0)];
`,
    );
    expect(await loadMetricModules([ts, mjs])).toEqual([ts, mjs]);
    expect(getMetric("length")?.source).toBe(ts);
    expect(getMetric("zero")?.source).toBe(mjs);
  });

  it("PL_METRICS_MODULE for a missing file or one that throws", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pl-metric-mod-"));
    await expect(loadMetricModules([join(dir, "nope.ts")])).rejects.toMatchObject({
      code: "PL_METRICS_MODULE",
    });
    writeFileSync(join(dir, "bad.mjs"), "throw new Error('kaput');\n");
    await expect(loadMetricModules([join(dir, "bad.mjs")])).rejects.toMatchObject({
      code: "PL_METRICS_MODULE",
      message: expect.stringContaining("kaput"),
    });
    await expect(loadMetricModules([join(dir, "x.txt")])).rejects.toMatchObject({
      code: "PL_METRICS_MODULE",
    });
  });
});
