import { md5 } from "./_md5.ts";

const URL_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** URL-safe base64 without padding. */
function base64UrlNoPad(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i]!;
    const b1 = bytes[i + 1];
    const b2 = bytes[i + 2];
    out += URL_SAFE[b0 >> 2]!;
    out += URL_SAFE[((b0 & 3) << 4) | ((b1 ?? 0) >> 4)]!;
    if (b1 !== undefined) out += URL_SAFE[((b1 & 15) << 2) | ((b2 ?? 0) >> 6)]!;
    if (b2 !== undefined) out += URL_SAFE[b2 & 63]!;
  }
  return out;
}

/**
 * The folder name of a prompt: MD5 of the UTF-8 text, URL-safe base64, padding removed.
 * Always 22 characters from `[A-Za-z0-9_-]`; identical to the Python pattern-lens hash.
 * Works in the browser (no `node:crypto`).
 *
 * @example
 * ```ts
 * promptHash("hello"); // "XUFAKrxLKna5cZ2REBfFkg"
 * ```
 */
export function promptHash(text: string): string {
  return base64UrlNoPad(md5(new TextEncoder().encode(text)));
}
