import { float16BitsToFloat32 } from "./float16.ts";
import type { NpyArray } from "./npy-dtype.ts";

/**
 * The array's values as float32, whatever its dtype: `<f4` returns `arr.data` itself (no copy);
 * `<f2` is converted exactly; `<f8` and integers are rounded to the nearest float32; bool
 * gives 0/1.
 *
 * @example
 * ```ts
 * const p = toFloat32(decodeNpz(bytes).get(patternKey(0))!); // [1, n_heads, n, n] flat
 * ```
 */
export function toFloat32(arr: NpyArray): Float32Array {
  const { dtype, data } = arr;
  if (dtype === "<f4") return data as Float32Array;
  if (dtype === "<f2") return float16BitsToFloat32(data as Uint16Array);
  const out = new Float32Array(data.length);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < data.length; i++) out[i] = Number(data[i]!);
  } else {
    out.set(data as ArrayLike<number>);
  }
  return out;
}
