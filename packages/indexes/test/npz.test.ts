import { crc32, inflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { IndexesError } from "../src/errors.ts";
import { float32ToFloat16Bits } from "../src/float16.ts";
import { patternKey } from "../src/layout.ts";
import type { NpyArray } from "../src/npy-dtype.ts";
import { encodeNpyHeader } from "../src/npy-header.ts";
import { decodeNpz, encodeNpz } from "../src/npz.ts";
import { demoPromptDirs, readBytes, sameArray, zipFields } from "./support/reference.ts";

function pattern(n: number, heads = 4): Float32Array {
  const out = new Float32Array(heads * n * n);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) out[(h * n + i) * n + j] = 1 / (i + 1) + (h - j) * 1e-4;
    }
  }
  return out;
}

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(IndexesError);
    return (e as IndexesError).code;
  }
  return "no error";
}

const f32: NpyArray = { dtype: "<f4", shape: [1, 4, 9, 9], data: pattern(9) };
const f16: NpyArray = { dtype: "<f2", shape: [1, 4, 9, 9], data: float32ToFloat16Bits(pattern(9)) };

describe("encodeNpz / decodeNpz", () => {
  for (const level of [0, 1, 6, 9] as const) {
    it(`round-trips float32 and float16 exactly at compressLevel ${level}`, () => {
      const bytes = encodeNpz({ [patternKey(0)]: f32, [patternKey(1)]: f16 }, { compressLevel: level });
      const back = decodeNpz(bytes);
      expect([...back.keys()]).toEqual([patternKey(0), patternKey(1)]);
      expect(sameArray(back.get(patternKey(0)), f32)).toBe(true);
      expect(sameArray(back.get(patternKey(1)), f16)).toBe(true);
      const fields = zipFields(bytes);
      for (const e of fields.entries) expect(e.central.method).toBe(level === 0 ? 0 : 8);
    });
  }

  it("accepts a Map and keeps insertion order; default level is deflate", () => {
    const m = new Map<string, NpyArray>([
      ["b", f16],
      ["a", f32],
    ]);
    const bytes = encodeNpz(m);
    expect([...decodeNpz(bytes).keys()]).toEqual(["b", "a"]);
    const copy = bytes.slice().buffer; // an ArrayBuffer, as fetch's response.arrayBuffer() gives
    expect([...decodeNpz(copy).keys()]).toEqual(["b", "a"]);
    expect(zipFields(bytes).entries[0]!.central.method).toBe(8);
    expect(code(() => encodeNpz(m, { compressLevel: 11 as 9 }))).toBe("PL_INDEXES_INVALID_ARGUMENT");
  });

  it("lays out members byte for byte as numpy: header, then the .npy with numpy's header", () => {
    const bytes = encodeNpz({ x: f32, y: f16 }, { compressLevel: 0 });
    const { entries } = zipFields(bytes);
    const x = entries[0]!;
    expect(x.name).toBe("x.npy");
    const member = bytes.subarray(x.dataStart, x.dataStart + x.uncompressedSize);
    const header = Buffer.from(member.subarray(0, 128)).toString("latin1");
    const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4, 9, 9), }";
    expect(header).toBe(`\x93NUMPY\x01\x00v\x00${dict}${" ".repeat(128 - 10 - 1 - dict.length)}\n`);
    const y = entries[1]!;
    const yHeader = Buffer.from(bytes.subarray(y.dataStart, y.dataStart + 128)).toString("latin1");
    expect(
      yHeader.startsWith(
        "\x93NUMPY\x01\x00v\x00{'descr': '<f2', 'fortran_order': False, 'shape': (1, 4, 9, 9), }",
      ),
    ).toBe(true);
    // the CRC is the standard zip CRC-32 of the member (what numpy's zipfile checks)
    expect(x.crc).toBe(crc32(member));
    expect(x.localCrc).toBe(x.crc);
  });

  it("uses the same zip structure as numpy's np.savez_compressed output in the reference data", () => {
    const [, dir] = demoPromptDirs()[0]!;
    const ref = zipFields(readBytes(`${dir}/activations.npz`));
    const ours = zipFields(encodeNpz({ [patternKey(0)]: f32 }, { compressLevel: 6 }));
    const r = ref.entries[0]!;
    const o = ours.entries[0]!;
    expect(o.central).toEqual(r.central);
    expect(o.local).toEqual(r.local);
    expect(r.local.size32).toEqual([0xffffffff, 0xffffffff]);
    expect(r.local.extraId).toBe(1);
    expect(o.zip64Compressed).toBe(o.compressedSize);
    expect(o.zip64Uncompressed).toBe(o.uncompressedSize);
    expect(ours.cdEnd).toBe(ours.eocd);
  });

  it("writes the npy header of each reference member exactly as numpy did", () => {
    for (const [, dir] of demoPromptDirs().slice(0, 4)) {
      const bytes = readBytes(`${dir}/activations.npz`);
      const { entries } = zipFields(bytes);
      const arrays = decodeNpz(bytes);
      for (const e of entries) {
        const npy = inflateRawSync(bytes.subarray(e.dataStart, e.dataStart + e.compressedSize));
        const arr = arrays.get(e.name.slice(0, -4))!;
        const ours = encodeNpyHeader(arr.dtype, arr.shape);
        expect(Buffer.from(npy.subarray(0, ours.length)).equals(Buffer.from(ours))).toBe(true);
      }
    }
  });
});

describe("decodeNpz errors", () => {
  const good = encodeNpz({ a: f32 }, { compressLevel: 6 });
  const stored = encodeNpz({ a: f32 }, { compressLevel: 0 });

  it("a truncated npz gives PL_INDEXES_NPZ_CORRUPT", () => {
    for (const cut of [0, 10, 100, good.length - 30, good.length - 1]) {
      expect(code(() => decodeNpz(good.subarray(0, cut)))).toBe("PL_INDEXES_NPZ_CORRUPT");
    }
  });

  it("not a zip at all gives PL_INDEXES_NPZ_CORRUPT", () => {
    expect(code(() => decodeNpz(new TextEncoder().encode("this is not a zip file at all, sorry")))).toBe(
      "PL_INDEXES_NPZ_CORRUPT",
    );
  });

  it("damaged member data fails the CRC check (stored) or inflation (deflated)", () => {
    const s = stored.slice();
    s[zipFields(s).entries[0]!.dataStart + 200]! ^= 0xff;
    expect(code(() => decodeNpz(s))).toBe("PL_INDEXES_NPZ_CORRUPT");
    expect(decodeNpz(s, { verifyCrc: false }).get("a")).toBeDefined();
    const d = good.slice();
    const e = zipFields(d).entries[0]!;
    d.fill(0xff, e.dataStart + 10, e.dataStart + 40);
    expect(code(() => decodeNpz(d))).toBe("PL_INDEXES_NPZ_CORRUPT");
  });

  it("a member with a wrong npy magic string gives PL_INDEXES_NPZ_CORRUPT naming the member", () => {
    const s = stored.slice();
    s[zipFields(s).entries[0]!.dataStart + 1] = 0x58; // "\x93XUMPY"
    let err: IndexesError | undefined;
    try {
      decodeNpz(s, { verifyCrc: false });
    } catch (e) {
      err = e as IndexesError;
    }
    expect(err?.code).toBe("PL_INDEXES_NPZ_CORRUPT");
    expect(err?.message).toContain("a.npy");
    expect(err?.message).toContain("magic");
  });

  it("an unsupported compression method gives PL_INDEXES_NPZ_UNSUPPORTED", () => {
    const s = stored.slice();
    const v = new DataView(s.buffer);
    const cd = v.getUint32(s.length - 22 + 16, true);
    v.setUint16(cd + 10, 12, true); // bzip2
    expect(code(() => decodeNpz(s))).toBe("PL_INDEXES_NPZ_UNSUPPORTED");
  });
});
