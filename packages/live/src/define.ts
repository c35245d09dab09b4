/**
 * Registers `<pattern-lens-live>` (and the viewer's elements it shows). Safe to import or call more
 * than once: a tag that is already defined is left alone.
 */
import { defineElements as defineViewerElements } from "@pattern-lens/viewer/define";
import { PatternLensLive } from "./live-element.ts";

/** Defines `<pattern-lens-live>` and the viewer's elements unless they already are. */
export function defineElements(): void {
  defineViewerElements();
  if (!customElements.get("pattern-lens-live")) customElements.define("pattern-lens-live", PatternLensLive);
}

defineElements();
