// Test-only: reads the float32 arrays of an uncompressed or deflated .npz (as numpy writes it),
// through the zip central directory. The real decoder lives in @pattern-lens/indexes.
import { readFileSync } from "node:fs";
import { inflateRawSync } from "node:zlib";

export interface TestNpyArray {
  shape: number[];
  data: Float32Array;
}

export function readFloat32Npz(path: string): Map<string, TestNpyArray> {
  const buf = readFileSync(path);
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error(`${path}: no zip end record`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out = new Map<string, TestNpyArray>();
  for (let e = 0; e < count; e++) {
    const method = buf.readUInt16LE(p + 10);
    const csize = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString("utf8");
    p += 46 + nameLen + extraLen + commentLen;
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + csize);
    const npy = method === 8 ? inflateRawSync(raw) : raw;
    const hlen = npy.readUInt16LE(8);
    const header = npy.subarray(10, 10 + hlen).toString("latin1");
    if (!header.includes("'<f4'")) throw new Error(`${name}: test helper reads float32 only`);
    const shape = (header.match(/'shape': \(([^)]*)\)/)?.[1] ?? "")
      .split(",")
      .filter((s) => s.trim())
      .map(Number);
    const bytes = npy.subarray(10 + hlen);
    const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    out.set(name.replace(/\.npy$/, ""), { shape, data });
  }
  return out;
}
