import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ZipTailShortError } from "../src/_zip.ts";
import type { NpyArray } from "../src/npy-dtype.ts";
import { decodeNpz, decodeNpzMember, encodeNpz, readZipTail } from "../src/npz.ts";
import { demoPromptDirs, readBytes, sameArray } from "./support/reference.ts";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** What a browser does: fetch a tail, then each member's [localHeaderOffset, spanEnd) range. */
function readByRanges(file: Uint8Array, tailLength: number): Map<string, NpyArray> {
  let tail = file.subarray(Math.max(0, file.length - tailLength));
  let entries: ReturnType<typeof readZipTail>;
  try {
    entries = readZipTail(tail, file.length);
  } catch (e) {
    expect(e).toBeInstanceOf(ZipTailShortError);
    const need = (e as ZipTailShortError).needed;
    expect(need).toBeGreaterThan(tail.length);
    tail = file.subarray(file.length - need);
    entries = readZipTail(tail, file.length);
  }
  const out = new Map<string, NpyArray>();
  for (const e of entries) {
    const range = file.slice(e.localHeaderOffset, e.spanEnd); // a copy, as a fetch gives
    out.set(e.name.slice(0, -4), decodeNpzMember(range, e));
  }
  return out;
}

function expectSame(a: Map<string, NpyArray>, b: Map<string, NpyArray>): void {
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [k, v] of a) expect(sameArray(v, b.get(k))).toBe(true);
}

describe("readZipTail / decodeNpzMember (browser-safe, Range-request style)", () => {
  it("decode numpy's fixtures and the Python demo's files from a tail and member ranges", () => {
    const files = [fixture("savez-stored.npz"), fixture("savez-deflated.npz")];
    for (const [, dir] of demoPromptDirs().slice(0, 8)) files.push(join(dir, "activations.npz"));
    for (const f of files) {
      const bytes = readBytes(f);
      for (const tailLength of [bytes.length, 65536, 200, 60])
        expectSame(readByRanges(bytes, tailLength), decodeNpz(bytes));
    }
  });

  it("gives each entry's sizes, offsets, CRC and span (numpy layout: spans are exact)", () => {
    const bytes = readBytes(fixture("savez-deflated.npz"));
    const entries = readZipTail(bytes, bytes.length);
    expect(entries.map((e) => [e.name, e.method])).toEqual([
      ["a.npy", 8],
      ["b.npy", 8],
    ]);
    expect(entries[0]!.localHeaderOffset).toBe(0);
    expect(entries[0]!.spanEnd).toBe(entries[1]!.localHeaderOffset);
    for (const e of entries)
      expect(e.spanEnd - e.localHeaderOffset).toBe(30 + e.name.length + 20 + e.compressedSize);
  });

  it("zip64 end records: a directory of 65,540 members read from a short tail", () => {
    const entries = new Map<string, NpyArray>();
    for (let i = 0; i < 65540; i++)
      entries.set(`a${i}`, { dtype: "|u1", shape: [1], data: new Uint8Array([i & 0xff]) });
    const bytes = encodeNpz(entries, { compressLevel: 0 });
    const tail = bytes.subarray(bytes.length - 1000);
    let need = 0;
    try {
      readZipTail(tail, bytes.length);
    } catch (e) {
      need = (e as ZipTailShortError).needed;
    }
    const all = readZipTail(bytes.subarray(bytes.length - need), bytes.length);
    expect(all.length).toBe(65540);
    const last = all[65539]!;
    expect(decodeNpzMember(bytes.slice(last.localHeaderOffset, last.spanEnd), last).data[0]).toBe(
      65539 & 0xff,
    );
  });

  it("checks the member: CRC, size bound, wrong bytes", () => {
    const arr: NpyArray = { dtype: "<f4", shape: [64], data: new Float32Array(64).fill(0.5) };
    const bytes = encodeNpz({ x: arr }, { compressLevel: 6 });
    const [e] = readZipTail(bytes, bytes.length);
    const member = bytes.slice(0, e!.spanEnd);
    expect(sameArray(decodeNpzMember(member, e!), arr)).toBe(true);
    expect(() => decodeNpzMember(member, e!, { maxMemberBytes: 100 })).toThrow(
      expect.objectContaining({ code: "PL_INDEXES_NPZ_TOO_LARGE" }),
    );
    expect(() => decodeNpzMember(member, { ...e!, crc: e!.crc ^ 1 })).toThrow(/CRC/);
    expect(() => decodeNpzMember(member.subarray(1), e!)).toThrow(
      expect.objectContaining({ code: "PL_INDEXES_NPZ_CORRUPT" }),
    );
    expect(() => readZipTail(new Uint8Array(30), 30)).toThrow(
      expect.objectContaining({ code: "PL_INDEXES_NPZ_CORRUPT" }),
    );
  });
});
