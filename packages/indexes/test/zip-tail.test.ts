import { describe, expect, it } from "vitest";
import { decodeNpzMember, encodeNpz, IndexesError, readZipTail, ZipTailShortError } from "../src/index.ts";
import type { NpyArray } from "../src/npy-dtype.ts";

function arrays(): Record<string, NpyArray> {
  const out: Record<string, NpyArray> = {};
  for (let l = 0; l < 3; l++) {
    const data = new Float32Array(2 * 5 * 5).map((_, i) => Math.fround(Math.sin(i + l)));
    out[`blocks.${l}.attn.hook_pattern`] = { dtype: "<f4", shape: [1, 2, 5, 5], data };
  }
  return out;
}

describe("readZipTail + decodeNpzMember (one member of an npz, from its bytes alone)", () => {
  for (const level of [0, 6] as const) {
    it(`reads the directory from the last bytes and decodes each member from its own range (level ${level})`, () => {
      const src = arrays();
      const file = encodeNpz(src, { compressLevel: level });
      for (const tailLen of [file.length, 400]) {
        const entries = readZipTail(file.subarray(file.length - tailLen), file.length);
        expect(entries.map((e) => e.name)).toEqual(Object.keys(src).map((k) => `${k}.npy`));
        for (const e of entries) {
          // what a Range request from the local header to past the data returns (extra bytes are fine)
          const start = e.localHeaderOffset;
          const part = file.slice(
            start,
            Math.min(file.length, start + 30 + e.name.length + 64 + e.compressedSize),
          );
          const arr = decodeNpzMember(part, e);
          expect(arr.shape).toEqual([1, 2, 5, 5]);
          expect(arr.data).toEqual(src[e.name.slice(0, -4)]!.data);
        }
      }
    });
  }

  it("says how many bytes from the end the directory needs when the tail is too short", () => {
    const file = encodeNpz(arrays(), { compressLevel: 0 });
    let err: unknown;
    try {
      readZipTail(file.subarray(file.length - 60), file.length);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ZipTailShortError);
    const needed = (err as ZipTailShortError).needed;
    expect(readZipTail(file.subarray(file.length - needed), file.length)).toHaveLength(3);
  });

  it("refuses a member whose data is damaged (CRC)", () => {
    const file = encodeNpz(arrays(), { compressLevel: 0 });
    const e = readZipTail(file, file.length)[1]!;
    const part = file.slice(e.localHeaderOffset, e.localHeaderOffset + 200 + e.compressedSize);
    part[part.length - 300]! ^= 1;
    expect(() => decodeNpzMember(part, e)).toThrow(IndexesError);
  });
});
