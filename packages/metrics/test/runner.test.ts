import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { copyDemoInputsTo } from "#test-support/demo.ts";
import { topHeads } from "../src/index.ts";
import { type HeadMetricRecord, runMetrics } from "../src/node.ts";

const MODEL = "pythia-14m";

/** The Python-written demo data (no token_ids in prompt.json) in a writable temp folder. */
function demoCopy(): string {
  return copyDemoInputsTo(mkdtempSync(join(tmpdir(), "pl-metrics-")));
}

const get = (rs: HeadMetricRecord[], l: number, h: number, m: string) =>
  rs.find((r) => r.layer === l && r.head === h && r.metric === m) as HeadMetricRecord;

describe("runMetrics on the Python pattern-lens demo (pythia-14m, 32 prompts)", () => {
  const save = demoCopy();

  it("writes one line per layer, head and metric, with values an independent numpy computation gives", async () => {
    const s = await runMetrics({ savePath: save, model: MODEL, jobs: 1 });
    expect(s.prompts).toBe(32);
    expect([s.nLayers, s.nHeads]).toEqual([6, 4]);
    expect(s.records).toHaveLength(6 * 4 * 7);
    const lines = readFileSync(join(save, MODEL, "head_metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toEqual(JSON.parse(JSON.stringify(s.records)));
    expect(lines[0]).toMatchObject({
      layer: 0,
      head: 0,
      metric: "previous_token",
      count: 32,
      excluded: 0,
      exclude_bos: false,
    });
    // expected values: numpy float64 over the saved float32 patterns (BOS + prompt.json tokens)
    const close = (r: HeadMetricRecord, mean: number, std: number) => {
      expect(r.mean).toBeCloseTo(mean, 5);
      expect(r.std).toBeCloseTo(std, 5);
      expect(r.count).toBe(32);
    };
    close(get(s.records, 0, 0, "previous_token"), 0.12502397710820015, 0.04766294117606539);
    close(get(s.records, 0, 0, "first_token"), 0.10643918650410876, 0.04897415977015577);
    close(get(s.records, 2, 1, "induction"), 0.10859026688326798, 0.19904001976789126);
    close(get(s.records, 3, 2, "entropy"), 0.7700164806605792, 0.18042611923827315);
    close(get(s.records, 1, 3, "mean_distance"), 13.418390630954807, 4.548154924290401);
    expect(topHeads(s.records, "previous_token").map((r) => `L${r.layer}H${r.head}`)).toEqual([
      "L2H1",
      "L1H0",
      "L1H1",
    ]);
    expect(topHeads(s.records, "induction").map((r) => `L${r.layer}H${r.head}`)).toEqual([
      "L3H2",
      "L3H3",
      "L3H0",
    ]);
  });

  it("exclude-bos changes previous_token as the numpy reference says and is recorded", async () => {
    const s = await runMetrics({
      savePath: save,
      model: MODEL,
      jobs: 1,
      excludeBos: true,
      metrics: "previous_token",
    });
    expect(s.records).toHaveLength(24);
    const r = get(s.records, 0, 0, "previous_token");
    expect(r.mean).toBeCloseTo(0.1275856153446886, 5);
    expect(r.std).toBeCloseTo(0.05197425644163903, 5);
    expect(r.exclude_bos).toBe(true);
  });

  it("gives the same records with worker threads", async () => {
    const one = await runMetrics({ savePath: save, model: MODEL, jobs: 1 });
    const two = await runMetrics({ savePath: save, model: MODEL, jobs: 2 });
    expect(two.jobs).toBe(2);
    expect(two.records).toEqual(one.records);
  });

  it("skips prompts without activations and reports them", async () => {
    const s2 = demoCopy();
    const hashes = readdirSync(join(s2, MODEL, "prompts")).sort();
    rmSync(join(s2, MODEL, "prompts", hashes[0]!, "activations.npz"));
    writeFileSync(join(s2, MODEL, "prompts", hashes[1]!, "activations.npz"), "not a zip");
    const skipped: string[] = [];
    const s = await runMetrics({
      savePath: s2,
      model: MODEL,
      jobs: 1,
      onPromptSkipped: (x) => skipped.push(x.hash),
    });
    expect(s.prompts).toBe(30);
    expect(skipped.sort()).toEqual(hashes.slice(0, 2));
    expect(get(s.records, 0, 0, "previous_token").count).toBe(30);
  });

  it("fails with PL_METRICS_NO_PROMPTS for a missing model and PL_METRICS_UNKNOWN for a bad name", async () => {
    await expect(runMetrics({ savePath: save, model: "nope" })).rejects.toMatchObject({
      code: "PL_METRICS_NO_PROMPTS",
    });
    await expect(
      runMetrics({ savePath: save, model: MODEL, metrics: "previous_token,bogus" }),
    ).rejects.toMatchObject({
      code: "PL_METRICS_UNKNOWN",
      message: expect.stringContaining("bogus"),
    });
  });
});

describe("runMetrics while another writer's prompts.jsonl lags", () => {
  it("scores the prompts saved on disk that prompts.jsonl does not list yet", async () => {
    const save = demoCopy();
    const index = join(save, MODEL, "prompts.jsonl");
    const all = readFileSync(index, "utf8").split("\n").filter(Boolean);
    writeFileSync(index, `${all.slice(0, 30).join("\n")}\n`); // a rebuild that listed before the last two
    const s = await runMetrics({ savePath: save, model: MODEL, metrics: "entropy", jobs: 1 });
    expect(s.prompts).toBe(32);
    expect(s.records[0]).toMatchObject({ count: 32 });
  });
});
