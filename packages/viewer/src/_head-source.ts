// Where the pattern view gets heads from: a data folder (Range-loaded layers) or arrays set directly.
import { patternKey } from "@pattern-lens/indexes";
import { ViewerError } from "./errors.ts";
import { loadLayer, openActivations } from "./layer-loader.ts";
import type { InMemoryPatterns } from "./pattern-element.ts";

/** Shapes and heads of one prompt's patterns. */
export interface HeadSource {
  nLayers: number;
  /** `n` and heads of a layer (a data folder reads the member's header first). */
  info(layer: number): { n: number; nHeads: number } | Promise<{ n: number; nHeads: number }>;
  /** One head, `n`×`n` row-major: at once when in memory, else when it has streamed in. */
  head(layer: number, head: number): Float32Array | Promise<Float32Array>;
}

/** Heads read from arrays in memory: `n` is the number of token ids, every layer `[heads, n, n]`. */
export function arraySource(p: InMemoryPatterns): HeadSource {
  const n = p.tokenIds.length;
  const first = p.layers[0];
  const nHeads = first && n > 0 ? first.length / (n * n) : 0;
  if (!Number.isInteger(nHeads) || p.layers.some((l) => l.length !== first?.length)) {
    throw new ViewerError(
      "PL_VIEWER_DATA",
      `layers of ${first?.length} values are not [heads, ${n}, ${n}] for ${n} token ids: pass one Float32Array [heads, n, n] per layer`,
    );
  }
  const layer = (l: number) => {
    const a = p.layers[l];
    if (!a)
      throw new ViewerError("PL_VIEWER_DATA", `no patterns for layer ${l} (there are ${p.layers.length})`);
    return a;
  };
  return {
    nLayers: p.layers.length,
    info(l) {
      layer(l);
      return { n, nHeads };
    },
    head(l, h) {
      if (h < 0 || h >= nHeads)
        throw new ViewerError("PL_VIEWER_DATA", `no head ${h} (layer ${l} has ${nHeads})`);
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
