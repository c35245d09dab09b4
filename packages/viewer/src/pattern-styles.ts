import { css } from "lit";

/** The shadow-DOM styles of `<pattern-lens-pattern>`. */
export const patternStyles = css`
  :host {
    display: block;
    color: var(--pl-fg, #1b1f24);
    background: var(--pl-bg, transparent);
    font: 13px/1.4 system-ui, sans-serif;
    --pl-accent: #e8590c;
    --pl-axis: 96px;
  }
  .toolbar {
    display: flex;
    flex-wrap: wrap;
    gap: 0.4rem 1rem;
    align-items: center;
    margin-bottom: 0.5rem;
  }
  select,
  button {
    font: inherit;
    color: inherit;
    background: var(--pl-bg, transparent);
    border: 1px solid #8888;
    border-radius: 4px;
  }
  .maps {
    display: flex;
    flex-wrap: wrap;
    gap: 1rem;
  }
  figure {
    margin: 0;
  }
  figcaption {
    text-align: center;
    font-weight: 600;
    padding-left: var(--pl-axis);
  }
  .plot {
    display: grid;
    grid-template-columns: var(--pl-axis) var(--pl-heatmap-size, min(640px, 70vh));
    grid-template-rows: var(--pl-axis) var(--pl-heatmap-size, min(640px, 70vh));
  }
  .maps.two .plot {
    grid-template-columns: var(--pl-axis) var(--pl-heatmap-size, min(560px, 70vh, calc(50vw - 10rem)));
    grid-template-rows: var(--pl-axis) var(--pl-heatmap-size, min(560px, 70vh, calc(50vw - 10rem)));
  }
  .corner {
    position: relative;
    display: flex;
    align-items: flex-start;
    justify-content: flex-start;
  }
  canvas.minimap {
    width: calc(var(--pl-axis) - 8px);
    height: calc(var(--pl-axis) - 8px);
    outline: 1px solid #8886;
    cursor: move;
    image-rendering: pixelated;
  }
  canvas.axis-left,
  canvas.axis-top {
    width: 100%;
    height: 100%;
  }
  .stack {
    position: relative;
    outline: 1px solid #8884;
    cursor: crosshair;
    touch-action: none;
    overflow: hidden;
  }
  .stack.panning {
    cursor: grabbing;
  }
  .stack:focus-visible {
    outline: 2px solid var(--pl-accent);
  }
  .stack canvas {
    position: absolute;
    inset: 0;
    width: 100%;
    height: 100%;
  }
  canvas.img {
    image-rendering: pixelated;
  }
  .readout {
    min-height: 1.4em;
    margin: 0.5rem 0;
    font-variant-numeric: tabular-nums;
  }
  .readout .tok,
  .tokens .tok {
    font-family: ui-monospace, monospace;
    white-space: pre;
  }
  .readout .tok {
    padding: 0 0.2em;
    border: 1px solid #8886;
    border-radius: 3px;
  }
  .tokens {
    /* the tokens' boxes are measured from here; the tint canvas sits behind their text */
    position: relative;
    isolation: isolate;
    display: flex;
    flex-wrap: wrap;
    gap: 2px;
    max-height: 16rem;
    overflow: auto;
    padding: 2px;
  }
  .tokens .tok {
    cursor: pointer;
    padding: 0 2px;
    border-radius: 2px;
    border: 1px solid transparent;
  }
  canvas.shade {
    position: absolute;
    left: 0;
    top: 0;
    z-index: -1;
    pointer-events: none;
  }
  .bos {
    font-style: italic;
    opacity: 0.8;
  }
  .error {
    color: #c92a2a;
  }
  .hint {
    opacity: 0.7;
  }
`;
