import { IndexesError } from "./errors.ts";

const fatal = new TextDecoder("utf-8", { fatal: true });

/**
 * Decode UTF-8 strictly (a leading BOM is dropped).
 *
 * @param source - the file or URL, named in the error message
 * @throws {@link IndexesError} `PL_INDEXES_NOT_UTF8` naming `source` and the 1-based line of the first bad byte.
 */
export function decodeUtf8(bytes: Uint8Array, source = "<bytes>"): string {
  try {
    return fatal.decode(bytes);
  } catch (cause) {
    let line = 1;
    let start = 0;
    for (let i = 0; i <= bytes.length; i++) {
      if (i === bytes.length || bytes[i] === 0x0a) {
        try {
          fatal.decode(bytes.subarray(start, i));
        } catch {
          break;
        }
        line++;
        start = i + 1;
      }
    }
    throw new IndexesError(
      "PL_INDEXES_NOT_UTF8",
      `${source}:${line}: not valid UTF-8 text. Re-save the file as UTF-8 (pattern-lens files are UTF-8 JSON).`,
      { cause },
    );
  }
}
