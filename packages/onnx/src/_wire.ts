/**
 * Protobuf wire-format primitives: a bounds-checked reader over a Uint8Array and a writer into a
 * preallocated Uint8Array. int64 values are JavaScript numbers (exact up to 2^53); the two
 * sentinels INT64_MAX and INT64_MIN survive a round trip because numbers at or beyond ±2^63 are
 * clamped to them when written.
 */
import { OnnxError } from "./errors.ts";

const TWO_63 = 2 ** 63;
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

function corrupt(what: string): OnnxError {
  return new OnnxError(
    "PL_ONNX_CORRUPT",
    `not a valid ONNX protobuf: ${what}. Check that the file is a complete .onnx model (not an LFS pointer or a truncated download).`,
  );
}

/** Reads protobuf values from `buf`; `pos` advances. */
export class Reader {
  readonly buf: Uint8Array;
  pos: number;
  readonly view: DataView;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.pos = 0;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** An unsigned varint of at most 32 significant bits (tags, lengths). */
  uint32(): number {
    const b = this.buf;
    let pos = this.pos;
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= b.length) throw corrupt("truncated varint");
      const byte = b[pos++]!;
      if (shift < 28) result |= (byte & 0x7f) << shift;
      else if (shift === 28) result += (byte & 0x7f) * 2 ** 28;
      if (byte < 0x80) break;
      shift += 7;
      if (shift > 63) throw corrupt("varint longer than 10 bytes");
    }
    this.pos = pos;
    return result;
  }

  /** A varint read as a signed 64-bit integer, returned as a number. */
  int64(): number {
    const b = this.buf;
    const start = this.pos;
    let pos = start;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 7; i++) {
      if (pos >= b.length) throw corrupt("truncated varint");
      const byte = b[pos++]!;
      result += (byte & 0x7f) * mul;
      if (byte < 0x80) {
        this.pos = pos;
        return result;
      }
      mul *= 128;
    }
    return Number(BigInt.asIntN(64, this.uint64Big()));
  }

  /** A varint read as an int32 (sign-extended 64-bit encodings of negative values allowed). */
  int32(): number {
    return this.int64() | 0;
  }

  /** A varint as an unsigned 64-bit bigint. */
  uint64Big(): bigint {
    const b = this.buf;
    let pos = this.pos;
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= b.length) throw corrupt("truncated varint");
      const byte = b[pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) break;
      shift += 7n;
      if (shift > 63n) throw corrupt("varint longer than 10 bytes");
    }
    this.pos = pos;
    return BigInt.asUintN(64, result);
  }

  float(): number {
    if (this.pos + 4 > this.buf.length) throw corrupt("truncated float");
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  double(): number {
    if (this.pos + 8 > this.buf.length) throw corrupt("truncated double");
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A length prefix; returns the end offset of the delimited bytes (checked against `limit`). */
  delimitedEnd(limit: number): number {
    const len = this.uint32();
    const end = this.pos + len;
    if (end > limit) throw corrupt("length-delimited field runs past its message");
    return end;
  }

  /** Skips one field's payload of wire type `wt`. */
  skip(wt: number, limit: number): void {
    switch (wt) {
      case 0:
        this.uint64Big();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.pos = this.delimitedEnd(limit);
        return;
      case 5:
        this.pos += 4;
        break;
      case 3: {
        for (;;) {
          if (this.pos >= limit) throw corrupt("unterminated group");
          const tag = this.uint32();
          if ((tag & 7) === 4) return;
          this.skip(tag & 7, limit);
        }
      }
      default:
        throw corrupt(`unknown wire type ${wt}`);
    }
    if (this.pos > limit) throw corrupt("fixed-width field runs past its message");
  }
}

/** Varint size of a non-negative safe integer. */
export function uint53Size(n: number): number {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** The uint64 bit pattern a number takes as an int64 field (clamped at ±2^63). */
function int64Bits(n: number): bigint {
  if (n >= TWO_63) return INT64_MAX;
  if (n <= -TWO_63) return BigInt.asUintN(64, INT64_MIN);
  return BigInt.asUintN(64, BigInt(Math.trunc(n)));
}

/** Varint size of an int64-typed number. */
export function int64Size(n: number): number {
  if (n >= 0 && n <= Number.MAX_SAFE_INTEGER) return uint53Size(Math.trunc(n));
  if (n < 0) return 10;
  return bigVarintSize(int64Bits(n));
}

export function bigVarintSize(n: bigint): number {
  let size = 1;
  while (n >= 128n) {
    n >>= 7n;
    size++;
  }
  return size;
}

const encoder = new TextEncoder();

/** Writes protobuf values into a preallocated buffer. */
export class Writer {
  readonly buf: Uint8Array;
  readonly view: DataView;
  pos = 0;

  /**
   * In chunk mode (`chunkThreshold` set), byte fields at least that long are not copied: they are
   * emitted as separate chunks between slices of `buf`, and `buf` only holds everything else.
   */
  readonly chunks: Uint8Array[] | undefined;
  private readonly chunkThreshold: number;
  private flushed = 0;

  constructor(size: number, chunkThreshold?: number) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
    this.chunkThreshold = chunkThreshold ?? Number.POSITIVE_INFINITY;
    this.chunks = chunkThreshold === undefined ? undefined : [];
  }

  /** In chunk mode: the output as a list of chunks (views, not copies). */
  finishChunks(): Uint8Array[] {
    const chunks = this.chunks ?? [];
    if (this.pos > this.flushed) chunks.push(this.buf.subarray(this.flushed, this.pos));
    this.flushed = this.pos;
    return chunks;
  }

  uint53(n: number): void {
    const b = this.buf;
    let pos = this.pos;
    while (n >= 128) {
      b[pos++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    b[pos++] = n;
    this.pos = pos;
  }

  bigVarint(n: bigint): void {
    const b = this.buf;
    let pos = this.pos;
    while (n >= 128n) {
      b[pos++] = Number(n & 0x7fn) | 0x80;
      n >>= 7n;
    }
    b[pos++] = Number(n);
    this.pos = pos;
  }

  int64(n: number): void {
    if (n >= 0 && n <= Number.MAX_SAFE_INTEGER) this.uint53(Math.trunc(n));
    else this.bigVarint(int64Bits(n));
  }

  float(v: number): void {
    this.view.setFloat32(this.pos, v, true);
    this.pos += 4;
  }

  double(v: number): void {
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  bytes(data: Uint8Array): void {
    if (this.chunks !== undefined && data.length >= this.chunkThreshold) {
      if (this.pos > this.flushed) this.chunks.push(this.buf.subarray(this.flushed, this.pos));
      this.chunks.push(data);
      this.flushed = this.pos;
      return;
    }
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  /** Encodes `s` as UTF-8 at the current position; `len` must be its UTF-8 byte length. */
  string(s: string, len: number): void {
    if (len === s.length && len < 64) {
      // short ASCII: a plain loop beats TextEncoder's call overhead
      const b = this.buf;
      let pos = this.pos;
      for (let i = 0; i < len; i++) b[pos++] = s.charCodeAt(i);
      this.pos = pos;
      return;
    }
    const { written } = encoder.encodeInto(s, this.buf.subarray(this.pos, this.pos + len));
    this.pos += written;
  }
}

/** UTF-8 byte length of a JavaScript string (lone surrogates count as U+FFFD, like TextEncoder). */
export function utf8Length(s: string): number {
  let len = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) len += 1;
    else if (c < 0x800) len += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        len += 4;
        i++;
      } else len += 3;
    } else len += 3;
  }
  return len;
}
