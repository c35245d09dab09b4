import { ActivationsError } from "./errors.ts";
import type { HostTensor, ValueMeta } from "./ort.ts";

/** A right-padded batch of token id rows. */
export interface TokenBatch {
  /** Token ids per prompt (BOS included when prepended); rows may differ in length. */
  rows: readonly (readonly number[])[];
  /** Id used for padding positions (masked out). */
  padId: number;
}

const PAST = /^(past|past_key_values|pkv|cache)[._]/i;

function intTensor(
  type: string | undefined,
  name: string,
  dims: number[],
  values: (i: number) => number,
): HostTensor {
  const n = dims.reduce((a, b) => a * b, 1);
  if (type === "int64") {
    const data = new BigInt64Array(n);
    for (let i = 0; i < n; i++) data[i] = BigInt(values(i));
    return { type: "int64", dims, data };
  }
  if (type === "int32") {
    const data = new Int32Array(n);
    for (let i = 0; i < n; i++) data[i] = values(i);
    return { type: "int32", dims, data };
  }
  throw new ActivationsError(
    "PL_ACTIVATIONS_MODEL_INPUT_UNSUPPORTED",
    `model input '${name}' has type ${type}; pattern-lens feeds it as int64 or int32 only.`,
  );
}

/** Resolves a past-cache input's dims: batch dims become `batch`, every other symbolic dim 0. */
function pastDims(meta: ValueMeta, batch: number): number[] {
  const shape = meta.shape ?? [];
  return shape.map((d, i) => {
    if (typeof d === "number") return d;
    if (/batch/i.test(d) || (d === "" && i === 0)) return batch;
    return 0;
  });
}

/**
 * Builds every input of a decoder session from its own metadata: `input_ids`, `attention_mask`
 * (1 for tokens, 0 for padding), `position_ids` (0..n-1 per row), zero-length past key/values
 * (`past_key_values.*`, `past_*`), `use_cache_branch` (false). Integer inputs get the type the
 * model declares (int64 or int32).
 * @throws {ActivationsError} `PL_ACTIVATIONS_MODEL_INPUT_UNSUPPORTED` naming an input it cannot fill.
 */
export function buildFeeds(inputs: readonly ValueMeta[], batch: TokenBatch): Record<string, HostTensor> {
  const b = batch.rows.length;
  const s = Math.max(...batch.rows.map((r) => r.length));
  const feeds: Record<string, HostTensor> = {};
  for (const meta of inputs) {
    const name = meta.name;
    if (name === "input_ids") {
      feeds[name] = intTensor(meta.type, name, [b, s], (i) => {
        const row = batch.rows[Math.floor(i / s)] ?? [];
        return row[i % s] ?? batch.padId;
      });
    } else if (name === "attention_mask") {
      feeds[name] = intTensor(meta.type, name, [b, s], (i) =>
        i % s < (batch.rows[Math.floor(i / s)]?.length ?? 0) ? 1 : 0,
      );
    } else if (name === "position_ids") {
      feeds[name] = intTensor(meta.type, name, [b, s], (i) => {
        const len = batch.rows[Math.floor(i / s)]?.length ?? 0;
        const p = i % s;
        return p < len ? p : Math.max(0, len - 1);
      });
    } else if (name === "use_cache_branch") {
      const dims = (meta.shape ?? [1]).map((d) => (typeof d === "number" ? d : 1));
      if (meta.type !== "bool")
        throw new ActivationsError(
          "PL_ACTIVATIONS_MODEL_INPUT_UNSUPPORTED",
          `model input 'use_cache_branch' has type ${meta.type}, expected bool.`,
        );
      feeds[name] = { type: "bool", dims, data: new Uint8Array(dims.reduce((x, y) => x * y, 1)) };
    } else if (PAST.test(name) && (meta.type === "float32" || meta.type === "float16")) {
      const dims = pastDims(meta, b);
      const n = dims.reduce((x, y) => x * y, 1);
      feeds[name] =
        meta.type === "float32"
          ? { type: "float32", dims, data: new Float32Array(n) }
          : { type: "float16", dims, data: new Uint16Array(n) };
    } else {
      throw new ActivationsError(
        "PL_ACTIVATIONS_MODEL_INPUT_UNSUPPORTED",
        `model input '${name}' (${meta.type ?? "non-tensor"}, shape [${(meta.shape ?? []).join(", ")}]) cannot be filled: pattern-lens feeds input_ids, attention_mask, position_ids, past_key_values.*, use_cache_branch. Export the model without this input.`,
      );
    }
  }
  return feeds;
}
