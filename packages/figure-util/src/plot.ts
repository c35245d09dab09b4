import { createRequire } from "node:module";
import type * as PlotNamespace from "@observablehq/plot";
import { ServerCanvas } from "./_canvas.ts";
import { FigureError } from "./errors.ts";

/** The type of the Observable Plot module (`import * as Plot from "@observablehq/plot"`). */
export type PlotModule = typeof PlotNamespace;

/**
 * Options for {@link renderPlotSvg}: Observable Plot's `Plot.plot` options (marks, scales, axes,
 * `title`, `subtitle`, `caption`, `width`, `height`, ...), without `document`, which the renderer
 * supplies.
 */
export type PlotOptions = Omit<PlotNamespace.PlotOptions, "document">;

// The slice of the DOM this module reads; linkedom provides it (the package builds without the DOM lib).
interface Node0 {
  tagName: string;
  outerHTML: string;
  textContent: string | null;
  children: ArrayLike<Node0>;
  className?: string;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
  querySelector(sel: string): Node0 | null;
}

// Observable Plot and linkedom cost about half a second of CPU to load, so they are loaded on
// first use (synchronously, through require of the ESM/CJS packages, Node >= 20.19), not when
// this package is imported: processes that only write matrix figures never pay for them.
const load = createRequire(import.meta.url);
let plotModule: PlotModule | undefined;
let serverDocument: unknown;

function getPlot(): PlotModule {
  plotModule ??= load("@observablehq/plot") as PlotModule;
  return plotModule;
}

/**
 * Observable Plot (`@observablehq/plot`), re-exported so figure modules need no second dependency:
 * `Plot.lineY`, `Plot.barY`, `Plot.dot`, `Plot.cell`, `Plot.raster`, ... for {@link definePlotFigure}.
 * The module itself is loaded on the first property access.
 */
export const Plot: PlotModule = new Proxy({} as PlotModule, {
  get: (_target, key) => Reflect.get(getPlot(), key),
  has: (_target, key) => Reflect.has(getPlot(), key),
  ownKeys: () => Reflect.ownKeys(getPlot()),
  getOwnPropertyDescriptor: (_target, key) => {
    const d = Reflect.getOwnPropertyDescriptor(getPlot(), key);
    return d ? { ...d, configurable: true } : undefined;
  },
});

/** One linkedom document for all renders; `createElement("canvas")` gives a small PNG canvas. */
function getDocument(): unknown {
  if (serverDocument === undefined) {
    const { parseHTML } = load("linkedom") as typeof import("linkedom");
    const { document } = parseHTML("<!doctype html><html><head></head><body></body></html>");
    const createElement = document.createElement.bind(document);
    (document as { createElement: unknown }).createElement = (tag: string, opts?: unknown) =>
      tag.toLowerCase() === "canvas" ? new ServerCanvas() : createElement(tag, opts as never);
    serverDocument = document;
  }
  return serverDocument;
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const num = (v: string | null, fallback: number): number => {
  const x = Number(v);
  return Number.isFinite(x) && x > 0 ? x : fallback;
};

/** Lays a swatches legend (HTML in Plot) out as one SVG row of swatch + label pairs. */
function swatchesToSvg(div: Node0, y: number): { svg: string; height: number; width: number } {
  const parts: string[] = [];
  let x = 8;
  let height = 0;
  for (const item of Array.from(div.children)) {
    const sw = item.querySelector("svg");
    if (!sw) continue;
    const w = num(sw.getAttribute("width"), 15);
    const h = num(sw.getAttribute("height"), 15);
    sw.setAttribute("x", String(x));
    sw.setAttribute("y", String(y));
    parts.push(sw.outerHTML);
    const label = (item.textContent ?? "").trim();
    parts.push(
      `<text x="${x + w + 4}" y="${y + h / 2}" dominant-baseline="central" font-size="10">${esc(label)}</text>`,
    );
    x += w + 4 + label.length * 6 + 12; // labels are laid out with an average glyph width
    height = Math.max(height, h);
  }
  return { svg: parts.join(""), height: height + 6, width: x };
}

/**
 * Renders an Observable Plot chart in Node (server-side DOM: linkedom) to one standalone SVG
 * document. Titles, subtitles, captions and legends, which Plot puts in an HTML `<figure>`, are
 * laid out inside the SVG; the chart gets a white background. Continuous colour legends and the
 * raster mark work through a small built-in canvas.
 *
 * @example
 * ```ts
 * const svg = renderPlotSvg({
 *   title: "Singular values",
 *   y: { type: "log", label: "σ" },
 *   marks: [Plot.lineY(values)],
 * });
 * ```
 * @throws {FigureError} `PL_FIGURE_RESULT` when Plot rejects the options (the message has Plot's).
 */
export function renderPlotSvg(options: PlotOptions): string {
  let root: Node0;
  try {
    root = getPlot().plot({
      ...options,
      document: getDocument(),
    } as PlotNamespace.PlotOptions) as unknown as Node0;
  } catch (cause) {
    throw new FigureError(
      "PL_FIGURE_RESULT",
      `Observable Plot could not draw the figure: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  const parts: string[] = [];
  let y = 0;
  let width = 0;
  const items = root.tagName.toLowerCase() === "svg" ? [root] : Array.from(root.children);
  for (const el of items) {
    const tag = el.tagName.toLowerCase();
    const text = esc((el.textContent ?? "").trim());
    if (tag === "h2") {
      parts.push(`<text x="8" y="${y + 20}" font-size="16" font-weight="bold">${text}</text>`);
      y += 28;
    } else if (tag === "h3") {
      parts.push(`<text x="8" y="${y + 15}" font-size="12" fill="#555">${text}</text>`);
      y += 20;
    } else if (tag === "figcaption") {
      parts.push(`<text x="8" y="${y + 14}" font-size="11" fill="#555">${text}</text>`);
      y += 20;
    } else if (tag === "svg") {
      const w = num(el.getAttribute("width"), 640);
      const h = num(el.getAttribute("height"), 400);
      // legends sit a little right of the edge, as in Plot's HTML figure
      el.setAttribute("x", (el.getAttribute("class") ?? "").endsWith("-ramp") ? "8" : "0");
      el.setAttribute("y", String(y));
      el.removeAttribute("xmlns");
      parts.push(el.outerHTML);
      y += h;
      width = Math.max(width, w);
    } else if (tag === "div" && (el.className ?? "").includes("swatches")) {
      const sw = swatchesToSvg(el, y + 4);
      parts.push(sw.svg);
      y += sw.height + 4;
      width = Math.max(width, sw.width);
    }
  }
  if (width === 0) width = 640;
  const height = Math.ceil(y);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ` +
    `width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="system-ui, sans-serif" fill="black">` +
    `<rect width="100%" height="100%" fill="white"/>${parts.join("")}</svg>\n`
  );
}
