import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readBytes } from "../src/_read-bytes.ts";
import { tempDir } from "./_helpers.ts";

describe("readBytes", () => {
  it("returns the file's bytes as a plain Uint8Array, not a Buffer (decodeModel hands out views of it)", () => {
    const path = join(tempDir(), "f.bin");
    const data = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 251);
    writeFileSync(path, data);
    const got = readBytes(path);
    expect(got.constructor).toBe(Uint8Array);
    expect(Buffer.isBuffer(got)).toBe(false);
    expect(got.byteLength).toBe(data.byteLength);
    expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(data))).toBe(true);
  });
});
