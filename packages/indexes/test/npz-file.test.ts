import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { entryData, readCentralDirectory } from "../src/_zip.ts";
import { patternKey } from "../src/layout.ts";
import { encodeNpy } from "../src/npy.ts";
import { decodeNpz, encodeNpz } from "../src/npz.ts";
import { openNpzWriter, readNpzFile, readNpzFileSync, writeNpzFile } from "../src/npz-file.ts";
import { sampleArrays } from "./support/arrays.ts";
import { demoPromptDirs, readBytes, sameArray, zipFields } from "./support/reference.ts";
import { rejectsWith, useTempDir } from "./support/temp.ts";

describe("writeNpzFile / readNpzFile", () => {
  const temp = useTempDir();

  for (const level of [0, 1, 6] as const) {
    it(`round-trips float32, float16 and int64 exactly at compressLevel ${level} (multi-chunk members)`, async () => {
      const dir = temp();
      const p = join(dir, "activations.npz");
      const a = sampleArrays(300); // 1.4 MB float32 member: more than one 1 MiB chunk
      await writeNpzFile(p, a, { compressLevel: level });
      const back = await readNpzFile(p);
      expect([...back.keys()]).toEqual(Object.keys(a));
      for (const [k, v] of Object.entries(a)) expect(sameArray(back.get(k), v)).toBe(true);
      // the browser decoder reads it too, and no temp files are left behind
      expect(sameArray(decodeNpz(readBytes(p)).get(patternKey(1)), a[patternKey(1)])).toBe(true);
      expect(readdirSync(dir)).toEqual(["activations.npz"]);
      const fields = zipFields(readBytes(p));
      for (const e of fields.entries) {
        expect(e.local.size32).toEqual([0xffffffff, 0xffffffff]);
        expect(e.zip64Compressed).toBe(e.compressedSize);
        expect(e.zip64Uncompressed).toBe(e.uncompressedSize);
        expect(e.localCrc).toBe(e.crc);
        expect(e.central.method).toBe(level === 0 ? 0 : 8);
      }
    });
  }

  it('compressStrategy "rle": a zlib run-length stream (same bytes as zlib Z_RLE), read back exactly', async () => {
    const { constants, deflateRawSync } = await import("node:zlib");
    const dir = temp();
    const a = sampleArrays(300);
    const rle = join(dir, "rle.npz");
    await writeNpzFile(rle, a, { compressLevel: 6, compressStrategy: "rle" });
    const back = await readNpzFile(rle);
    for (const [k, v] of Object.entries(a)) expect(sameArray(back.get(k), v)).toBe(true);
    // member 0's data is exactly zlib's Z_RLE output for the .npy bytes (so the strategy reached zlib)
    const fields = zipFields(readBytes(rle));
    const e = fields.entries[0]!;
    const want = deflateRawSync(encodeNpy(a[patternKey(0)]!), {
      level: 6,
      strategy: constants.Z_RLE,
      memLevel: 9,
    });
    expect(e.compressedSize).toBe(want.length);
    const lz = join(dir, "lz.npz");
    await writeNpzFile(lz, a, { compressLevel: 6 });
    expect(zipFields(readBytes(lz)).entries[0]!.compressedSize).not.toBe(want.length);
    await expect(
      writeNpzFile(join(dir, "x.npz"), a, { compressStrategy: "zstd" as never }),
    ).rejects.toMatchObject({ code: "PL_INDEXES_INVALID_ARGUMENT" });
  });

  it("a member of several 4 MiB pieces (deflated in parallel) is one valid deflate stream", async () => {
    const dir = temp();
    const a = sampleArrays(1200); // 23 MB float32 member: 6 pieces
    for (const strategy of ["rle", "default"] as const) {
      const p = join(dir, `${strategy}.npz`);
      await writeNpzFile(p, a, { compressLevel: 6, compressStrategy: strategy });
      const bytes = readBytes(p);
      // one deflate stream per member: zlib and fflate inflate it whole, and the CRC holds
      const { inflateRawSync } = await import("node:zlib");
      const e = readCentralDirectory(bytes)[0]!;
      const raw = inflateRawSync(entryData(bytes, e));
      expect(Buffer.from(raw).equals(Buffer.from(encodeNpy(a[patternKey(0)]!)))).toBe(true);
      const back = decodeNpz(bytes);
      for (const [k, v] of Object.entries(a)) expect(sameArray(back.get(k), v)).toBe(true);
    }
  });

  it("openNpzWriter: member by member gives writeNpzFile's bytes; nothing at the path before close", async () => {
    const dir = temp();
    const a = sampleArrays(40);
    for (const opts of [
      { compressLevel: 0 as const },
      { compressLevel: 6 as const, compressStrategy: "rle" as const },
    ]) {
      const whole = join(dir, `whole-${opts.compressLevel}.npz`);
      await writeNpzFile(whole, a, opts);
      const p = join(dir, `stream-${opts.compressLevel}.npz`);
      const w = await openNpzWriter(p, opts);
      for (const [k, v] of Object.entries(a)) {
        await w.add(k, v);
        expect(readdirSync(dir)).not.toContain(`stream-${opts.compressLevel}.npz`);
      }
      await w.close();
      expect(readFileSync(p).equals(readFileSync(whole))).toBe(true);
    }
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("openNpzWriter: abort and a repeated key leave no file and no temp file", async () => {
    const dir = temp();
    const a = sampleArrays(10);
    const w = await openNpzWriter(join(dir, "a.npz"));
    await w.add(patternKey(0), a[patternKey(0)]!);
    await w.abort();
    expect(readdirSync(dir)).toEqual([]);
    const w2 = await openNpzWriter(join(dir, "b.npz"));
    await w2.add(patternKey(0), a[patternKey(0)]!);
    await expect(w2.add(patternKey(0), a[patternKey(0)]!)).rejects.toMatchObject({
      code: "PL_INDEXES_INVALID_ARGUMENT",
    });
    expect(readdirSync(dir)).toEqual([]);
    await expect(w2.close()).rejects.toMatchObject({ code: "PL_INDEXES_INVALID_ARGUMENT" });
    expect(readdirSync(dir)).toEqual([]);
  });

  it("writes the same bytes as encodeNpz when storing", async () => {
    const p = join(temp(), "x.npz");
    const a = sampleArrays(20);
    await writeNpzFile(p, a, { compressLevel: 0 });
    expect(Buffer.from(readBytes(p)).equals(Buffer.from(encodeNpz(a, { compressLevel: 0 })))).toBe(true);
  });

  it("reads every reference activations.npz like the browser decoder does", async () => {
    for (const [, dir] of demoPromptDirs().slice(0, 8)) {
      const p = join(dir, "activations.npz");
      const ours = await readNpzFile(p);
      const browser = decodeNpz(readBytes(p));
      expect([...ours.keys()]).toEqual([...browser.keys()]);
      for (const [k, v] of ours) expect(sameArray(v, browser.get(k))).toBe(true);
    }
  });

  it("a truncated file gives PL_INDEXES_NPZ_CORRUPT naming the path; missing file PL_INDEXES_NOT_FOUND", async () => {
    const dir = temp();
    const good = join(dir, "good.npz");
    await writeNpzFile(good, sampleArrays(10));
    const bytes = readFileSync(good);
    const bad = join(dir, "bad.npz");
    writeFileSync(bad, bytes.subarray(0, bytes.length - 100));
    const r = await rejectsWith(readNpzFile(bad));
    expect(r.code).toBe("PL_INDEXES_NPZ_CORRUPT");
    expect(r.message).toContain(bad);
    writeFileSync(bad, bytes.subarray(0, 200));
    expect((await rejectsWith(readNpzFile(bad))).code).toBe("PL_INDEXES_NPZ_CORRUPT");
    expect((await rejectsWith(readNpzFile(join(dir, "nope.npz")))).code).toBe("PL_INDEXES_NOT_FOUND");
  });

  it("readNpzFileSync reads what readNpzFile reads, and fails with the same codes", async () => {
    for (const [, dir] of demoPromptDirs().slice(0, 4)) {
      const p = join(dir, "activations.npz");
      const sync = readNpzFileSync(p);
      const promised = await readNpzFile(p);
      expect([...sync.keys()]).toEqual([...promised.keys()]);
      expect(sync.size).toBeGreaterThan(0);
      for (const [k, v] of sync) expect(sameArray(v, promised.get(k))).toBe(true);
    }
    const dir = temp();
    const good = join(dir, "good.npz");
    await writeNpzFile(good, sampleArrays(10));
    const bad = join(dir, "bad.npz");
    writeFileSync(bad, readFileSync(good).subarray(0, 120));
    const codeOf = (f: () => unknown): { code?: string; message?: string } => {
      try {
        f();
      } catch (e) {
        return e as { code?: string; message?: string };
      }
      throw new Error("expected a throw");
    };
    const corrupt = codeOf(() => readNpzFileSync(bad));
    expect(corrupt.code).toBe("PL_INDEXES_NPZ_CORRUPT");
    expect(corrupt.message).toContain(bad);
    const missing = codeOf(() => readNpzFileSync(join(dir, "nope.npz")));
    expect(missing.code).toBe("PL_INDEXES_NOT_FOUND");
    expect(missing.message).toContain("nope.npz");
  });

  it("rejects inconsistent arrays before creating any file", async () => {
    const dir = temp();
    const r = await rejectsWith(
      writeNpzFile(join(dir, "x.npz"), { a: { dtype: "<f4", shape: [3], data: new Float32Array(2) } }),
    );
    expect(r.code).toBe("PL_INDEXES_INVALID_ARGUMENT");
    expect(readdirSync(dir)).toEqual([]);
  });
});
