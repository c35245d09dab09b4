// Where the pattern view gets heads from: a data folder (Range-loaded layers) or arrays set directly.
import { patternKey } from "@pattern-lens/indexes";
import { ViewerError } from "./errors.ts";
import { loadLayer, openActivations } from "./layer-loader.ts";

/**
 * Patterns given to `<pattern-lens-pattern>` directly, without a data folder: `layers[l]` is
 * layer `l` as a `Float32Array` `[nHeads, n, n]`, row-major (missing layers may be `undefined`).
 */
export interface PatternData {
  /** One `Float32Array` `[nHeads, n, n]` per layer. */
  layers: readonly (Float32Array | undefined)[];
  /** Heads per layer. */
  nHeads: number;
  /** The stored token pieces (labels are decoded by `tokenLabels`). */
  tokens: readonly string[];
}

/** Shapes and heads of one prompt's patterns. */
export interface HeadSource {
  nLayers: number;
  /** `n` and heads of a layer (a data folder reads the member's header first). */
  info(layer: number): { n: number; nHeads: number } | Promise<{ n: number; nHeads: number }>;
  /** One head, `n`×`n` row-major: at once when in memory, else when it has streamed in. */
  head(layer: number, head: number): Float32Array | Promise<Float32Array>;
}

/** Heads read from arrays in memory. */
export function arraySource(d: PatternData): HeadSource {
  const first = d.layers.find((l) => l !== undefined);
  const n = first ? Math.round(Math.sqrt(first.length / Math.max(1, d.nHeads))) : 0;
  if (first && n * n * d.nHeads !== first.length) {
    throw new ViewerError(
      "PL_VIEWER_DATA",
      `a layer of ${first.length} values is not [${d.nHeads}, n, n]: pass nHeads and Float32Array layers [heads, n, n]`,
    );
  }
  const layer = (l: number) => {
    const a = d.layers[l];
    if (!a) throw new ViewerError("PL_VIEWER_DATA", `no patterns for layer ${l}`);
    return a;
  };
  return {
    nLayers: d.layers.length,
    info(l) {
      layer(l);
      return { n, nHeads: d.nHeads };
    },
    head(l, h) {
      if (h < 0 || h >= d.nHeads)
        throw new ViewerError("PL_VIEWER_DATA", `no head ${h} (layer ${l} has ${d.nHeads})`);
      return layer(l).subarray(h * n * n, (h + 1) * n * n);
    },
  };
}

/** Heads of a prompt in a data folder: each layer is one Range-loaded npz member. */
export async function folderSource(base: string, model: string, hash: string): Promise<HeadSource> {
  const dir = await openActivations(base, model, hash);
  const has = new Set(dir.layers);
  const layer = (l: number) => {
    if (!has.has(l)) throw new ViewerError("PL_VIEWER_DATA", `activations.npz has no ${patternKey(l)}`);
    return loadLayer(base, model, hash, l);
  };
  return {
    nLayers: dir.layers.length,
    info(l) {
      const x = layer(l);
      if (x.nHeads > 0) return { n: x.n, nHeads: x.nHeads };
      return x.ready.then(() => ({ n: x.n, nHeads: x.nHeads }));
    },
    head(l, h) {
      const x = layer(l);
      const d = x.heads[h];
      if (d) return d;
      return x.ready.then(() => {
        if (h < 0 || h >= x.nHeads) {
          throw new ViewerError("PL_VIEWER_DATA", `${patternKey(l)} has ${x.nHeads} heads: no head ${h}`);
        }
        return x.head(h);
      });
    },
  };
}
