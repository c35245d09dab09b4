/// <reference lib="dom" />
/** Test helpers: what the pattern view's token panel shows, read from the page. */
import type { Locator } from "playwright-core";

/** Where in a token span's box the pixel is read: its centre, its left edge, or its underline. */
export type TokenSpot = "centre" | "left" | "underline";

/** One token span of the panel: its index, whether it is in the panel's view, and the tint under it. */
export interface TokenTint {
  index: number;
  inView: boolean;
  /** The tint canvas's pixel at the spot, `[r, g, b, a]`; all 0 where nothing is drawn. */
  rgba: [number, number, number, number];
}

/**
 * The tint drawn under token spans `indices` of a `<pattern-lens-pattern>` (the pixel of the
 * panel's shade canvas at each span's centre, as the user sees it behind the text), and which of
 * them are in the panel's scrolled view. A span outside the canvas reads as transparent.
 */
export function tokenTints(
  pattern: Locator,
  indices: readonly number[],
  spot: TokenSpot = "centre",
): Promise<TokenTint[]> {
  return pattern.evaluate(
    (el, [wanted, at]) => {
      const panel = el.shadowRoot!.querySelector(".tokens") as HTMLElement;
      const canvas = panel.querySelector("canvas.shade") as HTMLCanvasElement;
      const c = canvas.getBoundingClientRect();
      const p = panel.getBoundingClientRect();
      const ctx = canvas.getContext("2d")!;
      return wanted.map((index) => {
        const r = panel.querySelector(`.tok[data-index="${index}"]`)!.getBoundingClientRect();
        const px = at === "left" ? r.left + 0.5 : r.left + r.width / 2;
        const py = at === "underline" ? r.bottom - 2 : r.top + r.height / 2;
        const x = Math.floor(((px - c.left) / c.width) * canvas.width);
        const y = Math.floor(((py - c.top) / c.height) * canvas.height);
        const inside = x >= 0 && y >= 0 && x < canvas.width && y < canvas.height;
        const d = inside ? ctx.getImageData(x, y, 1, 1).data : [0, 0, 0, 0];
        return {
          index,
          inView: r.bottom > p.top && r.top < p.bottom,
          rgba: [d[0]!, d[1]!, d[2]!, d[3]!] as [number, number, number, number],
        };
      });
    },
    [indices, spot] as const,
  );
}

/** The indices of the token spans in the panel's scrolled view, first to last. */
export function tokensInView(pattern: Locator): Promise<number[]> {
  return pattern.evaluate((el) => {
    const panel = el.shadowRoot!.querySelector(".tokens") as HTMLElement;
    const p = panel.getBoundingClientRect();
    return [...panel.querySelectorAll<HTMLElement>(".tok")]
      .filter((t) => {
        const r = t.getBoundingClientRect();
        return r.bottom > p.top && r.top < p.bottom;
      })
      .map((t) => Number(t.dataset.index));
  });
}

/** The largest difference between the first three channels of `rgba` and `rgb`. */
export function colourOff(rgba: readonly number[], rgb: readonly [number, number, number]): number {
  return Math.max(...rgb.map((v, i) => Math.abs(rgba[i]! - v)));
}
