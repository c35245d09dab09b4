/**
 * Registers `<pattern-lens-viewer>`, `<pattern-lens-pattern>`, `<pattern-lens-metrics>` and the
 * `<pattern-lens-head-grid>` they use. Safe to import or call more than
 * once (and alongside another copy of the bundle): a tag that is already defined is left alone.
 */
import { PatternLensHeadGrid } from "./head-grid-element.ts";
import { PatternLensMetrics } from "./metrics-element.ts";
import { PatternLensPattern } from "./pattern-element.ts";
import { PatternLensViewer } from "./viewer-element.ts";

/** Defines the custom elements unless they already are; returns nothing. */
export function defineElements(): void {
  if (!customElements.get("pattern-lens-head-grid"))
    customElements.define("pattern-lens-head-grid", PatternLensHeadGrid);
  if (!customElements.get("pattern-lens-pattern"))
    customElements.define("pattern-lens-pattern", PatternLensPattern);
  if (!customElements.get("pattern-lens-metrics"))
    customElements.define("pattern-lens-metrics", PatternLensMetrics);
  if (!customElements.get("pattern-lens-viewer"))
    customElements.define("pattern-lens-viewer", PatternLensViewer);
}

defineElements();
