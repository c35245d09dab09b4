/** Content types by lower-case file extension (without the dot). */
const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  htm: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  json: "application/json; charset=utf-8",
  jsonl: "application/jsonl; charset=utf-8",
  map: "application/json; charset=utf-8",
  txt: "text/plain; charset=utf-8",
  md: "text/markdown; charset=utf-8",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  svg: "image/svg+xml",
  svgz: "image/svg+xml",
  ico: "image/x-icon",
  npz: "application/octet-stream",
  npy: "application/octet-stream",
  onnx: "application/octet-stream",
  wasm: "application/wasm",
  woff2: "font/woff2",
};

/** What a served file is: its content type and, for `.svgz`, the gzip content encoding. */
export interface ContentInfo {
  /** The `Content-Type` header. */
  type: string;
  /** The `Content-Encoding` header, if any: `.svgz` files are gzip-compressed SVG. */
  encoding?: "gzip";
}

/**
 * The content type of a file name. `.svgz` is served as `image/svg+xml` with `Content-Encoding: gzip`
 * so that browsers decompress and show it; unknown extensions are `application/octet-stream`.
 */
export function contentInfo(fileName: string): ContentInfo {
  const dot = fileName.lastIndexOf(".");
  const ext = dot < 0 ? "" : fileName.slice(dot + 1).toLowerCase();
  const type = TYPES[ext] ?? "application/octet-stream";
  return ext === "svgz" ? { type, encoding: "gzip" } : { type };
}
