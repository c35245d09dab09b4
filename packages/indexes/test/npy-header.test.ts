import { describe, expect, it } from "vitest";
import { IndexesError } from "../src/errors.ts";
import { decodeNpyHeader, encodeNpyHeader } from "../src/npy-header.ts";

const latin1 = (b: Uint8Array) => Buffer.from(b).toString("latin1");

/** The header numpy writes: preamble, dict, 21-digit growth room, spaces, "\n", 64-aligned. */
function numpyHeader(dict: string, firstDim: number | undefined): string {
  const growth = firstDim === undefined ? "" : " ".repeat(21 - String(firstDim).length);
  const body = dict + growth;
  const total = 10 + body.length + 1;
  const pad = 64 - (total % 64);
  const hlen = body.length + pad + 1;
  return `\x93NUMPY\x01\x00${String.fromCharCode(hlen & 0xff, hlen >> 8)}${body}${" ".repeat(pad)}\n`;
}

describe("encodeNpyHeader", () => {
  it("writes numpy's exact bytes for [1, 4, 3, 3] float32", () => {
    const h = encodeNpyHeader("<f4", [1, 4, 3, 3]);
    const text = latin1(h);
    expect(
      text.startsWith(
        "\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4, 3, 3), }",
      ),
    ).toBe(true);
    expect(h.length).toBe(128);
    expect(text.endsWith(" \n")).toBe(true);
    expect(text.slice(10, 127).trimEnd()).toBe(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4, 3, 3), }",
    );
    expect(text).toBe(numpyHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4, 3, 3), }", 1));
  });

  it("formats 0-d, 1-d and float16 shapes as numpy does", () => {
    expect(latin1(encodeNpyHeader("<f2", [7]))).toBe(
      numpyHeader("{'descr': '<f2', 'fortran_order': False, 'shape': (7,), }", 7),
    );
    expect(latin1(encodeNpyHeader("<f8", []))).toBe(
      numpyHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", undefined),
    );
    expect(latin1(encodeNpyHeader("|b1", [2, 0]))).toBe(
      numpyHeader("{'descr': '|b1', 'fortran_order': False, 'shape': (2, 0), }", 2),
    );
  });

  it("always aligns the data to 64 bytes (a full pad block when already aligned, as numpy)", () => {
    for (let nd = 0; nd < 12; nd++) {
      const shape = Array.from({ length: nd }, (_, i) => 10 ** (i % 6));
      const h = encodeNpyHeader("<i8", shape);
      expect(h.length % 64).toBe(0);
      expect(h[h.length - 1]).toBe(0x0a);
      expect(decodeNpyHeader(h)).toEqual({ dtype: "<i8", shape, dataOffset: h.length });
    }
  });

  it("switches to version 2.0 when the header exceeds 65535 bytes", () => {
    const shape = new Array(30000).fill(1);
    const h = encodeNpyHeader("<f4", shape);
    expect(h[6]).toBe(2);
    expect(h.length % 64).toBe(0);
    expect(new DataView(h.buffer).getUint32(8, true)).toBe(h.length - 12);
    expect(decodeNpyHeader(h).shape.length).toBe(30000);
  });
});

describe("decodeNpyHeader", () => {
  const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
  const wrap = (dict: string, major = 1) => {
    const len = dict.length + 1;
    const pre =
      major === 1
        ? String.fromCharCode(len & 0xff, len >> 8)
        : String.fromCharCode(len & 0xff, len >> 8, 0, 0);
    return enc(`\x93NUMPY${String.fromCharCode(major, 0)}${pre}${dict}\n`);
  };
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(IndexesError);
      return (e as IndexesError).code;
    }
    return "no error";
  };

  it("accepts key order, quotes, Python 2 longs and version 2.0/3.0 headers", () => {
    expect(
      decodeNpyHeader(wrap(`{"shape": (2L, 3L), "fortran_order": False, "descr": "<f4"}`)).shape,
    ).toEqual([2, 3]);
    expect(decodeNpyHeader(wrap("{'descr': '<i4', 'fortran_order': False, 'shape': (5,), }", 2)).dtype).toBe(
      "<i4",
    );
    expect(decodeNpyHeader(wrap("{'descr': '<u2', 'fortran_order': False, 'shape': (), }", 3)).shape).toEqual(
      [],
    );
    expect(decodeNpyHeader(wrap("{'descr': 'u1', 'fortran_order': False, 'shape': (1,), }")).dtype).toBe(
      "|u1",
    );
    expect(decodeNpyHeader(wrap("{'descr': '=f8', 'fortran_order': True, 'shape': (4,), }")).dtype).toBe(
      "<f8",
    );
  });

  it("rejects wrong magic, bad dicts and truncation with PL_INDEXES_NPY_CORRUPT", () => {
    expect(code(() => decodeNpyHeader(enc("\x93NUMPZ\x01\x00\x00\x00")))).toBe("PL_INDEXES_NPY_CORRUPT");
    expect(code(() => decodeNpyHeader(enc("PK\x03\x04")))).toBe("PL_INDEXES_NPY_CORRUPT");
    expect(
      code(() => decodeNpyHeader(wrap("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2}"))),
    ).toBe("PL_INDEXES_NPY_CORRUPT");
    expect(code(() => decodeNpyHeader(wrap("{'descr': '<f4', 'shape': (1,)}")))).toBe(
      "PL_INDEXES_NPY_CORRUPT",
    );
    expect(
      code(() => decodeNpyHeader(wrap("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}"))),
    ).toBe("PL_INDEXES_NPY_CORRUPT");
    expect(code(() => decodeNpyHeader(wrap("['not', 'a', 'dict']")))).toBe("PL_INDEXES_NPY_CORRUPT");
    expect(
      code(() =>
        decodeNpyHeader(wrap("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }").subarray(0, 30)),
      ),
    ).toBe("PL_INDEXES_NPY_CORRUPT");
  });

  it("rejects Fortran order, big-endian, other dtypes and versions with PL_INDEXES_NPY_UNSUPPORTED", () => {
    const e = (() => {
      try {
        decodeNpyHeader(wrap("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }"));
      } catch (err) {
        return err as IndexesError;
      }
    })();
    expect(e?.code).toBe("PL_INDEXES_NPY_UNSUPPORTED");
    expect(e?.message).toMatch(/Fortran order.*C order/);
    expect(
      code(() => decodeNpyHeader(wrap("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }"))),
    ).toBe("PL_INDEXES_NPY_UNSUPPORTED");
    expect(
      code(() => decodeNpyHeader(wrap("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }"))),
    ).toBe("PL_INDEXES_NPY_UNSUPPORTED");
    expect(
      code(() => decodeNpyHeader(wrap("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }"))),
    ).toBe("PL_INDEXES_NPY_UNSUPPORTED");
    expect(
      code(() => decodeNpyHeader(wrap("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }"))),
    ).toBe("PL_INDEXES_NPY_UNSUPPORTED");
    expect(code(() => decodeNpyHeader(wrap("{}", 4)))).toBe("PL_INDEXES_NPY_UNSUPPORTED");
  });
});
