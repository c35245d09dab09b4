// Reads one layer of a remote activations.npz with HTTP Range requests: the zip directory from the
// file's last bytes, then that one member, inflated as it streams in and handed over head by head.
// Runs in the loader's Worker (npz-worker.ts) or, where no Worker can start, on the main thread.
import {
  crc32,
  decodeNpyHeader,
  decodeNpzMember,
  float16BitsToFloat32,
  isUserError,
  localHeaderLength,
  readZipTail,
  toFloat32,
  type ZipEntry,
  ZipTailShortError,
} from "@pattern-lens/indexes";
import { ViewerError } from "./errors.ts";

/** The last bytes fetched first: the directory of a 12- or 32-layer npz is a few kB. */
const TAIL_BYTES = 64 * 1024;

/** An npz whose directory has been read. */
export interface RemoteNpz {
  url: string;
  size: number;
  entries: ZipEntry[];
  /** The whole file, when the server ignored the Range header and sent it all. */
  whole?: Uint8Array;
}

/** What a layer reader reports: the member's shape first, then each head as it completes. */
export interface LayerSink {
  header(info: { nHeads: number; n: number; dtype: string }): void;
  head(h: number, data: Float32Array): void;
}

async function get(url: string, range?: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { mode: "cors", headers: range ? { Range: range } : {} });
  } catch (cause) {
    throw new ViewerError(
      "PL_VIEWER_FETCH",
      `cannot fetch ${url}: is the server running? (another origin must send Access-Control-Allow-Origin, allow the Range header and expose Content-Range)`,
      { cause },
    );
  }
  if (!res.ok) {
    throw new ViewerError(
      "PL_VIEWER_FETCH",
      `cannot fetch ${url} (HTTP ${res.status}): check the viewer's src points at a pattern-lens data folder`,
    );
  }
  return res;
}

/**
 * Reads the zip directory of `url`: a HEAD for the size, then the last 64 kB with a Range request
 * (`bytes=a-b`, a CORS-safelisted header: another origin needs only Access-Control-Allow-Origin).
 * A server that ignores Range sends the whole file (status 200): it is kept and members are cut
 * from it.
 */
export async function openRemoteNpz(url: string): Promise<RemoteNpz> {
  const head = await fetch(url, { method: "HEAD", mode: "cors" }).catch(() => undefined);
  const size = Number(head?.ok ? (head.headers.get("Content-Length") ?? Number.NaN) : Number.NaN);
  const res =
    Number.isFinite(size) && size > 0
      ? await get(url, `bytes=${Math.max(0, size - TAIL_BYTES)}-${size - 1}`)
      : await get(url);
  if (res.status !== 206) {
    const whole = new Uint8Array(await res.arrayBuffer());
    return { url, size: whole.length, entries: readZipTail(whole, whole.length), whole };
  }
  let tail = new Uint8Array(await res.arrayBuffer());
  for (;;) {
    try {
      return { url, size, entries: readZipTail(tail, size) };
    } catch (err) {
      if (!(err instanceof ZipTailShortError) || err.needed <= tail.length) throw err;
      tail = new Uint8Array(await (await get(url, `bytes=${size - err.needed}-${size - 1}`)).arrayBuffer());
    }
  }
}

const opened = new Map<string, Promise<RemoteNpz>>();

/**
 * {@link openRemoteNpz}, remembered per URL (the last two: a server that ignores Range leaves
 * whole files here). Used by the Worker, and by the main thread where no Worker starts.
 */
export function openRemoteNpzCached(url: string): Promise<RemoteNpz> {
  let p = opened.get(url);
  if (!p) {
    p = openRemoteNpz(url);
    p.catch(() => opened.delete(url));
    opened.set(url, p);
    while (opened.size > 2) opened.delete(opened.keys().next().value as string);
  }
  return p;
}

/** Cuts a decoded npy stream into heads of `n`×`n` float32 values. */
class HeadCutter {
  private header = new Uint8Array(0);
  private headerDone = false;
  private perHead = 0;
  private item = 4;
  private dtype = "";
  private buf: Uint8Array | undefined;
  private filled = 0;
  private h = 0;
  crc = 0;
  bytes = 0;

  constructor(
    private readonly name: string,
    private readonly sink: LayerSink,
  ) {}

  push(chunk: Uint8Array): void {
    this.crc = crc32(chunk, this.crc);
    this.bytes += chunk.length;
    let c = chunk;
    if (!this.headerDone) {
      const joined = new Uint8Array(this.header.length + c.length);
      joined.set(this.header);
      joined.set(c, this.header.length);
      this.header = joined;
      if (joined.length < 12) return;
      const hlen =
        joined[6] === 1
          ? 10 + (joined[8]! | (joined[9]! << 8))
          : 12 + new DataView(joined.buffer).getUint32(8, true);
      if (joined.length < hlen) return;
      const h = decodeNpyHeader(joined);
      const shape = h.shape;
      const n = shape[shape.length - 1] ?? 0;
      const nHeads = shape[shape.length - 3] ?? 0;
      const ok = (shape.length === 4 && shape[0] === 1) || shape.length === 3;
      if (!ok || shape[shape.length - 2] !== n) {
        throw new ViewerError(
          "PL_VIEWER_DATA",
          `${this.name} has shape [${shape.join(", ")}], not [1, heads, n, n]`,
        );
      }
      this.item = { "<f4": 4, "<f2": 2, "<f8": 8 }[h.dtype as string] ?? 0;
      if (this.item === 0) {
        throw new ViewerError(
          "PL_VIEWER_DATA",
          `${this.name} has dtype ${h.dtype}; patterns are float16, float32 or float64`,
        );
      }
      this.dtype = h.dtype;
      this.perHead = n * n * this.item;
      this.headerDone = true;
      this.sink.header({ nHeads, n, dtype: h.dtype });
      c = joined.subarray(h.dataOffset);
      this.header = new Uint8Array(0);
    }
    while (c.length > 0 && this.perHead > 0) {
      this.buf ??= new Uint8Array(this.perHead);
      const take = Math.min(c.length, this.perHead - this.filled);
      this.buf.set(c.subarray(0, take), this.filled);
      this.filled += take;
      c = c.subarray(take);
      if (this.filled === this.perHead) {
        const b = this.buf.buffer;
        const data =
          this.dtype === "<f4"
            ? new Float32Array(b)
            : this.dtype === "<f2"
              ? float16BitsToFloat32(new Uint16Array(b))
              : toFloat32({ dtype: "<f8", shape: [b.byteLength / 8], data: new Float64Array(b) });
        this.sink.head(this.h++, data);
        this.buf = undefined;
        this.filled = 0;
      }
    }
  }
}

function corrupt(name: string, what: string): ViewerError {
  return new ViewerError(
    "PL_VIEWER_DATA",
    `${name} in activations.npz ${what}: the file is damaged, re-create it`,
  );
}

/** Hands over the heads of a member held whole in memory. */
function fromWhole(npz: RemoteNpz & { whole: Uint8Array }, e: ZipEntry, sink: LayerSink): void {
  const arr = decodeNpzMember(npz.whole.subarray(e.localHeaderOffset), e);
  const shape = arr.shape;
  const n = shape[shape.length - 1] ?? 0;
  const nHeads = shape[shape.length - 3] ?? 0;
  sink.header({ nHeads, n, dtype: arr.dtype });
  const all = toFloat32(arr);
  for (let h = 0; h < nHeads; h++) sink.head(h, all.slice(h * n * n, (h + 1) * n * n));
}

/**
 * Streams one member of `npz` (e.g. `blocks.3.attn.hook_pattern.npy`) with one Range request,
 * inflating with the browser's DecompressionStream and checking the member's CRC-32 at the end.
 */
export async function readLayer(npz: RemoteNpz, member: string, sink: LayerSink): Promise<void> {
  const e = npz.entries.find((x) => x.name === member);
  if (!e) throw new ViewerError("PL_VIEWER_DATA", `activations.npz has no ${member}`);
  if (npz.whole) return fromWhole(npz as RemoteNpz & { whole: Uint8Array }, e, sink);
  if (e.method !== 0 && e.method !== 8) throw corrupt(member, `uses zip method ${e.method}`);
  const slack = 30 + 4 * member.length + 1024; // the local header: name and extra field
  const last = Math.min(npz.size - 1, e.localHeaderOffset + slack + e.compressedSize);
  const res = await get(npz.url, `bytes=${e.localHeaderOffset}-${last}`);
  if (res.status !== 206 || !res.body) {
    // The server answered this one in full after all: cut the member from it.
    const whole = new Uint8Array(await res.arrayBuffer());
    return fromWhole({ ...npz, whole }, e, sink);
  }
  const cutter = new HeadCutter(member, sink);
  const reader = res.body.getReader();
  const inflate = e.method === 8 ? new DecompressionStream("deflate-raw") : undefined;
  const writer = inflate?.writable.getWriter();
  const out = (chunk: Uint8Array) => cutter.push(chunk);
  const drain = (async () => {
    if (!inflate) return;
    const r = inflate.readable.getReader();
    for (;;) {
      const { done, value } = await r.read();
      if (done) return;
      out(value);
    }
  })();
  let head = new Uint8Array(0);
  let skip = -1;
  let left = e.compressedSize;
  try {
    while (left > 0) {
      const { done, value } = await reader.read();
      if (done) throw corrupt(member, "ends early");
      let c: Uint8Array = value;
      if (skip < 0) {
        const joined = new Uint8Array(head.length + c.length);
        joined.set(head);
        joined.set(c, head.length);
        if (joined.length < 30) {
          head = joined;
          continue;
        }
        skip = localHeaderLength(joined);
        if (joined.length < skip) {
          head = joined;
          skip = -1;
          continue;
        }
        c = joined.subarray(skip);
      }
      const part = c.subarray(0, left);
      left -= part.length;
      if (writer) {
        await writer.ready;
        void writer.write(part as Uint8Array<ArrayBuffer>).catch(() => undefined);
      } else out(part);
    }
    await reader.cancel().catch(() => undefined);
    if (writer) await writer.close();
    await drain;
  } catch (err) {
    await reader.cancel().catch(() => undefined);
    if (err instanceof ViewerError || isUserError(err)) throw err;
    throw corrupt(member, `does not inflate (${(err as Error).message})`);
  }
  if (cutter.bytes !== e.uncompressedSize || cutter.crc !== e.crc)
    throw corrupt(member, "fails its CRC check");
}
