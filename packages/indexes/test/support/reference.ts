import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sharedPath } from "#test-support/shared.ts";

/** The reference data folder written by the Python pattern-lens. */
export function demoDir(): string {
  return sharedPath("reference", "pattern-lens-demo");
}

/** Every prompt folder of the reference demo: [hash, absolute dir]. */
export function demoPromptDirs(): [string, string][] {
  const dir = join(demoDir(), "pythia-14m", "prompts");
  return readdirSync(dir)
    .sort()
    .map((h) => [h, join(dir, h)]);
}

/** Bytes of a file as a Uint8Array. */
export function readBytes(path: string): Uint8Array {
  const b = readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** The raw zip fields of every local header and central directory entry (for layout checks). */
export function zipFields(bytes: Uint8Array) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = bytes.length - 22;
  if (v.getUint32(eocd, true) !== 0x06054b50) throw new Error("expected EOCD without a comment");
  const count = v.getUint16(eocd + 10, true);
  let p = v.getUint32(eocd + 16, true);
  const out = [];
  for (let k = 0; k < count; k++) {
    const nameLen = v.getUint16(p + 28, true);
    const cExtraLen = v.getUint16(p + 30, true);
    const off = v.getUint32(p + 42, true);
    const lNameLen = v.getUint16(off + 26, true);
    const lExtraLen = v.getUint16(off + 28, true);
    out.push({
      central: {
        madeBy: v.getUint16(p + 4, true),
        needed: v.getUint16(p + 6, true),
        flags: v.getUint16(p + 8, true),
        method: v.getUint16(p + 10, true),
        time: v.getUint16(p + 12, true),
        date: v.getUint16(p + 14, true),
        extraLen: cExtraLen,
        commentLen: v.getUint16(p + 32, true),
        disk: v.getUint16(p + 34, true),
        internalAttr: v.getUint16(p + 36, true),
        externalAttr: v.getUint32(p + 38, true),
      },
      local: {
        signature: v.getUint32(off, true),
        needed: v.getUint16(off + 4, true),
        flags: v.getUint16(off + 6, true),
        method: v.getUint16(off + 8, true),
        time: v.getUint16(off + 10, true),
        date: v.getUint16(off + 12, true),
        size32: [v.getUint32(off + 18, true), v.getUint32(off + 22, true)],
        extraLen: lExtraLen,
        extraId: v.getUint16(off + 30 + lNameLen, true),
        extraSize: v.getUint16(off + 32 + lNameLen, true),
      },
      // values that differ per file
      name: new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen)),
      crc: v.getUint32(p + 16, true),
      localCrc: v.getUint32(off + 14, true),
      compressedSize: v.getUint32(p + 20, true),
      uncompressedSize: v.getUint32(p + 24, true),
      zip64Uncompressed: Number(v.getBigUint64(off + 34 + lNameLen, true)),
      zip64Compressed: Number(v.getBigUint64(off + 42 + lNameLen, true)),
      dataStart: off + 30 + lNameLen + lExtraLen,
    });
    p += 46 + nameLen + cExtraLen + v.getUint16(p + 32, true);
  }
  return { entries: out, cdEnd: p, eocd };
}

/** Whether two arrays have the same dtype, shape and bytes (fast, unlike deep equality). */
export function sameArray(
  a: { dtype: string; shape: number[]; data: ArrayBufferView } | undefined,
  b: { dtype: string; shape: number[]; data: ArrayBufferView } | undefined,
): boolean {
  if (!a || !b) return false;
  const bytes = (x: ArrayBufferView) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  return (
    a.dtype === b.dtype &&
    JSON.stringify(a.shape) === JSON.stringify(b.shape) &&
    a.data.constructor === b.data.constructor &&
    bytes(a.data).equals(bytes(b.data))
  );
}
