/** The figure grid's items: the cartesian product of the selection, sorted and coloured. */
import { CATEGORICAL } from "./colormaps.ts";
import type { FigureInfo, ModelInfo, PromptInfo } from "./data.ts";
import { type HeadSet, parseHeadSelection } from "./head-selection.ts";
import { GRID_KEYS, type GridKey, type ViewerState } from "./url-state.ts";

/** One figure of the grid. */
export interface GridItem {
  /** Model folder name. */
  model: string;
  /** Prompt hash. */
  prompt: string;
  /** Layer index. */
  layer: number;
  /** Head index. */
  head: number;
  /** Figure name (file stem). */
  figure: string;
  /** Figure file format (png, svg, svgz). */
  fmt: string;
}

/** The head set of each selected model (invalid selections select nothing). */
export function headSets(state: ViewerState, models: ModelInfo[]): Map<string, HeadSet> {
  const out = new Map<string, HeadSet>();
  for (const m of models) {
    const r = parseHeadSelection(state.heads[m.dir] ?? "", m.nLayers, m.nHeads);
    out.set(m.dir, r.ok ? r.heads : new Set());
  }
  return out;
}

/** Every figure the selection asks for, sorted by `state.sortBy` first, then the other keys. */
export function gridItems(
  state: ViewerState,
  models: ModelInfo[],
  figures: FigureInfo[],
  prompts: Map<string, PromptInfo[]>,
): GridItem[] {
  const sets = headSets(state, models);
  const selPrompts = new Set(state.prompts);
  const selFigures = figures.filter((f) => state.figures.includes(f.name));
  const items: GridItem[] = [];
  const modelOrder = new Map<string, number>();
  const promptOrder = new Map<string, number>();
  state.prompts.forEach((p, i) => {
    promptOrder.set(p, i);
  });
  const figOrder = new Map(figures.map((f, i) => [f.name, i]));
  for (const m of models) {
    if (!state.models.includes(m.dir)) continue;
    modelOrder.set(m.dir, modelOrder.size);
    const heads = [...(sets.get(m.dir) ?? [])].map((k) => k.split(",").map(Number) as [number, number]);
    for (const p of prompts.get(m.dir) ?? []) {
      if (!selPrompts.has(p.hash)) continue;
      for (const [layer, head] of heads)
        for (const f of selFigures)
          items.push({ model: m.dir, prompt: p.hash, layer, head, figure: f.name, fmt: f.fmt });
    }
  }
  const rank: Record<GridKey, (it: GridItem) => number> = {
    model: (it) => modelOrder.get(it.model) ?? 0,
    prompt: (it) => promptOrder.get(it.prompt) ?? 0,
    layer: (it) => it.layer,
    head: (it) => it.head,
    function: (it) => figOrder.get(it.figure) ?? 0,
  };
  const keys = [state.sortBy, ...GRID_KEYS.filter((k) => k !== state.sortBy)];
  return items.sort((a, b) => {
    for (const k of keys) {
      const d = rank[k](a) - rank[k](b);
      if (d !== 0) return d;
    }
    return 0;
  });
}

/** The value of a grid key for an item, as shown in legends. */
export function keyValue(it: GridItem, key: GridKey): string {
  switch (key) {
    case "model":
      return it.model;
    case "prompt":
      return it.prompt;
    case "layer":
      return `L${it.layer}`;
    case "head":
      return `H${it.head}`;
    case "function":
      return it.figure;
  }
}

/** Assigns each distinct value of `key` a categorical colour, in order of first appearance. */
export function colourMap(items: GridItem[], key: GridKey): Map<string, string> {
  const out = new Map<string, string>();
  for (const it of items) {
    const v = keyValue(it, key);
    if (!out.has(v)) out.set(v, CATEGORICAL[out.size % CATEGORICAL.length]!);
  }
  return out;
}
