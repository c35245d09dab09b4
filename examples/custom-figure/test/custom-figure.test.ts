import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { decodePng, getColormap } from "@pattern-lens/figure-util";
import { runFigures } from "@pattern-lens/figures";
import { describe, expect, it } from "vitest";
import { sharedPath } from "#test-support/shared.ts";
import { singularValues, symmetricEigenvalues } from "../src/singular-values.ts";

const MODULE = fileURLToPath(new URL("../src/figures.ts", import.meta.url));
const MODEL = "pythia-14m";

/** Two prompts of the shared Python-written demo, copied to a writable temp data folder. */
function smallDataFolder(): { save: string; prompts: { hash: string; tokens: string[] }[] } {
  const src = join(sharedPath("reference", "pattern-lens-demo"), MODEL);
  const save = mkdtempSync(join(tmpdir(), "pl-example-"));
  const lines = readFileSync(join(src, "prompts.jsonl"), "utf8").trim().split("\n").slice(0, 2);
  const prompts = lines.map((l) => JSON.parse(l) as { hash: string; tokens: string[] });
  mkdirSync(join(save, MODEL, "prompts"), { recursive: true });
  copyFileSync(join(src, "model_cfg.json"), join(save, MODEL, "model_cfg.json"));
  copyFileSync(join(src, "prompts.jsonl"), join(save, MODEL, "prompts.jsonl"));
  for (const p of prompts) {
    mkdirSync(join(save, MODEL, "prompts", p.hash));
    copyFileSync(
      join(src, "prompts", p.hash, "activations.npz"),
      join(save, MODEL, "prompts", p.hash, "activations.npz"),
    );
  }
  return { save, prompts };
}

describe("singular values by Householder tridiagonalisation and QL", () => {
  it("finds the known eigenvalues of a 50 × 50 second-difference matrix, dense and shuffled", () => {
    const n = 50;
    const t = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      t[i * n + i] = 2;
      if (i + 1 < n) t[i * n + i + 1] = t[(i + 1) * n + i] = -1;
    }
    // a symmetric permutation keeps the eigenvalues but makes the matrix non-tridiagonal
    const perm = Array.from({ length: n }, (_, i) => (i * 17) % n);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = t[perm[i]! * n + perm[j]!]!;
    const got = [...symmetricEigenvalues(a, n)].sort((x, y) => x - y);
    const want = Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1)));
    for (let k = 0; k < n; k++) expect(got[k]).toBeCloseTo(want[k]!, 12);
  });

  it("matches known spectra", () => {
    expect([...symmetricEigenvalues([2, 1, 1, 2], 2)].sort()).toEqual([
      expect.closeTo(1, 12),
      expect.closeTo(3, 12),
    ]);
    // diag(3, -2, 1) → singular values 3, 2, 1
    const d = [3, 0, 0, 0, -2, 0, 0, 0, 1];
    expect([...singularValues((r, c) => d[r * 3 + c]!, 3, 3)]).toEqual([
      expect.closeTo(3, 12),
      expect.closeTo(2, 12),
      expect.closeTo(1, 12),
    ]);
    // rank one u vᵀ → |u||v|, then zeros
    const u = [1, 2, 3, 4];
    const v = [0.5, -1, 2, 0];
    const sv = singularValues((r, c) => u[r]! * v[c]!, 4, 4);
    expect(sv[0]).toBeCloseTo(Math.hypot(...u) * Math.hypot(...v), 10);
    for (const s of sv.subarray(1)) expect(s).toBeLessThan(1e-6);
  });

  it("keeps the Frobenius norm: Σσ² = Σ a²", () => {
    const n = 12;
    const a = Array.from({ length: n * n }, (_, i) => Math.sin(i * 1.7) + (i % 5) * 0.1);
    const sv = singularValues((r, c) => a[r * n + c]!, n, n);
    expect(sv.reduce((s, x) => s + x * x, 0)).toBeCloseTo(
      a.reduce((s, x) => s + x * x, 0),
      8,
    );
    for (let i = 1; i < n; i++) expect(sv[i]!).toBeLessThanOrEqual(sv[i - 1]!);
  });
});

describe("the custom-figure module through the figures runner", () => {
  it("renders both figures for every head, in worker threads, with sensible content", async () => {
    const { save, prompts } = smallDataFolder();
    const s = await runFigures({
      savePath: save,
      model: MODEL,
      modules: [MODULE],
      figureFuncs: "svd_spectrum,attn_vs_uniform",
      nSamples: 2,
      jobs: 2,
      renderInMainThread: false,
    });
    expect(s).toMatchObject({ written: 2 * 24 * 2, failed: 0, skipped: 0, jobs: 2 });

    const p = prompts[0]!;
    const n = p.tokens.length + 1; // the demo's patterns include the BOS position
    const dir = join(save, MODEL, "prompts", p.hash, "L3", "H1");

    const svg = readFileSync(join(dir, "svd_spectrum.svg"), "utf8");
    expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain("L3H1: singular values of the pattern");
    expect(svg).toContain("singular value");
    const dots = svg.match(/<circle/g)?.length ?? 0;
    expect(dots).toBeGreaterThan(n / 2); // a causal softmax pattern is (nearly) full rank
    expect(dots).toBeLessThanOrEqual(n);

    const inner = gunzipSync(readFileSync(join(dir, "attn_vs_uniform.svgz"))).toString("utf8");
    expect(inner).toMatch(new RegExp(`<svg[^>]*width="${n}"[^>]*height="${n}"`));
    const b64 = /data:image\/png;base64,([A-Za-z0-9+/=]+)/.exec(inner)?.[1];
    expect(b64).toBeDefined();
    const img = decodePng(Buffer.from(b64!, "base64"));
    expect([img.width, img.height]).toEqual([n, n]);
    // above the diagonal attention is 0 = uniform's 0 there: the centre of RdBu_r
    const lut = getColormap("RdBu_r").lut;
    const at = (q: number, k: number) => [...img.data.subarray((q * n + k) * 4, (q * n + k) * 4 + 3)];
    expect(at(0, n - 1)).toEqual([...lut.subarray(128 * 3, 128 * 3 + 3)]);
    const lines = readFileSync(join(save, "figures.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.find((l) => l.name === "svd_spectrum")).toMatchObject({
      func_name: "svd_spectrum",
      figure_save_fmt: "svg",
      doc: "singular-value spectrum of the attention pattern (log scale)",
    });
    expect(lines.find((l) => l.name === "attn_vs_uniform").source).toMatch(
      /examples\/custom-figure\/src\/figures\.ts$/,
    );
  });
});
