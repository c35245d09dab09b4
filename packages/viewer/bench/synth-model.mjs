// Synthesises a GPT-2-small-shaped data folder for the viewer benchmark and screenshots: one prompt of
// 2,000 tokens, 12 layers x 12 heads, every row a softmax over the causal keys (float32, deflate
// level 1: ~1 GB activations.npz, as `pattern-lens activations` writes for gpt2 at this length).
// Heads have the shapes real ones have (previous token, BOS sink, local window, induction on the
// repeated second half, self, diffuse) plus noise, so that zoomed screenshots look like patterns.
// Tokens are GPT-2 byte-level pieces (whole words; one emoji split over two pieces) with ’ é CJK.
// Deterministic: the folder is reused when it exists (delete it to rebuild).
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { patternKey } from "@pattern-lens/indexes";
import { openNpzWriter } from "@pattern-lens/indexes/node";

export const SYNTH_MODEL = "gpt2-synth";
export const SYNTH_HASH = "synth2000tokensAAAAAAA";

function byteLevelTable() {
  const table = [];
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table.push(String.fromCharCode(printable ? b : 256 + shifted++));
  }
  return table;
}

const TEXT =
  "It’s a café in 東京 where the model reads 🙂 and writes: the quick brown fox jumps over the lazy dog. " +
  "Attention heads look back at earlier tokens, at the first token, or at the token after an earlier copy of this one. ";

/** `n - 1` byte-level pieces (the BOS comes first in the pattern): words with their leading space. */
function pieces(n) {
  const t = byteLevelTable();
  const enc = new TextEncoder();
  const words = TEXT.match(/ ?[^ ]+/g);
  const out = [];
  const half = Math.floor((n - 1) / 2);
  for (let i = 0; out.length < half; i++) {
    const w = words[i % words.length];
    const bytes = [...enc.encode(w)];
    if (w.includes("🙂")) {
      // split the emoji's four bytes over two pieces, as a BPE with no merge for it does
      const at = bytes.length - 2;
      out.push(
        bytes
          .slice(0, at)
          .map((b) => t[b])
          .join(""),
        bytes
          .slice(at)
          .map((b) => t[b])
          .join(""),
      );
    } else out.push(bytes.map((b) => t[b]).join(""));
  }
  out.length = half;
  // The second half repeats the first: induction heads have something to find.
  return [...out, ...out].concat(out.slice(0, n - 1 - 2 * half));
}

/** Writes the folder (if missing) and returns its paths. */
export async function synthModel(dir, { n = 2000, layers = 12, heads = 12 } = {}) {
  const pdir = join(dir, SYNTH_MODEL, "prompts", SYNTH_HASH);
  const npzPath = join(pdir, "activations.npz");
  const tokens = pieces(n);
  if (!existsSync(npzPath)) {
    mkdirSync(pdir, { recursive: true });
    let seed = 1;
    const rnd = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const half = (n - 1) >> 1;
    const w = await openNpzWriter(npzPath, { compressLevel: 1 }); // atomic: nothing at npzPath before close
    for (let l = 0; l < layers; l++) {
      const data = new Float32Array(heads * n * n);
      for (let h = 0; h < heads; h++) {
        const kind = (l * 5 + h) % 6;
        const tau = 2 + ((l + h) % 5) * 4;
        for (let q = 0; q < n; q++) {
          const row = h * n * n + q * n;
          let sum = 0;
          for (let k = 0; k <= q; k++) {
            let v = 0.02 * rnd() ** 6;
            if (kind === 2) v += Math.exp(-(q - k) / tau);
            sum += v;
            data[row + k] = v;
          }
          const peak = (k, w) => {
            if (k >= 0 && k <= q) {
              data[row + k] += w;
              sum += w;
            }
          };
          if (kind === 0) peak(q - 1, 3);
          if (kind === 1) peak(0, 4);
          if (kind === 3) peak(q > half ? q - half + 1 : 0, 3);
          if (kind === 4) peak(q, 2);
          if (kind === 5) for (let k = q % 7; k <= q; k += 7) peak(k, 0.05);
          peak(0, 0.05 + 0.3 * rnd());
          for (let k = 0; k <= q; k++) data[row + k] /= sum;
        }
      }
      await w.add(patternKey(l), { dtype: "<f4", shape: [1, heads, n, n], data });
    }
    await w.close();
  }
  // the prompt's text is what the pieces spell (byte-level pieces mapped back to UTF-8 bytes)
  const byte = new Map(byteLevelTable().map((ch, b) => [ch, b]));
  const text = new TextDecoder().decode(Uint8Array.from([...tokens.join("")].map((ch) => byte.get(ch))));
  const prompt = { text, hash: SYNTH_HASH, n_tokens: n - 1, tokens, meta: { pile_set_name: "synthetic" } };
  writeFileSync(join(pdir, "prompt.json"), JSON.stringify(prompt));
  writeFileSync(join(dir, SYNTH_MODEL, "prompts.jsonl"), `${JSON.stringify(prompt)}\n`);
  const cfg = {
    model_name: SYNTH_MODEL,
    sanitized_name: SYNTH_MODEL,
    n_layers: layers,
    n_heads: heads,
    d_model: 768,
    n_ctx: 2048,
    d_vocab: 50257,
  };
  writeFileSync(join(dir, SYNTH_MODEL, "model_cfg.json"), JSON.stringify(cfg));
  writeFileSync(join(dir, "models.jsonl"), `${JSON.stringify(cfg)}\n`);
  writeFileSync(join(dir, "figures.jsonl"), "");
  return { dir, npzPath, model: SYNTH_MODEL, hash: SYNTH_HASH, n };
}

/** Removes a synthesised folder. */
export function removeSynth(dir) {
  rmSync(dir, { recursive: true, force: true });
}
