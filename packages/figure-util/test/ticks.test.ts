import { describe, expect, it } from "vitest";
import { positionTicks } from "../src/ticks.ts";

describe("positionTicks", () => {
  it("keeps at most 8 ticks on nice steps from 10 to 8,000 positions", () => {
    expect(positionTicks(10)).toEqual([0, 2, 4, 6, 8]);
    expect(positionTicks(8)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(positionTicks(512)).toEqual([0, 100, 200, 300, 400, 500]);
    expect(positionTicks(8000)).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000, 7000]);
    for (let n = 1; n <= 9000; n += 37) expect(positionTicks(n).length).toBeLessThanOrEqual(8);
    expect(positionTicks(0)).toEqual([]);
  });
});
