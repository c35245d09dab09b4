import { readFileSync } from "node:fs";

/**
 * A file's bytes as a plain `Uint8Array` view of the Buffer `readFileSync` returns: no copy.
 * (`new Uint8Array(buffer)` copies element by element, which doubled the peak memory of decoding
 * a large model.)
 */
export function readBytes(path: string): Uint8Array {
  const b = readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
