/**
 * Registers `<pattern-lens-viewer>` and `<pattern-lens-pattern>`. Safe to import or call more than
 * once (and alongside another copy of the bundle): a tag that is already defined is left alone.
 */
import { PatternLensMetrics } from "./metrics-element.ts";
import { PatternLensPattern } from "./pattern-element.ts";
import { PatternLensViewer } from "./viewer-element.ts";

/** Defines both custom elements unless they already are; returns nothing. */
export function defineElements(): void {
  if (!customElements.get("pattern-lens-pattern"))
    customElements.define("pattern-lens-pattern", PatternLensPattern);
  if (!customElements.get("pattern-lens-metrics"))
    customElements.define("pattern-lens-metrics", PatternLensMetrics);
  if (!customElements.get("pattern-lens-viewer"))
    customElements.define("pattern-lens-viewer", PatternLensViewer);
}

defineElements();
