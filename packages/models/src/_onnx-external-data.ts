import { type FileHandle, open } from "node:fs/promises";

// The file names of external data live in TensorProto.external_data (field 13), a list of
// StringStringEntryProto {key = 1, value = 2} with key "location". Tensors sit in
// GraphProto.initializer (5) and sparse_initializer (15), and in node attributes (Constant's `t`,
// `If`/`Loop` subgraphs). The walker below reads only field headers and jumps over payloads such
// as raw_data, so a 500 MB model with inline weights costs a few reads.

const WINDOW = 1 << 16;

class Source {
  private buf = Buffer.alloc(WINDOW);
  private start = 0;
  private len = 0;
  /** Field headers read so far; a runaway walk over bytes that are not ONNX stops early. */
  steps = 0;
  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}

  /** Makes `[pos, pos + n)` (clipped to the file) readable with {@link at}. */
  async ensure(pos: number, n: number): Promise<void> {
    const need = Math.min(pos + n, this.size);
    if (pos >= this.start && need <= this.start + this.len) return;
    const { bytesRead } = await this.fh.read(this.buf, 0, WINDOW, pos);
    this.start = pos;
    this.len = bytesRead;
  }

  /** The byte at `pos`, which {@link ensure} made readable. */
  at(pos: number): number {
    const b = this.buf[pos - this.start];
    if (b === undefined || pos < this.start) throw new Malformed("read outside the window");
    return b;
  }

  async bytes(pos: number, n: number): Promise<Buffer> {
    const out = Buffer.alloc(n);
    await this.fh.read(out, 0, n, pos);
    return out;
  }
}

class Malformed extends Error {}

const MAX_STEPS = 20_000_000;

async function varint(src: Source, pos: number, end: number): Promise<[number, number]> {
  await src.ensure(pos, 10);
  let value = 0;
  let mul = 1;
  for (let i = pos; i < end && i < pos + 10; i++) {
    const b = src.at(i);
    value += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return [value, i + 1];
    mul *= 128;
  }
  throw new Malformed("bad varint");
}

type Handler = (start: number, end: number) => Promise<void>;

/** Visits the length-delimited fields of one message that have a handler; skips everything else. */
async function walk(
  src: Source,
  start: number,
  end: number,
  handlers: Record<number, Handler>,
): Promise<void> {
  let pos = start;
  while (pos < end) {
    const [tag, p] = await varint(src, pos, end);
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 0 || ++src.steps > MAX_STEPS) throw new Malformed("not a protobuf message");
    if (wire === 0) [, pos] = await varint(src, p, end);
    else if (wire === 1) pos = p + 8;
    else if (wire === 5) pos = p + 4;
    else if (wire === 2) {
      const [len, q] = await varint(src, p, end);
      if (q + len > end) throw new Malformed("field past the end of its message");
      const h = handlers[field];
      if (h !== undefined) await h(q, q + len);
      pos = q + len;
    } else throw new Malformed(`wire type ${wire}`);
    if (pos > end) throw new Malformed("field past the end of its message");
  }
}

async function collect(src: Source): Promise<Set<string>> {
  const found = new Set<string>();
  const entry: Handler = async (s, e) => {
    let key = "";
    let value = "";
    await walk(src, s, e, {
      1: async (a, b) => {
        key = (await src.bytes(a, b - a)).toString("utf8");
      },
      2: async (a, b) => {
        value = (await src.bytes(a, b - a)).toString("utf8");
      },
    });
    if (key === "location" && value !== "") found.add(value);
  };
  const tensor: Handler = (s, e) => walk(src, s, e, { 13: entry });
  const sparse: Handler = (s, e) => walk(src, s, e, { 1: tensor, 2: tensor });
  const graph: Handler = (s, e) => walk(src, s, e, { 1: node, 5: tensor, 15: sparse });
  const attribute: Handler = (s, e) =>
    walk(src, s, e, { 5: tensor, 6: graph, 10: tensor, 11: graph, 22: sparse, 23: sparse });
  async function node(s: number, e: number): Promise<void> {
    await walk(src, s, e, { 5: attribute });
  }
  await walk(src, 0, src.size, { 7: graph });
  return found;
}

// Fallback for files the walker cannot follow: the entry's bytes are 0x0a, 8, "location", 0x12,
// <varint length>, <name>; find them by scanning.
const MARKER = Buffer.from([0x0a, 0x08, ...Buffer.from("location", "latin1"), 0x12]);
const CHUNK = 8 << 20;
const OVERLAP = 4096;

/** Locations named in `buf` by external-data entries whose bytes lie wholly inside it. */
export function externalDataLocationsIn(buf: Buffer): Set<string> {
  const found = new Set<string>();
  let at = buf.indexOf(MARKER);
  while (at >= 0) {
    const start = at + MARKER.length;
    const len = buf[start];
    if (len !== undefined && len > 0 && len < 0x80 && start + 1 + len <= buf.length) {
      found.add(buf.subarray(start + 1, start + 1 + len).toString("utf8"));
    }
    at = buf.indexOf(MARKER, at + 1);
  }
  return found;
}

async function scan(fh: FileHandle): Promise<Set<string>> {
  const found = new Set<string>();
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
  return found;
}

/**
 * The external-data file names (relative to the model's folder) an ONNX file refers to. Walks the
 * protobuf structure reading only field headers (payloads such as raw weights are skipped); a file
 * the walker cannot follow is scanned for `location` entries instead.
 */
export async function externalDataLocations(onnxPath: string): Promise<string[]> {
  const fh = await open(onnxPath, "r");
  try {
    const { size } = await fh.stat();
    let found: Set<string>;
    try {
      found = await collect(new Source(fh, size));
    } catch (err) {
      if (!(err instanceof Malformed) && !(err instanceof RangeError)) throw err;
      found = await scan(fh);
    }
    return [...found].sort();
  } finally {
    await fh.close();
  }
}
