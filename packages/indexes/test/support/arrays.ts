import { float32ToFloat16Bits } from "../../src/float16.ts";
import { patternKey } from "../../src/layout.ts";
import type { NpyArray } from "../../src/npy-dtype.ts";

/** Two pattern-shaped members (float32 and float16, [1, 4, n, n]) and an int64 one, deterministic. */
export function sampleArrays(n: number): Record<string, NpyArray> {
  const f = new Float32Array(4 * n * n).map((_, i) => ((i * 2654435761) % 1000) / 1000);
  return {
    [patternKey(0)]: { dtype: "<f4", shape: [1, 4, n, n], data: f },
    [patternKey(1)]: { dtype: "<f2", shape: [1, 4, n, n], data: float32ToFloat16Bits(f) },
    ids: { dtype: "<i8", shape: [n], data: BigInt64Array.from({ length: n }, (_, i) => BigInt(i * 1000)) },
  };
}
