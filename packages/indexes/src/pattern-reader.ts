import { IndexesError } from "./errors.ts";
import { patternKey } from "./layout.ts";
import { type NpzReader, openNpzReaderSync } from "./npz-reader.ts";
import {
  checkPatternLayer,
  extraLayerProblem,
  maxPatternMemberBytes,
  type PatternExpectation,
  type PatternLayer,
} from "./pattern-shape.ts";
import { toFloat32 } from "./to-float32.ts";

/** A prompt's checked patterns, read one layer at a time; see {@link openPatternLayersSync}. */
export interface PatternLayers {
  readonly nLayers: number;
  /** Layer `l` as float32 `[nHeads, n, n]`: kept from the check, or read again (and checked again). */
  layer(l: number): PatternLayer;
  /** Closes the archive. */
  close(): void;
}

/**
 * Archives whose layers decode to at most this many bytes keep them from the check to the use
 * (one read); larger ones are read twice, one layer at a time, so they never sit in memory whole.
 */
export const KEEP_LAYERS_BYTES = 64 * 1024 * 1024;

/**
 * Opens a prompt's `activations.npz` and checks every layer against `expect` (shape, heads, size,
 * finite values, no layer beyond `nLayers`) one member at a time, before the caller uses any: a
 * wrong archive is refused whole, as `checkPatternLayers` refuses it. Memory: one layer at a time
 * for archives over `keepBytes` decoded (default {@link KEEP_LAYERS_BYTES}; each layer is then read
 * again when asked for), every layer for smaller ones. Members are bounded by
 * `maxPatternMemberBytes(expect)`.
 *
 * @throws {@link IndexesError} as `openNpzReaderSync` and its reads (missing or corrupt file);
 *   `layer` throws `PL_INDEXES_NPZ_CORRUPT` when a layer read again no longer passes the check.
 * @example
 * ```ts
 * const opened = openPatternLayersSync(activationsPath(save, model, hash), expect);
 * if ("problem" in opened) return skip(opened.problem);
 * try {
 *   for (let l = 0; l < opened.nLayers; l++) use(opened.layer(l));
 * } finally {
 *   opened.close();
 * }
 * ```
 */
export function openPatternLayersSync(
  path: string,
  expect: PatternExpectation,
  opts: {
    keepBytes?: number;
    /**
     * Called with each layer as the check reaches it, before later layers are checked: for a
     * caller that can use a layer before knowing the archive is right, and discard what it made
     * if a later layer is refused (metrics), so each layer is decoded once.
     */
    onChecked?: (l: number, layer: PatternLayer) => void;
  } = {},
): PatternLayers | { problem: string } {
  const npz: NpzReader = openNpzReaderSync(path, { maxMemberBytes: maxPatternMemberBytes(expect) });
  try {
    let decoded = 0;
    for (const name of npz.names) decoded += npz.sizeOf(name) ?? 0;
    const keep = decoded <= (opts.keepBytes ?? KEEP_LAYERS_BYTES);
    const read = (l: number, size?: number) => {
      const key = patternKey(l);
      return checkPatternLayer(npz.has(key) ? npz.readSync(key) : undefined, l, expect, toFloat32, size);
    };
    const kept: PatternLayer[] = [];
    let n: number | undefined;
    for (let l = 0; l < expect.nLayers; l++) {
      const checked = read(l, n);
      if ("problem" in checked) {
        npz.close();
        return checked;
      }
      n = checked.n;
      opts.onChecked?.(l, checked);
      if (keep) kept.push(checked);
    }
    const extra = extraLayerProblem((k) => npz.has(k), expect);
    if (extra) {
      npz.close();
      return { problem: extra };
    }
    return {
      nLayers: expect.nLayers,
      layer(l) {
        const got = kept[l] ?? read(l, n);
        if ("problem" in got) {
          throw new IndexesError(
            "PL_INDEXES_NPZ_CORRUPT",
            `${path} changed while it was read: ${got.problem}`,
          );
        }
        return got;
      },
      close: () => void npz.close(),
    };
  } catch (e) {
    npz.close();
    throw e;
  }
}
