import { describe, expect, it } from "vitest";
import { boxView, cellWindow, clampView, fullView, showCell, tickStep, zoomAt } from "../src/_viewport.ts";

describe("viewport", () => {
  it("zooms about the pointer and stays inside the pattern", () => {
    const n = 2000;
    const v = zoomAt(fullView(n), n, 0.25, 0.5, 4);
    expect(v.span).toBe(500);
    // the cell under the pointer (500, 1000) stays under it
    expect(v.x + 0.25 * v.span).toBeCloseTo(500);
    expect(v.y + 0.5 * v.span).toBeCloseTo(1000);
    expect(zoomAt(v, n, 0.5, 0.5, 1e9).span).toBe(4);
    expect(zoomAt(v, n, 0.5, 0.5, 1e-9)).toEqual(fullView(n));
    expect(clampView({ x: -5, y: 1990, span: 100 }, n)).toEqual({ x: 0, y: 1900, span: 100 });
  });

  it("box-zooms to a square and follows a cell", () => {
    expect(boxView(10, 20, 30, 60, 100)).toEqual({ x: 0, y: 20, span: 40 });
    const v = { x: 100, y: 100, span: 50 };
    expect(showCell(v, 2000, 170, 90)).toEqual({ x: 90, y: 121, span: 50 });
    expect(cellWindow({ x: 10.5, y: 0, span: 20 }, 2000)).toEqual({ x0: 10, y0: 0, w: 21, h: 20 });
  });

  it("spaces ticks on 1/2/5 steps", () => {
    expect(tickStep(2048, 640)).toBe(200);
    expect(tickStep(20, 640)).toBe(2);
    expect(tickStep(10, 640)).toBe(1);
  });
});
