/**
 * The head selection grammar of the browse view: comma-separated items `L<layers>H<heads>`, where
 * each of `<layers>` and `<heads>` is `*` or `x` (all), a number `3`, or an inclusive range `2-4`.
 * Spaces are ignored and `l`/`h` may be lower case. `L2-4H3, L*H0` selects head 3 of layers 2..4
 * and head 0 of every layer.
 */

/** A set of selected heads of one model as `"layer,head"` keys; see {@link headKey}. */
export type HeadSet = Set<string>;

/** The key of one head in a {@link HeadSet}. */
export function headKey(layer: number, head: number): string {
  return `${layer},${head}`;
}

/** The result of {@link parseHeadSelection}: the heads, or the first error with its position. */
export type HeadSelectionResult = { ok: true; heads: HeadSet } | { ok: false; error: string };

const ITEM = /^L(\*|x|\d+(?:-\d+)?)H(\*|x|\d+(?:-\d+)?)$/i;

function expand(spec: string, count: number, what: string): number[] | string {
  if (spec === "*" || spec.toLowerCase() === "x") return Array.from({ length: count }, (_, i) => i);
  const [a, b = a] = spec.split("-");
  const lo = Number(a);
  const hi = Number(b);
  if (lo > hi) return `${what} range ${spec} is backwards`;
  if (hi >= count) return `${what} ${hi} does not exist (the model has ${count}: 0..${count - 1})`;
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}

/**
 * Parses a head selection for a model with `nLayers` layers and `nHeads` heads per layer.
 * An empty string selects nothing.
 *
 * @example
 * parseHeadSelection("L2-4H3, L*H0", 6, 4); // { ok: true, heads: Set { "2,3", "3,3", "4,3", "0,0", ... } }
 */
export function parseHeadSelection(text: string, nLayers: number, nHeads: number): HeadSelectionResult {
  const heads: HeadSet = new Set();
  const items = text
    .replace(/\s+/g, "")
    .split(/[,;]/)
    .filter((s) => s !== "");
  for (const item of items) {
    const m = ITEM.exec(item);
    if (!m) return { ok: false, error: `'${item}' is not like L2H3, L2-4H*, LxH1 or L*H*` };
    const layers = expand(m[1]!, nLayers, "layer");
    if (typeof layers === "string") return { ok: false, error: layers };
    const hs = expand(m[2]!, nHeads, "head");
    if (typeof hs === "string") return { ok: false, error: hs };
    for (const l of layers) for (const h of hs) heads.add(headKey(l, h));
  }
  return { ok: true, heads };
}

function ranges(values: number[], count: number): string {
  if (values.length === count && count > 0) return "*";
  const out: string[] = [];
  let i = 0;
  while (i < values.length) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j]! + 1) j++;
    out.push(i === j ? `${values[i]}` : `${values[i]}-${values[j]}`);
    i = j + 1;
  }
  return out.join("|");
}

/**
 * Writes a head set back in the grammar, as compactly as it can: whole layers become `H*`,
 * runs become ranges and consecutive layers with the same heads merge (`L*H*` for everything).
 * `parseHeadSelection(formatHeadSelection(s, L, H), L, H)` gives `s` back.
 */
export function formatHeadSelection(heads: HeadSet, nLayers: number, nHeads: number): string {
  const perLayer: string[][] = [];
  for (let l = 0; l < nLayers; l++) {
    const hs: number[] = [];
    for (let h = 0; h < nHeads; h++) if (heads.has(headKey(l, h))) hs.push(h);
    // A head spec may hold several runs ("0|2-3"); each run becomes its own item.
    perLayer.push(hs.length === 0 ? [] : ranges(hs, nHeads).split("|"));
  }
  const items: string[] = [];
  // Merge consecutive layers that share a head run.
  const specs = new Set(perLayer.flat());
  for (const spec of specs) {
    const layers = perLayer.flatMap((runs, l) => (runs.includes(spec) ? [l] : []));
    for (const run of ranges(layers, nLayers).split("|")) items.push(`L${run}H${spec}`);
  }
  return items.join(", ");
}
