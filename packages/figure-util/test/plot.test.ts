import { gunzipSync } from "node:zlib";
import ndarray from "ndarray";
import { describe, expect, it } from "vitest";
import { definePlotFigure, type FigureContext, type Pattern, Plot, renderPlotSvg } from "../src/index.ts";

const ctx: FigureContext = {
  tokens: ["a", "b", "c", "d"],
  layer: 1,
  head: 2,
  modelName: "m",
  promptHash: "h",
};
const pattern = ndarray(
  new Float32Array([1, 0, 0, 0, 0.5, 0.5, 0, 0, 0.2, 0.3, 0.5, 0, 0.1, 0.2, 0.3, 0.4]),
  [4, 4],
);

/** [label, position] of every tick label of one axis ("x" or "y"). */
function tickLabels(svg: string, axis: "x" | "y"): [string, number][] {
  const group =
    new RegExp(`<g [^>]*aria-label="${axis}-axis tick label"[^>]*>(.*?)</g>`, "s").exec(svg)?.[1] ?? "";
  const out: [string, number][] = [];
  for (const m of group.matchAll(/<text([^>]*[^/])>([^<]*)<\/text>/g)) {
    const t = /transform="translate\(([-\d.e]+),([-\d.e]+)\)"/.exec(m[1]!);
    if (t) out.push([m[2]!, Number(axis === "x" ? t[1] : t[2])]);
  }
  return out;
}

describe("renderPlotSvg (Observable Plot under linkedom)", () => {
  it("a line chart with a log y axis: ticks, labels, title, standalone SVG", () => {
    const values = Array.from({ length: 30 }, (_, i) => 10 ** (-i / 10));
    const svg = renderPlotSvg({
      title: "Singular values",
      x: { label: "index" },
      y: { type: "log", label: "sigma", grid: true },
      marks: [Plot.lineY(values)],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain(">Singular values</text>");
    expect(svg).toContain('aria-label="x-axis tick"');
    expect(svg).toContain('aria-label="y-axis tick"');
    expect(svg).toContain("sigma");
    expect(svg).toContain("index");
    const y = new Map(tickLabels(svg, "y"));
    // decades on a log axis are evenly spaced: 1 -> 100m -> 10m
    const [p1, p01, p001] = [y.get("1"), y.get("100m"), y.get("10m")];
    expect(p1).toBeDefined();
    expect(p01).toBeDefined();
    expect(p001).toBeDefined();
    expect(Math.abs(p01! - p1! - (p001! - p01!))).toBeLessThan(1e-6);
    expect(p01! - p1!).toBeGreaterThan(10);
    // a linear x axis: ticks 5, 10, 15 evenly spaced too, but increasing rightwards
    const x = new Map(tickLabels(svg, "x"));
    expect(x.get("10")! - x.get("5")!).toBeCloseTo(x.get("15")! - x.get("10")!, 6);
  });

  it("bar, scatter and heatmap (cell + raster with a colour legend) render without a browser", () => {
    const bar = renderPlotSvg({ marks: [Plot.barY([3, 1, 2])] });
    expect((bar.match(/<rect /g) ?? []).length).toBeGreaterThanOrEqual(3 + 1);
    const dots = renderPlotSvg({
      marks: [
        Plot.dot(
          [
            { a: 1, b: 2 },
            { a: 2, b: 3 },
          ],
          { x: "a", y: "b" },
        ),
      ],
    });
    expect((dots.match(/<circle /g) ?? []).length).toBe(2);
    const cells = [];
    for (let q = 0; q < 4; q++) for (let k = 0; k <= q; k++) cells.push({ q, k, v: pattern.get(q, k) });
    const heat = renderPlotSvg({
      color: { legend: true, scheme: "blues" },
      marks: [Plot.cell(cells, { x: "k", y: "q", fill: "v" })],
    });
    expect((heat.match(/<rect /g) ?? []).length).toBeGreaterThanOrEqual(10);
    // the continuous legend's ramp is drawn on the built-in canvas and embedded as a PNG
    expect(heat).toMatch(/href="data:image\/png;base64,/);
    const raster = renderPlotSvg({
      marks: [
        Plot.raster({
          width: 4,
          height: 4,
          fill: (x: number, y: number) => x * y,
          x1: 0,
          y1: 0,
          x2: 4,
          y2: 4,
        }),
      ],
    });
    expect(raster).toMatch(/<image [^>]*href="data:image\/png;base64,/);
  });

  it("escapes token text (<|endoftext|>, &) in axes, legends and titles", () => {
    const toks = ["<|endoftext|>", "a&b", "x>y"];
    const svg = renderPlotSvg({
      title: "<&>",
      color: { legend: true },
      marks: [
        Plot.barY(
          toks.map((t, i) => ({ t, v: i + 1 })),
          { x: "t", y: "v", fill: "t" },
        ),
      ],
    });
    expect(svg).toContain(">&lt;&amp;&gt;</text>");
    expect(svg.match(/&lt;\|endoftext\|&gt;/g)?.length).toBeGreaterThanOrEqual(2); // axis + swatch legend
    expect(svg).not.toContain("<|endoftext|>");
    expect(svg).toContain(">a&amp;b</text>");
  });

  it("definePlotFigure renders svg and svgz from the pattern and context", async () => {
    const fn = (p: Pattern, c: FigureContext) => ({
      title: `L${c.layer}H${c.head}`,
      x: { label: "key" },
      y: { type: "log" as const, label: "received" },
      marks: [
        Plot.barY(
          c.tokens.map((t, k) => {
            let s = 0;
            for (let q = 0; q < p.shape[0]!; q++) s += p.get(q, k);
            return { t, s };
          }),
          { x: "t", y: "s" },
        ),
      ],
    });
    const svgFig = definePlotFigure({ name: "received", doc: "attention received", fmt: "svg" }, fn);
    expect([svgFig.kind, svgFig.fmt, svgFig.fileNames]).toEqual(["plot", "svg", ["received.svg"]]);
    const [out] = await svgFig.render(pattern, ctx);
    expect(out!.suffix).toBeUndefined();
    const text = new TextDecoder().decode(out!.bytes);
    expect(text).toContain(">L1H2</text>");
    for (const t of ctx.tokens) expect(text).toContain(`>${t}</text>`);
    // column sums 1.8, 0.95, 0.8, 0.4 on a log axis: label 1 sits above 500m (SVG y grows down)
    const y = new Map(tickLabels(text, "y"));
    expect(y.get("1")).toBeLessThan(y.get("500m")!);
    expect(text).toContain("received");
    const [z] = await definePlotFigure({ name: "received", fmt: "svgz" }, fn).render(pattern, ctx);
    expect(gunzipSync(z!.bytes).toString("utf8")).toBe(text);
  });
});
