// A 32-layer x 32-head model (1,024 heads) for the head-grid bench and screenshots: the patterns of
// bench/synth-model.mjs at 64 tokens (previous-token, BOS-sink, local, induction, self and diffuse
// heads, in turn), and a head_metrics.jsonl whose metrics follow those kinds (plus noise), so the
// metrics heatmap shows structure. Deterministic; rewritten when missing.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { synthModel } from "./synth-model.mjs";

const KINDS = ["prev_token", "bos", "local", "induction", "self", "diffuse"];

/** Writes the folder (if missing) and returns `{ dir, model, hash }`. */
export async function synthBigModel(dir, { layers = 32, heads = 32, n = 64 } = {}) {
  const r = await synthModel(dir, { n, layers, heads });
  const path = join(dir, r.model, "head_metrics.jsonl");
  if (!existsSync(path)) {
    let seed = 5;
    const rnd = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const lines = [];
    for (let l = 0; l < layers; l++)
      for (let h = 0; h < heads; h++) {
        const kind = KINDS[(l * 5 + h) % 6];
        for (const metric of KINDS.slice(0, 5)) {
          const mean = (metric === kind ? 0.6 + 0.3 * rnd() : 0.15 * rnd()) * (0.7 + (0.3 * l) / layers);
          lines.push(
            JSON.stringify({ layer: l, head: h, metric, mean, std: 0.05 * rnd(), count: 1, excluded: 0 }),
          );
        }
      }
    writeFileSync(path, `${lines.join("\n")}\n`);
  }
  return r;
}
