import { describe, expect, it } from "vitest";
import type { NpyArray } from "../src/npy-dtype.ts";
import { decodeNpz, encodeNpz } from "../src/npz.ts";

describe("zip64 end of central directory", () => {
  it("writes and reads an npz with more than 65535 members (zip64 end record + locator)", () => {
    const entries = new Map<string, NpyArray>();
    for (let i = 0; i < 65540; i++)
      entries.set(`a${i}`, { dtype: "|u1", shape: [1], data: new Uint8Array([i & 0xff]) });
    const bytes = encodeNpz(entries, { compressLevel: 0 });
    const v = new DataView(bytes.buffer);
    const eocd = bytes.length - 22;
    expect(v.getUint32(eocd, true)).toBe(0x06054b50);
    expect(v.getUint16(eocd + 10, true)).toBe(0xffff);
    expect(v.getUint32(eocd - 20, true)).toBe(0x07064b50);
    const back = decodeNpz(bytes, { verifyCrc: false });
    expect(back.size).toBe(65540);
    expect(back.get("a65539")!.data[0]).toBe(65539 & 0xff);
  });
});
