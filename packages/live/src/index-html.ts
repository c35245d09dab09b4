/** The page `pattern-lens live` serves: the bundle beside it, the element pointed at `./model/`. */

/** Options of {@link liveIndexHtml}. */
export interface LiveIndexHtmlOptions {
  /** Page title (escaped). Default `pattern-lens live`. */
  title?: string;
  /** Model folder relative to the page. Default `./model/`. */
  model?: string;
  /** The text shown first. */
  text?: string;
  /** WebAssembly threads (the element's `threads`; default: 2 when cross-origin isolated). */
  threads?: number;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/**
 * The live page: no CDN, no build step.
 * @example
 * await writeFile("site/index.html", liveIndexHtml({ model: "./gpt2/" }));
 */
export function liveIndexHtml(options: LiveIndexHtmlOptions = {}): string {
  const title = escapeHtml(options.title ?? "pattern-lens live");
  const model = escapeHtml(options.model ?? "./model/");
  const text = options.text !== undefined ? ` text="${escapeHtml(options.text)}"` : "";
  const threads = options.threads !== undefined ? ` threads="${Math.floor(options.threads)}"` : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${title}</title>
<style>body { margin: 1rem auto; max-width: 72rem; padding: 0 1rem; font: 14px/1.4 system-ui, sans-serif; }</style>
<script type="module" src="./pattern-lens-live.js"></script>
</head>
<body>
<h1 style="font-size: 1.2rem">${title}</h1>
<pattern-lens-live model="${model}"${text}${threads}></pattern-lens-live>
<noscript>pattern-lens live needs JavaScript.</noscript>
</body>
</html>
`;
}
