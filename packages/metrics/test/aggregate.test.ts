import { describe, expect, it } from "vitest";
import { MetricAccumulator } from "../src/index.ts";

describe("MetricAccumulator", () => {
  it("mean, population std, count and excluded", () => {
    const a = new MetricAccumulator();
    for (const v of [1, 2, 3, 4, undefined, Number.NaN, null]) a.add(v);
    const r = a.result();
    expect(r.count).toBe(4);
    expect(r.excluded).toBe(3);
    expect(r.mean).toBeCloseTo(2.5, 12);
    expect(r.std).toBeCloseTo(Math.sqrt(1.25), 12);
  });

  it("null mean and std when nothing was defined", () => {
    const a = new MetricAccumulator();
    a.add(undefined);
    expect(a.result()).toEqual({ mean: null, std: null, count: 0, excluded: 1 });
  });
});
