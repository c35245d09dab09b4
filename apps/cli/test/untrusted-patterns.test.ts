// Saved patterns are checked against model_cfg.json and prompt.json before figures or metrics use
// them; stale figures are rendered again. Real files, real CLI child processes.
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { createDeflateRaw } from "node:zlib";
import { encodeNpyHeader, encodeNpz, type NpyArray, patternKey } from "@pattern-lens/indexes";
import { readNpzFileSync } from "@pattern-lens/indexes/node";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "#test-support/cli-child.ts";
import {
  hashes,
  MODEL,
  promptFile,
  removeTempFolders,
  smallDemo,
  tempFolder,
} from "./support/data-folder.ts";

afterAll(removeTempFolders);

/** Rewrites one layer of a prompt's archive through `edit` (the others unchanged). */
function editLayer(save: string, hash: string, layer: number, edit: (a: NpyArray) => NpyArray): void {
  const path = promptFile(save, hash, "activations.npz");
  const entries = readNpzFileSync(path);
  entries.set(patternKey(layer), edit(entries.get(patternKey(layer))!));
  writeFileSync(path, encodeNpz(entries));
}

/** The first `heads` heads of a `[1, H, n, n]` float32 layer. */
function firstHeads(a: NpyArray, heads: number): NpyArray {
  const n = a.shape[3]!;
  return { dtype: a.dtype, shape: [1, heads, n, n], data: (a.data as Float32Array).slice(0, heads * n * n) };
}

function headMetrics(
  save: string,
): { layer: number; head: number; metric: string; mean: number | null; count: number }[] {
  return readFileSync(join(save, MODEL, "head_metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
}

const figures = (save: string, ...more: string[]) =>
  runCli(["figures", "--model", MODEL, "--save-path", save, "--figure-funcs", "raw", "--jobs", "1", ...more]);
const metrics = (save: string, ...more: string[]) =>
  runCli(["metrics", "--model", MODEL, "--save-path", save, "--jobs", "1", ...more]);

describe("saved patterns are checked per layer before use", () => {
  it("a layer with fewer heads than model_cfg.json: the prompt is skipped with its reason by figures and metrics, counted, exit 0; the others are scored unchanged", async () => {
    const save = smallDemo(3);
    const [a, b] = hashes(save);
    const clean = smallDemo(3);
    expect((await metrics(clean)).code).toBe(0);
    editLayer(save, b!, 1, (arr) => firstHeads(arr, 2));

    const f = await figures(save);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stderr).toContain(`skipped prompt ${b}`);
    expect(f.stderr).toContain("'blocks.1.attn.hook_pattern' has 2 heads");
    expect(f.stdout).toMatch(
      /48 written, 0 already done, 0 failed, 1 prompt skipped \(24 figures not made\)/,
    );
    expect(readdirSync(join(save, MODEL, "prompts", b!))).not.toContain("L0");
    expect(readdirSync(join(save, MODEL, "prompts", a!))).toContain("L5");

    const m = await metrics(save);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stderr).toContain(`skipped prompt ${b}`);
    expect(m.stderr).toContain("has 2 heads");
    expect(m.stdout).toContain("from 2 prompts, 1 prompts skipped");
    // every head scored on the 2 good prompts: no zero-filled L1H2-H3, no head with a third count
    const rows = headMetrics(save);
    expect(new Set(rows.map((r) => r.count))).toEqual(new Set([2]));
    const ref = headMetrics(clean);
    expect(rows.find((r) => r.layer === 1 && r.head === 3 && r.metric === "previous_token")!.mean).not.toBe(
      0,
    );
    expect(rows.length).toBe(ref.length);
  });

  it("a pattern whose size is not the prompt's token count, and one with NaN: skipped with their reasons", async () => {
    const save = smallDemo(3);
    const [, b, c] = hashes(save);
    editLayer(save, b!, 0, (arr) => {
      const n = arr.shape[3]! - 2; // fewer positions than prompt.json's tokens
      const data = new Float32Array(4 * n * n).fill(1 / n);
      return { dtype: "<f4", shape: [1, 4, n, n], data };
    });
    editLayer(save, c!, 2, (arr) => {
      const data = (arr.data as Float32Array).slice();
      data[7] = Number.NaN;
      return { ...arr, data };
    });
    const m = await metrics(save);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stderr).toMatch(
      new RegExp(`skipped prompt ${b}: .*'blocks.0.attn.hook_pattern' is \\d+×\\d+ .*but prompt.json has`),
    );
    expect(m.stderr).toMatch(new RegExp(`skipped prompt ${c}: .*'blocks.2.attn.hook_pattern' holds NaN`));
    const f = await figures(save);
    expect(f.code).toBe(0);
    expect(f.stdout).toContain("2 prompts skipped");
  });

  it("model_cfg.json says 7 layers: every prompt is skipped, so figures and metrics exit 2 saying so", async () => {
    const save = smallDemo(2);
    const cfgPath = join(save, MODEL, "model_cfg.json");
    writeFileSync(cfgPath, JSON.stringify({ ...JSON.parse(readFileSync(cfgPath, "utf8")), n_layers: 7 }));
    const f = await figures(save);
    expect(f.code).toBe(2);
    expect(f.stderr).toContain("[PL_FIGURES_NO_PROMPTS]");
    expect(f.stderr).toContain("'blocks.6.attn.hook_pattern' is missing, but model_cfg.json says 7 layers");
    const m = await metrics(save);
    expect(m.code).toBe(2);
    expect(m.stderr).toContain("[PL_METRICS_NO_PROMPTS]");
  });

  it("a metric that returns Infinity stops metrics with PL_METRICS_FAILED (exit 2) instead of writing null", async () => {
    const save = smallDemo(1);
    const mod = join(tempFolder(), "inf-metric.mjs");
    writeFileSync(
      mod,
      `import { defineMetric } from "@pattern-lens/metrics";\nexport default [defineMetric({ name: "inf", doc: "always infinite" }, () => Number.POSITIVE_INFINITY)];\n`,
    );
    const m = await metrics(save, "--module", mod, "--metrics", "inf");
    expect(m.code, m.stderr).toBe(2);
    expect(m.stderr).toContain("[PL_METRICS_FAILED]");
    expect(m.stderr).toContain("returned Infinity");
  });

  it("a broken prompt.json skips its prompt in figures and in metrics alike (exit 0, reason printed)", async () => {
    const save = smallDemo(2);
    const [a, b] = hashes(save);
    writeFileSync(promptFile(save, a!, "prompt.json"), '{"text": "cut sho');
    for (const r of [await figures(save), await metrics(save)]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`skipped prompt ${a}`);
      expect(r.stderr).toContain("prompt.json");
      expect(r.stderr).not.toContain(`skipped prompt ${b}`);
    }
  });

  it("an npz of ~1 MB that inflates to 1 GiB is refused before inflating: PL_NPZ_TOO_LARGE, prompt skipped", async () => {
    const save = smallDemo(2);
    const [a] = hashes(save);
    // a well-formed npz whose layer 0 claims (and inflates to) 1 GiB of zeros
    const n = 16384;
    const header = encodeNpyHeader("<f4", [1, 1, n, n]);
    const zeros = Buffer.alloc(64 * 1024 * 1024);
    const chunks: Buffer[] = [];
    const deflate = Readable.from(
      (function* () {
        yield Buffer.from(header);
        for (let i = 0; i < 16; i++) yield zeros;
      })(),
    ).pipe(createDeflateRaw({ level: 9 }));
    for await (const c of deflate) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    expect(body.length).toBeLessThan(2 * 1024 * 1024);
    writeFileSync(
      promptFile(save, a!, "activations.npz"),
      zipOne("blocks.0.attn.hook_pattern.npy", body, n * n * 4 + header.length),
    );
    const m = await metrics(save);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stderr).toContain(`skipped prompt ${a}`);
    expect(m.stderr).toContain("PL_INDEXES_NPZ_TOO_LARGE");
  });
});

describe("stale figures", () => {
  it("figures made from an earlier activations.npz are rendered again; unchanged prompts stay done", async () => {
    const save = smallDemo(2);
    const [a, b] = hashes(save);
    expect((await figures(save)).code).toBe(0);
    const before = statSync(join(save, MODEL, "prompts", a!, "L0", "H0", "raw.png")).mtimeMs;
    // activations --force rewrote prompt b's archive (here: the same patterns, stored uncompressed)
    const path = promptFile(save, b!, "activations.npz");
    writeFileSync(path, encodeNpz(readNpzFileSync(path), { compressLevel: 0 }));
    const again = await figures(save);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(
      /24 written, 24 already done, 0 failed, 1 prompt re-rendered \(activations changed\)/,
    );
    expect(statSync(join(save, MODEL, "prompts", a!, "L0", "H0", "raw.png")).mtimeMs).toBe(before);
    // a touched archive (same size, new time) counts as changed too; a third run has nothing to do
    const t = new Date(Date.now() + 5000);
    utimesSync(path, t, t);
    expect((await figures(save)).stdout).toMatch(/24 written, 24 already done/);
    expect((await figures(save)).stdout).toMatch(/0 written, 48 already done/);
    const stamp = JSON.parse(readFileSync(promptFile(save, b!, "figures_source.json"), "utf8"));
    expect(stamp["activations.npz"].size).toBe(statSync(path).size);
  });
});

/** A one-member zip (deflate) whose directory tells the truth about its sizes. */
function zipOne(name: string, deflated: Uint8Array, size: number): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(0, 14); // crc (never reached)
  local.writeUInt32LE(deflated.length, 18);
  local.writeUInt32LE(size, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(deflated.length, 20);
  central.writeUInt32LE(size, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  const cdOffset = 30 + nameBytes.length + deflated.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + nameBytes.length, 12);
  end.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, nameBytes, deflated, central, nameBytes, end]);
}
