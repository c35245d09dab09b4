import { open } from "node:fs/promises";

// A TensorProto's external_data is a list of StringStringEntryProto {key = 1, value = 2}. The
// entry for the file name is encoded as: 0x0a, 8, "location", 0x12, <varint length>, <bytes>.
const MARKER = Buffer.from([0x0a, 0x08, ...Buffer.from("location", "latin1"), 0x12]);
const CHUNK = 8 << 20;
const OVERLAP = 4096;

function readVarint(buf: Buffer, at: number): [value: number, next: number] | undefined {
  let value = 0;
  let shift = 0;
  for (let i = at; i < buf.length && i < at + 5; i++) {
    const b = buf[i]!;
    value |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [value, i + 1];
    shift += 7;
  }
  return undefined;
}

/** Locations named in `buf` by external-data entries whose bytes lie wholly inside it. */
export function externalDataLocationsIn(buf: Buffer): Set<string> {
  const found = new Set<string>();
  let at = buf.indexOf(MARKER);
  while (at >= 0) {
    const v = readVarint(buf, at + MARKER.length);
    if (v !== undefined) {
      const [len, start] = v;
      if (len > 0 && len < 4096 && start + len <= buf.length) {
        found.add(buf.subarray(start, start + len).toString("utf8"));
      }
    }
    at = buf.indexOf(MARKER, at + 1);
  }
  return found;
}

/**
 * The external-data file names (relative to the model's folder) an ONNX file refers to, found by
 * scanning its bytes for `location` entries. Reads the file in chunks, so multi-GB inline-weight
 * models cost little memory.
 */
export async function externalDataLocations(onnxPath: string): Promise<string[]> {
  const fh = await open(onnxPath, "r");
  const found = new Set<string>();
  try {
    const buf = Buffer.alloc(CHUNK + OVERLAP);
    let carry = 0;
    let pos = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, carry, CHUNK, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      const view = buf.subarray(0, carry + bytesRead);
      for (const loc of externalDataLocationsIn(view)) found.add(loc);
      carry = Math.min(OVERLAP, view.length);
      view.copy(buf, 0, view.length - carry, view.length);
    }
  } finally {
    await fh.close();
  }
  return [...found].sort();
}
