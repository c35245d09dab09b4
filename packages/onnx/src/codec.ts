/**
 * Decode and encode ONNX protobuf messages. Decoding keeps every field it does not model as raw
 * bytes, and byte payloads (`rawData`, string attributes) are views into the input buffer, so a
 * 100 MB model decodes without copying its weights. Encoding writes known fields in field-number
 * order (as protobuf's C++ and Python writers do) with unknown fields merged back in by number, so
 * an unedited model re-encodes to the identical bytes.
 */
import { type FieldDef, MESSAGES, type MessageDef } from "./_schema.ts";
import { bigVarintSize, int64Size, Reader, uint53Size, utf8Length, Writer } from "./_wire.ts";
import { OnnxError, OnnxInternalError } from "./errors.ts";
import type { GraphProto, ModelProto, NodeProto, TensorProto, UnknownField } from "./types.ts";

type Obj = Record<string, unknown>;
type Part = number | bigint | ArrayLike<number> | ArrayLike<bigint>;

const textDecoder = new TextDecoder("utf-8", { fatal: true });

/** Returned for a string field whose bytes are not UTF-8: the field is kept as an unknown field. */
const NOT_UTF8 = Symbol("not utf-8");

function readString(buf: Uint8Array, start: number, end: number): string | typeof NOT_UTF8 {
  const n = end - start;
  if (n < 48) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (buf[i]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]);
  }
  try {
    return textDecoder.decode(buf.subarray(start, end));
  } catch {
    return NOT_UTF8;
  }
}

const lossyDecoder = new TextDecoder();

/** Decodes the payload of the length-delimited field encoded at `[tagStart, end)`, lossily. */
function lossyString(buf: Uint8Array, tagStart: number, end: number): string {
  const r = new Reader(buf.subarray(0, end));
  r.pos = tagStart;
  r.uint32(); // tag
  const stop = r.delimitedEnd(end);
  return lossyDecoder.decode(buf.subarray(r.pos, stop));
}

function expectedWireType(f: FieldDef): number {
  switch (f.kind) {
    case "int32":
    case "int64":
    case "uint64":
      return 0;
    case "float":
      return 5;
    case "double":
      return 1;
    default:
      return 2;
  }
}

function readScalar(
  r: Reader,
  f: FieldDef,
  end: number,
): number | bigint | string | Uint8Array | typeof NOT_UTF8 {
  switch (f.kind) {
    case "int32":
      return r.int32();
    case "int64":
      return f.typed === "i64" ? BigInt.asIntN(64, r.uint64Big()) : r.int64();
    case "uint64":
      return r.uint64Big();
    case "float":
      return r.float();
    case "double":
      return r.double();
    case "string": {
      const e = r.delimitedEnd(end);
      const s = readString(r.buf, r.pos, e);
      r.pos = e;
      return s;
    }
    default: {
      const e = r.delimitedEnd(end);
      const b = r.buf.subarray(r.pos, e);
      r.pos = e;
      return b;
    }
  }
}

/** Reads a packed chunk of a numeric field. */
function readPacked(r: Reader, f: FieldDef, end: number): Part {
  const e = r.delimitedEnd(end);
  if (f.kind === "float" || f.kind === "double") {
    const width = f.kind === "float" ? 4 : 8;
    if ((e - r.pos) % width !== 0)
      throw new OnnxError("PL_ONNX_CORRUPT", `packed ${f.name} has a partial value`);
    // copy into a fresh, aligned buffer (the host is little-endian like the wire)
    const copy = new Uint8Array(e - r.pos);
    copy.set(r.buf.subarray(r.pos, e));
    r.pos = e;
    return f.kind === "float" ? new Float32Array(copy.buffer) : new Float64Array(copy.buffer);
  }
  const out: (number | bigint)[] = [];
  while (r.pos < e) out.push(readScalar(r, f, e) as number | bigint);
  if (r.pos !== e) throw new OnnxError("PL_ONNX_CORRUPT", `packed ${f.name} overruns its length`);
  return out as Part;
}

function finishTyped(f: FieldDef, parts: Part[]): unknown {
  const flat: (number | bigint)[] = [];
  if (parts.length === 1 && typeof parts[0] === "object") {
    const only = parts[0];
    if (f.typed === "f32" && only instanceof Float32Array) return only;
    if (f.typed === "f64" && only instanceof Float64Array) return only;
  }
  for (const p of parts) {
    if (typeof p === "object") for (let i = 0; i < p.length; i++) flat.push(p[i]!);
    else flat.push(p);
  }
  switch (f.typed) {
    case "f32":
      return Float32Array.from(flat as number[]);
    case "f64":
      return Float64Array.from(flat as number[]);
    case "i32":
      return Int32Array.from(flat as number[]);
    case "i64":
      return BigInt64Array.from(flat as bigint[]);
    default:
      return BigUint64Array.from(flat as bigint[]);
  }
}

function decodeMessage(r: Reader, end: number, def: MessageDef, depth: number): Obj {
  if (depth > 64) throw new OnnxError("PL_ONNX_CORRUPT", "messages nested more than 64 deep");
  const obj: Obj = {};
  for (const f of def.fields) if (f.repeated) obj[f.name] = [];
  let unknown: UnknownField[] | undefined;
  while (r.pos < end) {
    const tagStart = r.pos;
    const tag = r.uint32();
    const no = tag >>> 3;
    const wt = tag & 7;
    if (no === 0) throw new OnnxError("PL_ONNX_CORRUPT", `field number 0 in ${def.name}`);
    const f = def.byNo[no];
    if (f !== undefined) {
      const want = expectedWireType(f);
      if (wt === want) {
        const value =
          f.kind === "message"
            ? decodeMessage(r, r.delimitedEnd(end), f.msg!, depth + 1)
            : readScalar(r, f, end);
        if (value === NOT_UTF8) {
          if (f.repeated) {
            // a list keeps its positions (node inputs!): decode lossily, with U+FFFD
            (obj[f.name] as unknown[]).push(lossyString(r.buf, tagStart, r.pos));
            continue;
          }
          // invalid UTF-8 in a single string field: keep its exact bytes, not a lossy decode
          if (unknown === undefined) unknown = [];
          unknown.push({ fieldNumber: no, bytes: r.buf.subarray(tagStart, r.pos) });
          continue;
        }
        if (f.repeated) (obj[f.name] as unknown[]).push(value);
        else obj[f.name] = value;
        continue;
      }
      if (wt === 2 && f.repeated && want !== 2) {
        const chunk = readPacked(r, f, end);
        const arr = obj[f.name] as Part[];
        if (Array.isArray(chunk)) for (const v of chunk) arr.push(v);
        else arr.push(chunk);
        continue;
      }
    }
    r.skip(wt, end);
    if (r.pos > end) throw new OnnxError("PL_ONNX_CORRUPT", `field ${no} of ${def.name} runs past its end`);
    if (unknown === undefined) unknown = [];
    unknown.push({ fieldNumber: no, bytes: r.buf.subarray(tagStart, r.pos) });
  }
  if (r.pos !== end) throw new OnnxError("PL_ONNX_CORRUPT", `${def.name} overruns its length`);
  for (const f of def.fields) if (f.typed !== undefined) obj[f.name] = finishTyped(f, obj[f.name] as Part[]);
  if (unknown !== undefined) obj.unknownFields = unknown;
  return obj;
}

// ---------------------------------------------------------------- encoding

interface EncodeContext {
  sizes: Map<object, number>;
  strLen: Map<string, number>;
  /** Total length of byte fields at or above `threshold` (passed through as chunks). */
  bigBytes: number;
  threshold: number;
}

function tagSize(no: number): number {
  return uint53Size(no * 8);
}

function strLength(ctx: EncodeContext, s: string): number {
  let n = ctx.strLen.get(s);
  if (n === undefined) {
    n = utf8Length(s);
    ctx.strLen.set(s, n);
  }
  return n;
}

function scalarSize(ctx: EncodeContext, f: FieldDef, v: unknown): number {
  switch (f.kind) {
    case "int32":
    case "int64":
      return typeof v === "bigint" ? bigVarintSize(BigInt.asUintN(64, v)) : int64Size(v as number);
    case "uint64":
      return bigVarintSize(BigInt.asUintN(64, BigInt(v as bigint)));
    case "float":
      return 4;
    case "double":
      return 8;
    case "string": {
      const n = strLength(ctx, v as string);
      return uint53Size(n) + n;
    }
    default: {
      const n = (v as Uint8Array).length;
      if (n >= ctx.threshold) ctx.bigBytes += n;
      return uint53Size(n) + n;
    }
  }
}

function packedPayloadSize(ctx: EncodeContext, f: FieldDef, values: ArrayLike<unknown>): number {
  if (f.kind === "float") return 4 * values.length;
  if (f.kind === "double") return 8 * values.length;
  let n = 0;
  for (let i = 0; i < values.length; i++) n += scalarSize(ctx, f, values[i]);
  return n;
}

function messageSize(ctx: EncodeContext, obj: Obj, def: MessageDef): number {
  let size = 0;
  for (const f of def.fields) {
    const v = obj[f.name];
    if (v === undefined) continue;
    const ts = tagSize(f.no);
    if (!f.repeated) {
      if (f.kind === "message") {
        const n = messageSize(ctx, v as Obj, f.msg!);
        size += ts + uint53Size(n) + n;
      } else size += ts + scalarSize(ctx, f, v);
      continue;
    }
    const arr = v as ArrayLike<unknown>;
    if (arr.length === 0) continue;
    if (f.packed) {
      const n = packedPayloadSize(ctx, f, arr);
      size += ts + uint53Size(n) + n;
    } else if (f.kind === "message") {
      for (let i = 0; i < arr.length; i++) {
        const n = messageSize(ctx, arr[i] as Obj, f.msg!);
        size += ts + uint53Size(n) + n;
      }
    } else {
      for (let i = 0; i < arr.length; i++) size += ts + scalarSize(ctx, f, arr[i]);
    }
  }
  const unknown = obj.unknownFields as UnknownField[] | undefined;
  if (unknown !== undefined) for (const u of unknown) size += u.bytes.length;
  ctx.sizes.set(obj, size);
  return size;
}

function writeScalar(w: Writer, ctx: EncodeContext, f: FieldDef, v: unknown): void {
  switch (f.kind) {
    case "int32":
    case "int64":
      if (typeof v === "bigint") w.bigVarint(BigInt.asUintN(64, v));
      else w.int64(v as number);
      return;
    case "uint64":
      w.bigVarint(BigInt.asUintN(64, BigInt(v as bigint)));
      return;
    case "float":
      w.float(v as number);
      return;
    case "double":
      w.double(v as number);
      return;
    case "string": {
      const n = strLength(ctx, v as string);
      w.uint53(n);
      w.string(v as string, n);
      return;
    }
    default: {
      const b = v as Uint8Array;
      w.uint53(b.length);
      w.bytes(b);
    }
  }
}

function writeField(w: Writer, ctx: EncodeContext, f: FieldDef, v: unknown): void {
  const wt = expectedWireType(f);
  if (!f.repeated) {
    w.uint53(f.no * 8 + wt);
    if (f.kind === "message") {
      w.uint53(ctx.sizes.get(v as Obj)!);
      writeMessage(w, ctx, v as Obj, f.msg!);
    } else writeScalar(w, ctx, f, v);
    return;
  }
  const arr = v as ArrayLike<unknown>;
  if (arr.length === 0) return;
  if (f.packed) {
    w.uint53(f.no * 8 + 2);
    w.uint53(packedPayloadSize(ctx, f, arr));
    if (f.kind === "float" || f.kind === "double") {
      const typed =
        arr instanceof Float32Array || arr instanceof Float64Array
          ? arr
          : f.kind === "float"
            ? Float32Array.from(arr as ArrayLike<number>)
            : Float64Array.from(arr as ArrayLike<number>);
      w.bytes(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength));
    } else for (let i = 0; i < arr.length; i++) writeScalar(w, ctx, f, arr[i]);
    return;
  }
  for (let i = 0; i < arr.length; i++) {
    w.uint53(f.no * 8 + wt);
    if (f.kind === "message") {
      w.uint53(ctx.sizes.get(arr[i] as Obj)!);
      writeMessage(w, ctx, arr[i] as Obj, f.msg!);
    } else writeScalar(w, ctx, f, arr[i]);
  }
}

function writeMessage(w: Writer, ctx: EncodeContext, obj: Obj, def: MessageDef): void {
  const unknown = obj.unknownFields as UnknownField[] | undefined;
  if (unknown === undefined || unknown.length === 0) {
    for (const f of def.fields) {
      const v = obj[f.name];
      if (v !== undefined) writeField(w, ctx, f, v);
    }
    return;
  }
  const pending = [...unknown].sort((a, b) => a.fieldNumber - b.fieldNumber);
  let u = 0;
  for (const f of def.fields) {
    while (u < pending.length && pending[u]!.fieldNumber < f.no) w.bytes(pending[u++]!.bytes);
    const v = obj[f.name];
    if (v !== undefined) writeField(w, ctx, f, v);
  }
  while (u < pending.length) w.bytes(pending[u++]!.bytes);
}

function decodeRoot<T>(bytes: Uint8Array, def: MessageDef): T {
  if (!(bytes instanceof Uint8Array)) {
    throw new OnnxError(
      "PL_ONNX_CORRUPT",
      "expected the model bytes as a Uint8Array (for example from readFile)",
    );
  }
  // a plain view: Node's Buffer.slice() shares memory, and views handed out must not be Buffers
  const plain =
    bytes.constructor === Uint8Array
      ? bytes
      : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new Reader(plain);
  return decodeMessage(r, plain.length, def, 0) as T;
}

function encodeRoot(obj: object, def: MessageDef): Uint8Array {
  const ctx: EncodeContext = {
    sizes: new Map(),
    strLen: new Map(),
    bigBytes: 0,
    threshold: Number.POSITIVE_INFINITY,
  };
  const size = messageSize(ctx, obj as Obj, def);
  const w = new Writer(size);
  writeMessage(w, ctx, obj as Obj, def);
  if (w.pos !== size) throw new OnnxInternalError(`encoded ${w.pos} bytes, expected ${size}`);
  return w.buf;
}

/** Bytes fields at least this long are passed through as chunks by {@link encodeModelChunks}. */
const CHUNK_THRESHOLD = 1 << 16;

/**
 * Encodes a model as a list of chunks whose concatenation is {@link encodeModel}'s output, without
 * copying big byte fields (weights): they appear as their own chunks. Write them with
 * `fs.promises.writeFile(path, chunks)` or a stream; this saves a full copy of the weights.
 */
export function encodeModelChunks(model: ModelProto): Uint8Array[] {
  const ctx: EncodeContext = { sizes: new Map(), strLen: new Map(), bigBytes: 0, threshold: CHUNK_THRESHOLD };
  const size = messageSize(ctx, model as unknown as Obj, MESSAGES.Model);
  const small = size - ctx.bigBytes;
  const w = new Writer(small, CHUNK_THRESHOLD);
  writeMessage(w, ctx, model as unknown as Obj, MESSAGES.Model);
  if (w.pos !== small) throw new OnnxInternalError(`encoded ${w.pos} small bytes, expected ${small}`);
  return w.finishChunks();
}

/**
 * Decodes the bytes of an `.onnx` file. Byte payloads in the result are views into `bytes`: keep
 * it alive and unchanged while you use the model.
 * @throws {OnnxError} `PL_ONNX_CORRUPT` when the bytes are not a valid ModelProto.
 * @example
 * const model = decodeModel(await readFile("model.onnx"));
 * console.log(model.graph?.node.length);
 */
export function decodeModel(bytes: Uint8Array): ModelProto {
  return decodeRoot<ModelProto>(bytes, MESSAGES.Model);
}

/**
 * Encodes a model to protobuf bytes (one allocation of the exact size). An unedited decoded model
 * gives back the bytes it was decoded from when they were written by protobuf's C++ or Python
 * library.
 * @example
 * model.graph!.output.push({ name: "attn_probs", metadataProps: [] });
 * await writeFile("edited.onnx", encodeModel(model));
 */
export function encodeModel(model: ModelProto): Uint8Array {
  return encodeRoot(model, MESSAGES.Model);
}

/** Decodes a serialized `GraphProto`. @throws {OnnxError} `PL_ONNX_CORRUPT` */
export function decodeGraph(bytes: Uint8Array): GraphProto {
  return decodeRoot<GraphProto>(bytes, MESSAGES.Graph);
}

/** Encodes a `GraphProto`. */
export function encodeGraph(graph: GraphProto): Uint8Array {
  return encodeRoot(graph, MESSAGES.Graph);
}

/** Decodes a serialized `TensorProto` (for example an ONNX test-data `.pb` file). @throws {OnnxError} `PL_ONNX_CORRUPT` */
export function decodeTensor(bytes: Uint8Array): TensorProto {
  return decodeRoot<TensorProto>(bytes, MESSAGES.Tensor);
}

/** Encodes a `TensorProto`. */
export function encodeTensor(tensor: TensorProto): Uint8Array {
  return encodeRoot(tensor, MESSAGES.Tensor);
}

/** Decodes a serialized `NodeProto`. @throws {OnnxError} `PL_ONNX_CORRUPT` */
export function decodeNode(bytes: Uint8Array): NodeProto {
  return decodeRoot<NodeProto>(bytes, MESSAGES.Node);
}
