// Done means (issue 17): 3 concurrent processes, one shard each, on one data folder, one of them
// killed with SIGKILL and run again, then the merge step, give what one process gives: the same
// npz and figure bytes, the same index lines, the same head metrics.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rebuildFiguresIndex } from "@pattern-lens/figures";
import { buildModelsIndex, buildPromptsIndex } from "@pattern-lens/indexes/node";
import { mergeHeadMetrics } from "@pattern-lens/metrics/node";
import { afterAll, describe, expect, it } from "vitest";
import { spawnTsChild } from "./support/child.ts";
import { sharedPath } from "./support/shared.ts";

const MODEL = "gpt2-tiny-torch";
/** Every entry of every workspace package ("indexes", "indexes/node", ...), aliased to its sources in the children. */
const ENTRIES = readdirSync(join(import.meta.dirname, "..", "packages")).flatMap((pkg) => {
  const manifest = JSON.parse(
    readFileSync(join(import.meta.dirname, "..", "packages", pkg, "package.json"), "utf8"),
  );
  return Object.entries(manifest.exports as Record<string, { source?: string }>)
    .filter(([, v]) => typeof v === "object" && v.source?.startsWith("./src/"))
    .map(([k, v]) => ({ entry: k === "." ? pkg : `${pkg}/${k.slice(2)}`, file: v.source as string }))
    .filter((e) => e.file === `./src/${e.entry.split("/")[1] ?? "index"}.ts`)
    .map((e) => e.entry);
});
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
const base = {
  model: sharedPath("models", "gpt2-tiny-torch"),
  prompts: sharedPath("prompts", "pile_5.jsonl"),
  cacheDir,
};

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

/** Runs one shard in a child process; with `killAfter`, SIGKILLs it once that many prompts are saved. */
function shard(save: string, opts: { shard?: string; env?: Record<string, string> }, killAfter?: number) {
  const script = join(import.meta.dirname, "fixtures/shard-child.ts");
  const child = spawnTsChild(import.meta.url, script, ENTRIES, {
    env: {
      ...opts.env,
      PL_CHILD_OPTIONS: JSON.stringify({ ...base, save, ...(opts.shard ? { shard: opts.shard } : {}) }),
    },
  });
  let out = "";
  let err = "";
  child.stderr.on("data", (d) => {
    err += String(d);
  });
  return new Promise<{ out: string; killed: boolean }>((resolve, reject) => {
    let killed = false;
    child.stdout.on("data", (d) => {
      out += String(d);
      const m = [...out.matchAll(/^progress (\d+) (\d+)$/gm)].pop();
      if (
        killAfter !== undefined &&
        !killed &&
        m &&
        Number(m[1]) >= killAfter &&
        Number(m[1]) < Number(m[2])
      ) {
        killed = true;
        child.kill("SIGKILL");
      }
    });
    child.on("exit", (code, signal) => {
      if (signal === "SIGKILL" || code === 0) resolve({ out, killed });
      else reject(new Error(`shard child failed (${code}): ${err}`));
    });
  });
}

/** The merge step: what `pattern-lens index` rebuilds. */
async function merge(save: string): Promise<void> {
  await buildPromptsIndex(save, MODEL);
  await buildModelsIndex(save);
  rebuildFiguresIndex(save);
  await mergeHeadMetrics({ savePath: save, model: MODEL });
}

const lineSet = (b: Buffer | undefined) => new Set(String(b).split("\n").filter(Boolean));
const INDEXES = ["models.jsonl", "figures.jsonl", `${MODEL}/prompts.jsonl`, `${MODEL}/head_metrics.jsonl`];

let single: Map<string, Buffer>;

async function expectSameAsSingle(save: string): Promise<void> {
  if (!single) {
    // in a child too: figure functions' `code` in figures.jsonl is their text as jiti compiles it
    const one = temp("pl-shards-single-");
    expect((await shard(one, {})).out).toContain("plan: all prompts");
    single = tree(one);
  }
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
    if (k.endsWith(".png") || k.endsWith(".svg") || k.endsWith(".svgz")) figures++;
  }
  expect(npz).toBeGreaterThan(6);
  expect(figures).toBeGreaterThan(100);
  // head metrics: the same lines, to the last bit
  expect(String(got.get(`${MODEL}/head_metrics.jsonl`))).toBe(
    String(single.get(`${MODEL}/head_metrics.jsonl`)),
  );
}

describe("3 concurrent shards on one data folder, one killed and run again, then the merge", () => {
  it("with --shard K/3 give what one process gives", async () => {
    const save = temp("pl-shards-flag-");
    const runs = await Promise.all([
      shard(save, { shard: "0/3" }),
      shard(save, { shard: "1/3" }, 1),
      shard(save, { shard: "2/3" }),
    ]);
    expect(runs[1]!.killed).toBe(true);
    expect(runs[1]!.out).toContain("plan: shard 1/3 (--shard)");
    const again = await shard(save, { shard: "1/3" });
    expect(again.out).toContain("finished");
    await merge(save);
    await expectSameAsSingle(save);
  });
});
