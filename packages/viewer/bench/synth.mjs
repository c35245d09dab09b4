// Synthesises a 2,048-token data folder entry for the pattern-view benchmark.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeNpz } from "@pattern-lens/indexes";

/** A causal 2,048-token pattern: random softmax rows, two heads. */
export function synth(dir, n = 2048, heads = 2) {
  const hash = "bench2048tokensAAAAAAA";
  const pdir = join(dir, "synth", "prompts", hash);
  mkdirSync(pdir, { recursive: true });
  const data = new Float32Array(heads * n * n);
  let seed = 1;
  const rnd = () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  for (let h = 0; h < heads; h++)
    for (let q = 0; q < n; q++) {
      const row = h * n * n + q * n;
      let sum = 0;
      for (let k = 0; k <= q; k++) {
        const v = Math.exp(4 * rnd() ** 4);
        data[row + k] = v;
        sum += v;
      }
      for (let k = 0; k <= q; k++) data[row + k] /= sum;
    }
  const npz = encodeNpz(
    { "blocks.0.attn.hook_pattern": { dtype: "<f4", shape: [1, heads, n, n], data } },
    { compressLevel: 1 },
  );
  writeFileSync(join(pdir, "activations.npz"), npz);
  const words = ["the", "Ġcat", "Ġsat", "Ġon", "Ġa", "Ġmat", ".", "Ċ"];
  const tokens = Array.from({ length: n - 1 }, (_, i) => words[i % words.length]);
  writeFileSync(
    join(pdir, "prompt.json"),
    JSON.stringify({ text: "synthetic", hash, n_tokens: n - 1, tokens }),
  );
  writeFileSync(
    join(dir, "bench-pattern.html"),
    `<!doctype html><meta charset="utf-8"><script type="module" src="./pattern-lens-viewer.js"></script>
<pattern-lens-pattern src="./" model="synth" prompt="${hash}" layer="0" head="0" style="--pl-heatmap-size: 768px"></pattern-lens-pattern>`,
  );
  return { hash, bytes: npz.length };
}
