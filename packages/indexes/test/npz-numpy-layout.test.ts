import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { decodeNpz, encodeNpz } from "../src/npz.ts";
import { readBytes } from "./support/reference.ts";

// fixtures/savez-*.npz are written by fixtures/make-savez.py with Python's zipfile exactly as
// np.savez / np.savez_compressed call it (force_zip64=True per member).
const fixture = (name: string) => readBytes(fileURLToPath(new URL(`fixtures/${name}`, import.meta.url)));

const a = { dtype: "<f4" as const, shape: [2, 3], data: Float32Array.from([0, 1, 2, 3, 4, 5], (i) => i / 4) };
const b = { dtype: "<i2" as const, shape: [4], data: Int16Array.from([-2, -1, 0, 1]) };

describe("npz layout against Python zipfile as numpy uses it", () => {
  it("reads np.savez-style (stored) and np.savez_compressed-style (deflated) archives", () => {
    for (const name of ["savez-stored.npz", "savez-deflated.npz"]) {
      const arrays = decodeNpz(fixture(name));
      expect([...arrays.keys()]).toEqual(["a", "b"]);
      expect(arrays.get("a")).toEqual(a);
      expect(arrays.get("b")).toEqual(b);
    }
  });

  it("writes a stored archive byte for byte identical to np.savez's", () => {
    const ours = encodeNpz({ a, b }, { compressLevel: 0 });
    expect(Buffer.from(ours).equals(Buffer.from(fixture("savez-stored.npz")))).toBe(true);
  });
});
