import { describe, expect, it } from "vitest";
import { IndexesError } from "../src/errors.ts";
import { decodeUtf8 } from "../src/utf8.ts";

describe("decodeUtf8", () => {
  it("decodes UTF-8 and drops a BOM", () => {
    expect(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0xc3, 0xa9]))).toBe("hé");
  });

  it("rejects invalid bytes with PL_INDEXES_NOT_UTF8 naming source and line", () => {
    const bytes = new TextEncoder().encode("ok\nok\nbad: X\n");
    bytes[bytes.length - 2] = 0xc3; // a lead byte followed by "\n"
    let err: unknown;
    try {
      decodeUtf8(bytes, "f.jsonl");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(IndexesError);
    expect((err as IndexesError).code).toBe("PL_INDEXES_NOT_UTF8");
    expect((err as IndexesError).message).toMatch(/^f\.jsonl:3: not valid UTF-8/);
  });
});
