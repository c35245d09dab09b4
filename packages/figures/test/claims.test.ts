// Per-prompt claims of the figures step: a prompt another live process is rendering is left to it,
// a claim and the leftovers of a killed process are taken over on the next run, and concurrent
// runs on one data folder render every figure once, to the bytes of one run.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { promptClaimPath, tryClaim } from "@pattern-lens/indexes/node";
import { describe, expect, it } from "vitest";
import { runTsChild, runTsChildAndKill } from "#test-support/child.ts";
import { type RunFiguresSummary, runFigures } from "../src/index.ts";
import { copyDemoInputs, DEMO_MODEL } from "./support/data.ts";
import { fileTree } from "./support/tree.ts";

const figureFile = (rel: string) => /\/L\d+\/H\d+\//.test(rel);
const hashes = (save: string) =>
  readFileSync(join(save, DEMO_MODEL, "prompts.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => (JSON.parse(l) as { hash: string }).hash);
/** Hidden entries (claims, staged layers, temp files) left in any prompt folder or head folder. */
const hidden = (save: string) =>
  readdirSync(join(save, DEMO_MODEL, "prompts"), { recursive: true, encoding: "utf8" }).filter((f) =>
    f.split("/").some((part) => part.startsWith(".")),
  );

function expectSameFigures(save: string, clean: string): void {
  const a = fileTree(clean, figureFile);
  const b = fileTree(save, figureFile);
  expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
  for (const [rel, bytes] of a) expect(b.get(rel)?.equals(bytes), rel).toBe(true);
}

const script = join(import.meta.dirname, "fixtures/run-child.ts");
const entries = ["indexes/node", "indexes/schemas", "indexes", "figure-util", "runner", "runner/registry"];
const opts = { model: DEMO_MODEL, nSamples: 4, figureFuncs: "raw,raw_log", jobs: 1 };
const PER_PROMPT = 24 * 2;

/** One run's figures of 8 prompts (`clean`, its summary `whole`), and a fresh data folder `save`. */
async function eightPrompts(): Promise<{ clean: string; whole: RunFiguresSummary; save: string }> {
  const clean = copyDemoInputs();
  const whole = await runFigures({ ...opts, nSamples: 8, savePath: clean });
  return { clean, whole, save: copyDemoInputs() };
}

describe("figures claims", () => {
  it("leaves a prompt another live process holds to it, counted in the progress; a rerun renders it", async () => {
    const save = copyDemoInputs();
    const held = hashes(save)[1]!;
    const claim = await tryClaim(promptClaimPath(save, DEMO_MODEL, held, "figures"));
    expect(claim).toBeDefined();
    let last = { done: 0, total: 0 };
    const first = await runFigures({ ...opts, savePath: save, onProgress: (p) => (last = p) });
    expect(first.promptsLeftToOthers).toEqual([held]);
    expect(first).toMatchObject({ written: 3 * PER_PROMPT, skipped: 0, failed: 0, total: 4 * PER_PROMPT });
    expect(last).toMatchObject({ done: 4 * PER_PROMPT, total: 4 * PER_PROMPT });
    expect(readdirSync(join(save, DEMO_MODEL, "prompts", held)).sort()).toEqual([
      ".figures.claim",
      "activations.npz",
      "prompt.json",
    ]);
    await claim!.release();
    const second = await runFigures({ ...opts, savePath: save });
    expect(second).toMatchObject({ written: PER_PROMPT, skipped: 3 * PER_PROMPT, promptsLeftToOthers: [] });
    const clean = copyDemoInputs();
    await runFigures({ ...opts, savePath: clean });
    expectSameFigures(save, clean);
    expect(hidden(save)).toEqual([]);
  });

  it("takes over the claim of a killed process and removes what it left (both temp namings)", async () => {
    const save = copyDemoInputs();
    const clean = copyDemoInputs();
    await runFigures({ ...opts, savePath: clean });
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid!; // exited: its pid is free
    const hash = hashes(save)[2]!;
    const dir = join(save, DEMO_MODEL, "prompts", hash);
    // the state of a process SIGKILLed in the middle of this prompt: its claim, layer 0 published
    // (one figure missing, its temp file half written), layer 1 staged, the stamp half written
    writeFileSync(
      join(dir, ".figures.claim"),
      JSON.stringify({ host: hostname(), pid: dead, started: Date.now() }),
    );
    for (let h = 0; h < 4; h++) {
      mkdirSync(join(dir, "L0", `H${h}`), { recursive: true });
      for (const f of ["raw.png", "raw_log.png"])
        if (h !== 3 || f !== "raw_log.png")
          writeFileSync(
            join(dir, "L0", `H${h}`, f),
            readFileSync(join(clean, DEMO_MODEL, "prompts", hash, "L0", `H${h}`, f)),
          );
    }
    writeFileSync(join(dir, "L0", "H3", `.raw_log.png.${dead}.0a1b2c3d4e5f.tmp`), "PNG half");
    writeFileSync(join(dir, "L0", "H2", `.raw_log.png.${dead}.tmp`), "older naming");
    mkdirSync(join(dir, `.L1.${dead}.tmp`, "H0"), { recursive: true });
    writeFileSync(join(dir, `.L1.${dead}.tmp`, "H0", "raw.png"), "PNG half");
    writeFileSync(join(dir, `.figures_source.json.${dead}.0a1b2c3d4e5f.tmp`), "{");

    const run = await runFigures({ ...opts, savePath: save });
    expect(run.promptsLeftToOthers).toEqual([]);
    expect(run).toMatchObject({ written: 4 * PER_PROMPT - 7, skipped: 7, failed: 0 });
    expectSameFigures(save, clean);
    expect(hidden(save)).toEqual([]);
  });

  it("two concurrent runs on one data folder render each figure once, to the bytes of one run", async () => {
    const { clean, whole, save } = await eightPrompts();
    const runs = await Promise.all(
      [0, 1].map(() =>
        runTsChild(import.meta.url, script, entries, { ...opts, nSamples: 8, savePath: save }),
      ),
    );
    const summaries = runs.map((r) => {
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(/^summary (.*)$/m.exec(r.stdout)![1]!) as RunFiguresSummary;
    });
    // every figure written by exactly one of them: a prompt is claimed, then planned again from disk
    expect(summaries[0]!.written + summaries[1]!.written).toBe(whole.written);
    for (const s of summaries) {
      expect(s.failed).toBe(0);
      expect(s.written + s.skipped + s.promptsLeftToOthers.length * PER_PROMPT).toBe(whole.written);
    }
    expectSameFigures(save, clean);
    expect(hidden(save)).toEqual([]);
  });

  it("one of two concurrent runs SIGKILLed in the middle of a prompt: a rerun completes it, byte for byte", async () => {
    const { clean, whole, save } = await eightPrompts();
    const child = { ...opts, nSamples: 8, savePath: save };
    // progress comes per layer (8 figures): 3 prompts and 2 layers in, the killed run is mid-prompt
    const [killed, other] = await Promise.all([
      runTsChildAndKill(import.meta.url, script, entries, child, 3 * PER_PROMPT + 16),
      runTsChild(import.meta.url, script, entries, child),
    ]);
    expect(other.code, other.stderr).toBe(0);
    expect(killed.killedAt).toBeGreaterThanOrEqual(0);
    const left = fileTree(save, figureFile).size;
    const rerun = await runFigures({ ...opts, nSamples: 8, savePath: save });
    expect(rerun).toMatchObject({ failed: 0, skipped: left, promptsLeftToOthers: [] });
    expect(rerun.written + rerun.skipped).toBe(whole.written);
    if (killed.finished) expect(rerun.written).toBe(0); // it finished before the kill could land
    expectSameFigures(save, clean);
    expect(hidden(save)).toEqual([]);
  });

  it("renders the prompts saved on disk that prompts.jsonl does not list yet (another writer's rebuild lags)", async () => {
    const save = copyDemoInputs();
    const index = join(save, DEMO_MODEL, "prompts.jsonl");
    const all = readFileSync(index, "utf8").split("\n").filter(Boolean);
    writeFileSync(index, `${all.filter((_, i) => i !== 1).join("\n")}\n`);
    const missing = (JSON.parse(all[1]!) as { hash: string }).hash;
    const run = await runFigures({ ...opts, savePath: save, promptHashes: [missing] });
    expect(run).toMatchObject({ prompts: 1, written: PER_PROMPT });
    expect(readdirSync(join(save, DEMO_MODEL, "prompts", missing, "L5", "H3")).sort()).toEqual([
      "raw.png",
      "raw_log.png",
    ]);
  });
});
