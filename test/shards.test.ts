// Done means (issue 17): 3 concurrent `pattern-lens run` processes, one shard each (--shard K/3, or
// SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT), on one data folder, one of them killed with SIGKILL
// and run again, then `pattern-lens index`, give what one process gives: the same npz and figure
// bytes, the same index lines (as sets), the same head metrics. Real CLI child processes.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { shardOfHash } from "@pattern-lens/indexes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, spawnCli } from "./support/cli-child.ts";
import { sharedPath } from "./support/shared.ts";

const MODEL = "gpt2-tiny-torch";
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const temp = (p: string) => {
  const d = mkdtempSync(join(tmpdir(), p));
  dirs.push(d);
  return d;
};
const cacheDir = temp("pl-shards-cache-");

/** `pattern-lens run` on the shared prompts, one thread for figures and metrics. */
const runArgs = (save: string, ...extra: string[]) => [
  "run",
  "--model",
  sharedPath("models", MODEL),
  "--prompts",
  sharedPath("prompts", "pile_5.jsonl"),
  "--save-path",
  save,
  "--min-chars",
  "50",
  "--max-chars",
  "300",
  "--batch-size",
  "1",
  "--cache-dir",
  cacheDir,
  "--jobs",
  "1",
  "--no-index-html",
  ...extra,
];

/** Every file but hidden ones (claims, temp files), relative path -> bytes. */
function tree(dir: string, root = dir, out = new Map<string, Buffer>()): Map<string, Buffer> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) tree(p, root, out);
    else out.set(p.slice(root.length + 1), readFileSync(p));
  }
  return out;
}

/** Whether a prompt folder of `shard` (of 3) holds `entry` yet. */
function shardHas(save: string, shard: number, entry: (promptDir: string) => boolean): boolean {
  const prompts = join(save, MODEL, "prompts");
  if (!existsSync(prompts)) return false;
  return readdirSync(prompts).some((h) => shardOfHash(h, 3) === shard && entry(join(prompts, h)));
}

/**
 * Runs `pattern-lens run` in a child process; with `killWhen`, SIGKILLs it as soon as that holds
 * (polled every few milliseconds). Resolves with whether it was killed; rejects if it fails.
 */
function runShard(
  save: string,
  opts: { args?: string[]; env?: Record<string, string>; killWhen?: () => boolean },
): Promise<{ out: string; killed: boolean }> {
  const child = spawnCli(runArgs(save, ...(opts.args ?? [])), opts.env ? { env: opts.env } : {});
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => {
    out += String(d);
  });
  child.stderr.on("data", (d) => {
    err += String(d);
  });
  let killed = false;
  const poll =
    opts.killWhen &&
    setInterval(() => {
      if (!killed && opts.killWhen!()) {
        killed = true;
        child.kill("SIGKILL");
      }
    }, 3);
  return new Promise((resolve, reject) => {
    child.on("close", (code, signal) => {
      if (poll) clearInterval(poll);
      if (signal === "SIGKILL" && killed) resolve({ out, killed });
      else if (code === 0) resolve({ out, killed: false });
      else reject(new Error(`pattern-lens run failed (${code ?? signal}): ${err}`));
    });
  });
}

/** The merge step. */
async function index(save: string): Promise<void> {
  const r = await runCli(["index", "--save-path", save], { timeoutMs: 60_000 });
  expect(r.code, r.stderr).toBe(0);
}

const lineSet = (b: Buffer | undefined) => new Set(String(b).split("\n").filter(Boolean));
const INDEXES = ["models.jsonl", "figures.jsonl", `${MODEL}/prompts.jsonl`, `${MODEL}/head_metrics.jsonl`];

let single: Map<string, Buffer>;
beforeAll(async () => {
  const one = temp("pl-shards-single-");
  const { out } = await runShard(one, {});
  expect(out).toContain("run: done");
  expect(out).not.toMatch(/shard \d/);
  await index(one);
  single = tree(one);
}, 180_000);

function expectSameAsSingle(save: string): void {
  const got = tree(save);
  expect([...got.keys()].sort()).toEqual([...single.keys()].sort());
  let npz = 0;
  let figures = 0;
  for (const [k, v] of single) {
    if (INDEXES.includes(k)) expect(lineSet(got.get(k)), k).toEqual(lineSet(v));
    else if (k.endsWith("figures_source.json"))
      continue; // records the npz's mtime: differs by run
    else expect(got.get(k)?.equals(v), k).toBe(true);
    if (k.endsWith(".npz")) npz++;
    if (/\.(png|svg|svgz)$/.test(k)) figures++;
  }
  expect(npz).toBeGreaterThan(6);
  expect(figures).toBeGreaterThan(100);
  // head metrics: the same lines in the same order, to the last bit
  expect(String(got.get(`${MODEL}/head_metrics.jsonl`))).toBe(
    String(single.get(`${MODEL}/head_metrics.jsonl`)),
  );
}

/** Shard 1 has started its figures: one of its prompts has a figures claim or a layer folder. */
const inFigures = (save: string) => () =>
  shardHas(save, 1, (dir) => readdirSync(dir).some((n) => n === ".figures.claim" || /^\.?L\d/.test(n)));
/** Shard 1 has saved one prompt's activations. */
const inActivations = (save: string) => () =>
  shardHas(save, 1, (dir) => existsSync(join(dir, "prompt.json")));

describe("3 concurrent `run` shards on one data folder, one SIGKILLed and run again, then `index`", () => {
  it("with --shard K/3 (shard 1 killed in its figures step) give what one process gives", async () => {
    const save = temp("pl-shards-flag-");
    const runs = await Promise.all([
      runShard(save, { args: ["--shard", "0/3"] }),
      runShard(save, { args: ["--shard", "1/3"], killWhen: inFigures(save) }),
      runShard(save, { args: ["--shard", "2/3"] }),
    ]);
    expect(runs[1]!.killed).toBe(true);
    expect(runs[1]!.out).toContain("shard 1/3 (--shard)");
    const again = (await runShard(save, { args: ["--shard", "1/3"] })).out;
    expect(again).toContain("run: done");
    // killed in its figures: the rerun had its activations, and figures left to make
    expect(again).toMatch(/activations: 0 computed, [1-9]\d* skipped/);
    expect(again).toMatch(/figures: [1-9]\d* written/);
    await index(save);
    expectSameAsSingle(save);
  }, 240_000);

  it("with SLURM_ARRAY_TASK_ID/COUNT (task 1 killed in its activations step) give what one process gives", async () => {
    const save = temp("pl-shards-slurm-");
    const env = (k: number) => ({ SLURM_ARRAY_TASK_ID: String(k), SLURM_ARRAY_TASK_COUNT: "3" });
    const runs = await Promise.all([
      runShard(save, { env: env(0) }),
      runShard(save, { env: env(1), killWhen: inActivations(save) }),
      runShard(save, { env: env(2) }),
    ]);
    expect(runs[1]!.killed).toBe(true);
    expect(runs[1]!.out).toContain("shard 1/3 (SLURM_ARRAY_TASK_ID=1");
    const again = (await runShard(save, { env: env(1) })).out;
    expect(again).toContain("run: done");
    // killed in its activations: the rerun computed the rest
    expect(again).toMatch(/activations: [1-9]\d* computed, [1-9]\d* skipped/);
    await index(save);
    expectSameAsSingle(save);
  }, 240_000);
});
