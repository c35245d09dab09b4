/** The `index.html` written into a data folder: loads the bundle beside it and browses the folder. */

/** Options of {@link viewerIndexHtml}. */
export interface IndexHtmlOptions {
  /** Page title (escaped). Default `pattern-lens`. */
  title?: string;
  /** Bundle file name relative to the page. Default `pattern-lens-viewer.js`. */
  bundle?: string;
  /** Data folder relative to the page. Default `./`. */
  src?: string;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/**
 * The viewer page for a data folder: no CDN, no build step, the selection kept in the URL.
 *
 * @example
 * await writeFile("attn_data/index.html", viewerIndexHtml({ title: "my run" }));
 */
export function viewerIndexHtml(options: IndexHtmlOptions = {}): string {
  const title = escapeHtml(options.title ?? "pattern-lens");
  const bundle = escapeHtml(options.bundle ?? "pattern-lens-viewer.js");
  const src = escapeHtml(options.src ?? "./");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${title}</title>
<style>
html, body { margin: 0; background: #fff; }
@media (prefers-color-scheme: dark) { html, body { background: #0d1117; } }
/* the viewer's own dark switch wins over the system's, for the whole page */
html:has(pattern-lens-viewer[dark]), html:has(pattern-lens-viewer[dark]) body { background: #0d1117; color-scheme: dark; }
html:has(pattern-lens-viewer:not([dark])), html:has(pattern-lens-viewer:not([dark])) body { background: #fff; color-scheme: light; }
</style>
<script type="module" src="./${bundle}"></script>
</head>
<body>
<pattern-lens-viewer src="${src}" url-state></pattern-lens-viewer>
<noscript>The pattern-lens viewer needs JavaScript.</noscript>
</body>
</html>
`;
}
