// CORS for a data folder served to a viewer on another origin (the headers a bucket or CDN needs
// too: see docs/cluster.md).

/** Request headers the viewer sends: `Range` for parts of large archives, and the cache validators. */
const ALLOWED_HEADERS = "Range, If-Range, If-None-Match";
/** Response headers the viewer reads besides the safelisted ones. */
const EXPOSED_HEADERS = "Content-Range, Content-Length, Accept-Ranges, ETag";

/** The CORS headers of every response for `origin` (`*` or one origin). */
export function corsHeaders(origin: string): Record<string, string> {
  const h: Record<string, string> = {
    "Access-Control-Allow-Origin": origin,
    "Access-Control-Expose-Headers": EXPOSED_HEADERS,
  };
  if (origin !== "*") h.Vary = "Origin";
  return h;
}

/** The answer to a preflight `OPTIONS` request (a Range GET from another origin sends one). */
export function preflightHeaders(origin: string): Record<string, string> {
  return {
    ...corsHeaders(origin),
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": ALLOWED_HEADERS,
    "Access-Control-Max-Age": "86400",
    "Content-Length": "0",
  };
}
