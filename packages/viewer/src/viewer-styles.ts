import { css } from "lit";

/** The shadow-DOM styles of `<pattern-lens-viewer>`. */
export const viewerStyles = css`
  :host {
    --pl-bg: #ffffff;
    --pl-fg: #1b1f24;
    --pl-panel: #f6f8fa;
    --pl-border: #d0d7de;
    --pl-accent: #1f6feb;
    display: block;
    background: var(--pl-bg);
    color: var(--pl-fg);
    font: 14px/1.4 system-ui, sans-serif;
    color-scheme: light;
  }
  :host([dark]) {
    --pl-bg: #0d1117;
    --pl-fg: #e6edf3;
    --pl-panel: #161b22;
    --pl-border: #30363d;
    --pl-accent: #4493f8;
    color-scheme: dark;
  }
  header {
    display: flex;
    gap: 1rem;
    align-items: baseline;
    padding: 0.5rem 1rem;
    border-bottom: 1px solid var(--pl-border);
  }
  header h1 {
    font-size: 1.2rem;
    margin: 0;
  }
  header .spacer {
    flex: 1;
  }
  .panels {
    display: grid;
    grid-template-columns: minmax(14rem, 1fr) minmax(24rem, 3fr);
    gap: 0.75rem;
    padding: 0.75rem 1rem;
  }
  details {
    background: var(--pl-panel);
    border: 1px solid var(--pl-border);
    border-radius: 6px;
    padding: 0.4rem 0.6rem;
    min-width: 0;
  }
  summary {
    font-weight: 600;
    cursor: pointer;
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 0.4rem 0.8rem;
    align-items: center;
    margin: 0.35rem 0;
  }
  input,
  select,
  button {
    font: inherit;
    color: inherit;
    background: var(--pl-bg);
    border: 1px solid var(--pl-border);
    border-radius: 4px;
    padding: 1px 4px;
  }
  input[type="number"] {
    width: 5em;
  }
  input[type="checkbox"] {
    accent-color: var(--pl-accent);
  }
  .scroll {
    max-height: 18rem;
    overflow: auto;
  }
  table {
    border-collapse: collapse;
    width: 100%;
  }
  th,
  td {
    text-align: left;
    padding: 1px 6px;
    border-bottom: 1px solid var(--pl-border);
    white-space: nowrap;
  }
  th[data-sort] {
    cursor: pointer;
    user-select: none;
  }
  /* a long model name wraps instead of pushing the prompts column out of the panel */
  .models td.name {
    white-space: normal;
    overflow-wrap: anywhere;
    min-width: 5rem;
  }
  .models th,
  .models td {
    padding: 1px 3px;
  }
  td.text {
    white-space: normal;
    max-width: 40rem;
    overflow: hidden;
    text-overflow: ellipsis;
    display: -webkit-box;
    -webkit-line-clamp: 2;
    -webkit-box-orient: vertical;
  }
  tr.selected {
    background: color-mix(in srgb, var(--pl-accent) 15%, transparent);
  }
  tbody tr {
    cursor: pointer;
  }
  .mono {
    font-family: ui-monospace, monospace;
    font-size: 0.9em;
  }
  .heads {
    margin: 0.4rem 0;
  }
  .headgrid .vgrid-label {
    font-size: 0.8em;
  }
  .headgrid button {
    width: 100%;
    height: 100%;
    padding: 0;
    font-size: 0.75em;
    cursor: pointer;
  }
  .headgrid button[aria-pressed="true"] {
    background: var(--pl-accent);
    color: #fff;
    border-color: var(--pl-accent);
  }
  .error {
    color: #cf222e;
  }
  :host([dark]) .error {
    color: #ff7b72;
  }
  .gridopts {
    padding: 0 1rem;
  }
  .legend span {
    display: inline-flex;
    align-items: center;
    gap: 0.25rem;
    margin-right: 0.6rem;
  }
  .legend i {
    width: 0.8rem;
    height: 0.8rem;
    border-radius: 2px;
    display: inline-block;
  }
  .grid {
    display: grid;
    gap: 6px;
    padding: 0.5rem 1rem 1rem;
  }
  .card {
    margin: 0;
    border: 3px solid var(--pl-border);
    border-radius: 4px;
    background: var(--pl-panel);
    min-width: 0;
    content-visibility: auto;
    contain-intrinsic-size: auto 200px;
  }
  .card img {
    display: block;
    width: 100%;
    aspect-ratio: 1;
    object-fit: contain;
    cursor: zoom-in;
    image-rendering: pixelated;
    background: #fff;
  }
  .card.missing img {
    visibility: hidden;
  }
  .card figcaption {
    font-size: 0.75em;
    padding: 1px 4px;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .sentinel {
    height: 1px;
  }
  .status {
    opacity: 0.75;
  }
  .tabs button[aria-selected="true"] {
    background: var(--pl-accent);
    color: #fff;
    border-color: var(--pl-accent);
  }
  .overlay {
    position: fixed;
    inset: 0;
    background: #0008;
    display: flex;
    align-items: flex-start;
    justify-content: center;
    overflow: auto;
    z-index: 10;
  }
  .overlay .dialog {
    background: var(--pl-bg);
    color: var(--pl-fg);
    margin: 2rem;
    padding: 0.75rem 1rem;
    border-radius: 8px;
    border: 1px solid var(--pl-border);
    max-width: calc(100vw - 4rem);
  }
  .overlay .dialog header {
    padding: 0 0 0.5rem;
  }
  `;
