import { closeSync, openSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { centralEntry, endOfCentralDirectory, localHeader, METHOD_STORED } from "../src/_zip.ts";
import { crc32 } from "../src/crc32.ts";
import { patternKey } from "../src/layout.ts";
import { encodeNpy } from "../src/npy.ts";
import type { NpyArray } from "../src/npy-dtype.ts";
import { encodeNpz } from "../src/npz.ts";
import { readNpzFile, writeNpzFile } from "../src/npz-file.ts";
import { openNpzReader, openNpzReaderSync } from "../src/npz-reader.ts";
import { sampleArrays } from "./support/arrays.ts";
import { demoPromptDirs, readBytes, sameArray } from "./support/reference.ts";
import { rejectsWith, useTempDir } from "./support/temp.ts";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** Every member through both reader kinds equals what readNpzFile gives. */
async function expectSameAsWhole(path: string): Promise<number> {
  const whole = await readNpzFile(path);
  const r = await openNpzReader(path);
  const s = openNpzReaderSync(path);
  try {
    expect(r.names).toEqual([...whole.keys()]);
    expect(s.names).toEqual([...whole.keys()]);
    for (const [k, v] of whole) {
      expect(r.has(k)).toBe(true);
      expect(sameArray(await r.read(k), v)).toBe(true);
      expect(sameArray(s.readSync(k), v)).toBe(true);
      expect(sameArray(r.readSync(k), v)).toBe(true);
      expect(sameArray(await s.read(k), v)).toBe(true);
    }
    expect(r.has("nope")).toBe(false);
    expect(r.sizeOf("nope")).toBeUndefined();
    for (const [k, v] of whole) expect(r.sizeOf(k)).toBeGreaterThanOrEqual(v.data.byteLength + 64);
  } finally {
    await r.close();
    s.close();
  }
  return whole.size;
}

describe("openNpzReader / openNpzReaderSync", () => {
  const temp = useTempDir();

  it("read numpy's np.savez and np.savez_compressed fixtures member by member", async () => {
    expect(await expectSameAsWhole(fixture("savez-stored.npz"))).toBe(2);
    expect(await expectSameAsWhole(fixture("savez-deflated.npz"))).toBe(2);
    const r = openNpzReaderSync(fixture("savez-deflated.npz"));
    expect(Array.from(r.readSync("b").data as Int16Array)).toEqual([-2, -1, 0, 1]);
    r.close();
  });

  it("read every activations.npz of the Python reference demo as readNpzFile does", async () => {
    const dirs = demoPromptDirs();
    expect(dirs.length).toBe(32);
    for (const [, dir] of dirs) expect(await expectSameAsWhole(join(dir, "activations.npz"))).toBe(6);
  });

  for (const [level, strategy] of [
    [0, "default"],
    [6, "default"],
    [1, "rle"],
  ] as const) {
    it(`read our writer's files (level ${level}, ${strategy}), multi-chunk members`, async () => {
      const p = join(temp(), "a.npz");
      const a = sampleArrays(300);
      await writeNpzFile(p, a, { compressLevel: level, compressStrategy: strategy });
      const r = await openNpzReader(p);
      expect(r.names).toEqual(Object.keys(a));
      for (const [k, v] of Object.entries(a)) expect(sameArray(await r.read(k), v)).toBe(true);
      await r.close();
      expect(await expectSameAsWhole(p)).toBe(3);
    });
  }

  it("reads a directory longer than the first 64 KiB tail (70,000 members)", async () => {
    const p = join(temp(), "many.npz");
    const entries = new Map<string, NpyArray>();
    for (let i = 0; i < 70000; i++)
      entries.set(`a${i}`, { dtype: "|u1", shape: [1], data: new Uint8Array([i & 0xff]) });
    writeFileSync(p, encodeNpz(entries, { compressLevel: 0 }));
    const r = openNpzReaderSync(p);
    expect(r.names.length).toBe(70000);
    expect(r.readSync("a69999").data[0]).toBe(69999 & 0xff);
    r.close();
  });

  it("reads zip64 offsets past 4 GiB (a sparse file: the member lies after a 4 GiB hole)", () => {
    const p = join(temp(), "sparse.npz");
    const npy = encodeNpy({ dtype: "<f4", shape: [3], data: new Float32Array([1, 2, 3]) });
    const offset = 2 ** 32 + 100;
    const crc = crc32(npy);
    const local = localHeader("x.npy", METHOD_STORED, crc, npy.length, npy.length);
    const cd = centralEntry({
      name: "x.npy",
      method: METHOD_STORED,
      crc,
      compressedSize: npy.length,
      uncompressedSize: npy.length,
      localHeaderOffset: offset,
    });
    const cdOffset = offset + local.length + npy.length;
    const end = endOfCentralDirectory(1, cdOffset, cd.length);
    const fd = openSync(p, "w");
    try {
      writeSync(fd, local, 0, local.length, offset);
      writeSync(fd, npy, 0, npy.length, offset + local.length);
      writeSync(fd, cd, 0, cd.length, cdOffset);
      writeSync(fd, end, 0, end.length, cdOffset + cd.length);
    } finally {
      closeSync(fd);
    }
    const r = openNpzReaderSync(p);
    expect(r.names).toEqual(["x"]);
    expect(Array.from(r.readSync("x").data as Float32Array)).toEqual([1, 2, 3]);
    r.close();
  });

  it("bounds a member's size: PL_INDEXES_NPZ_TOO_LARGE over maxMemberBytes, PL_INDEXES_NPZ_CORRUPT for a lying directory", async () => {
    const p = join(temp(), "a.npz");
    await writeNpzFile(p, sampleArrays(64), { compressLevel: 6 });
    const small = await openNpzReader(p, { maxMemberBytes: 1000 });
    expect((await rejectsWith(small.read(patternKey(0)))).code).toBe("PL_INDEXES_NPZ_TOO_LARGE");
    expect(() => small.readSync(patternKey(0))).toThrow(/above the limit of 1000/);
    await small.close();
    // claim a 3 GB member in the central directory (its 32-bit uncompressed size field)
    const bytes = readBytes(p);
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const cdOffset = v.getUint32(bytes.length - 22 + 16, true);
    v.setUint32(cdOffset + 24, 3e9, true);
    writeFileSync(p, bytes);
    const r = openNpzReaderSync(p);
    expect(() => r.readSync(patternKey(0))).toThrow(/directory's sizes .* cannot be right/);
    r.close();
  });

  it("fails with stable codes: missing file, missing member, truncated file, closed reader", async () => {
    const dir = temp();
    expect((await rejectsWith(openNpzReader(join(dir, "none.npz")))).code).toBe("PL_INDEXES_NOT_FOUND");
    const p = join(dir, "a.npz");
    await writeNpzFile(p, sampleArrays(8));
    const r = await openNpzReader(p);
    expect((await rejectsWith(r.read("zz"))).code).toBe("PL_INDEXES_NOT_FOUND");
    await r.close();
    expect((await rejectsWith(r.read(patternKey(0)))).code).toBe("PL_INDEXES_INVALID_ARGUMENT");
    writeFileSync(p, readBytes(p).subarray(0, 300));
    expect(() => openNpzReaderSync(p)).toThrow(expect.objectContaining({ code: "PL_INDEXES_NPZ_CORRUPT" }));
    const err = await rejectsWith(openNpzReader(p));
    expect(err.code).toBe("PL_INDEXES_NPZ_CORRUPT");
    expect(err.message).toContain(p);
  });
});
