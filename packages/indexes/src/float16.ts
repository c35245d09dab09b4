// float32 <-> float16 (IEEE binary16) conversions, exact: float16 -> float32 is lossless and
// float32 -> float16 rounds to nearest, ties to even (as numpy's astype(np.float16) does).

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float16 bits of the float32 bit pattern `x` (round to nearest even; NaN stays NaN). */
function f32BitsToF16(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant === 0 ? 0 : 0x200 | (mant >>> 13));
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    let r = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && r & 1)) r++;
    return sign | r;
  }
  let r = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && r & 1)) r++;
  return sign | r;
}

let table: Float32Array | undefined;

/** All 65536 float16 values as float32 (built once, 256 KiB). */
function f16Table(): Float32Array {
  if (table) return table;
  table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const e = (h >>> 10) & 0x1f;
    const m = h & 0x3ff;
    if (e === 0) table[h] = sign * m * 2 ** -24;
    else if (e === 0x1f) table[h] = m === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
    else table[h] = sign * (1 + m / 1024) * 2 ** (e - 15);
  }
  return table;
}

/**
 * Convert to float16 bits. A number gives one bits value; an array gives a `Uint16Array`.
 * Numbers are first rounded to float32, then to float16 (round to nearest, ties to even),
 * which is what numpy does for `float32_array.astype(np.float16)`.
 *
 * @example
 * ```ts
 * float32ToFloat16Bits(1); // 0x3c00
 * float32ToFloat16Bits(new Float32Array([0.5, 65504])); // Uint16Array [0x3800, 0x7bff]
 * ```
 */
export function float32ToFloat16Bits(value: number): number;
export function float32ToFloat16Bits(values: Float32Array | ArrayLike<number>): Uint16Array;
export function float32ToFloat16Bits(input: number | Float32Array | ArrayLike<number>): number | Uint16Array {
  if (typeof input === "number") {
    f32[0] = input;
    return f32BitsToF16(u32[0]!);
  }
  const out = new Uint16Array(input.length);
  if (input instanceof Float32Array) {
    const bits = new Uint32Array(input.buffer, input.byteOffset, input.length);
    for (let i = 0; i < bits.length; i++) out[i] = f32BitsToF16(bits[i]!);
  } else {
    for (let i = 0; i < input.length; i++) {
      f32[0] = input[i]!;
      out[i] = f32BitsToF16(u32[0]!);
    }
  }
  return out;
}

/**
 * Convert float16 bits to float32 values (exact). A number gives a number; a `Uint16Array`
 * gives a `Float32Array`.
 *
 * @example
 * ```ts
 * float16BitsToFloat32(0x3c00); // 1
 * ```
 */
export function float16BitsToFloat32(bits: number): number;
export function float16BitsToFloat32(bits: Uint16Array | ArrayLike<number>): Float32Array;
export function float16BitsToFloat32(input: number | Uint16Array | ArrayLike<number>): number | Float32Array {
  const t = f16Table();
  if (typeof input === "number") return t[input & 0xffff]!;
  const out = new Float32Array(input.length);
  for (let i = 0; i < input.length; i++) out[i] = t[input[i]! & 0xffff]!;
  return out;
}
