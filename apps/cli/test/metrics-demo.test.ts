/**
 * Issue 7's done-means test: the hand-built demo model (known heads), run through the real
 * `pattern-lens activations` pipeline (ONNX Runtime) on prompts with repeated sequences, then
 * `pattern-lens metrics`: each designed head ranks first on its own metric.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HeadMetricLineSchema } from "@pattern-lens/indexes/schemas";
import { buildDemoModel, DEMO_MODEL_NAME } from "@pattern-lens/models";
import { beforeAll, describe, expect, it } from "vitest";
import { runCommand } from "../src/program.ts";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

let root: string;
let save: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "pl-cli-metrics-demo-"));
  save = join(root, "data");
  const model = await buildDemoModel(join(root, DEMO_MODEL_NAME));
  const c = capture();
  const code = await runCommand(
    [
      "activations",
      "--model",
      model.dir,
      "--prompts",
      model.prompts,
      "--save-path",
      save,
      "--min-chars",
      "1",
      "--cache-dir",
      join(root, "cache"),
      "--no-index-html",
    ],
    c.io,
  );
  expect(code, c.err.join("")).toBe(0);
});

function readLines(path: string) {
  return readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((l) => HeadMetricLineSchema.parse(JSON.parse(l)));
}

function ranking(lines: ReturnType<typeof readLines>, metric: string): string[] {
  return lines
    .filter((l) => l.metric === metric && l.mean !== null)
    .sort((a, b) => (b.mean as number) - (a.mean as number))
    .map((l) => `L${l.layer}H${l.head}`);
}

describe("pattern-lens metrics on the demo model", () => {
  it("each designed head ranks first on its own metric", async () => {
    const c = capture();
    const code = await runCommand(["metrics", "--model", DEMO_MODEL_NAME, "--save-path", save], c.io);
    expect(code, c.err.join("")).toBe(0);
    const path = join(save, DEMO_MODEL_NAME, "head_metrics.jsonl");
    const lines = readLines(path);
    expect(lines).toHaveLength(2 * 4 * 7);
    expect(ranking(lines, "previous_token")[0]).toBe("L0H0");
    expect(ranking(lines, "induction")[0]).toBe("L1H0");
    expect(ranking(lines, "first_token")[0]).toBe("L0H1");
    expect(ranking(lines, "self")[0]).toBe("L0H2");
    expect(ranking(lines, "duplicate_token")[0]).toBe("L1H1");
    expect(ranking(lines, "entropy")[0]).toBe("L0H3");
    const get = (l: number, h: number, m: string) =>
      lines.find((x) => x.layer === l && x.head === h && x.metric === m)!;
    // the designed heads are near-perfect, and the induction head is defined on every prompt with a repeat
    expect(get(0, 0, "previous_token").mean).toBeGreaterThan(0.999);
    expect(get(1, 0, "induction").mean).toBeGreaterThan(0.99);
    expect(get(0, 1, "first_token").mean).toBeGreaterThan(0.999);
    expect(get(0, 2, "self").mean).toBeGreaterThan(0.999);
    expect(get(1, 0, "induction")).toMatchObject({ count: 14, excluded: 0 });
    expect(get(1, 3, "mean_distance").mean).toBeCloseTo(2, 1); // row 1 can only go 1 back
    // the summary lists the top heads
    const out = c.out.join("");
    if (process.env.PL_SHOW_OUTPUT) console.log(out);
    expect(out).toContain("56 lines (2 layers × 4 heads × 7 metrics) from 14 prompts");
    expect(out).toMatch(/induction\s+L1H0 1\.000/);
  });

  it("--exclude-current-token turns the duplicate-token head's split into a clean score", async () => {
    const c = capture();
    const code = await runCommand(
      [
        "metrics",
        "--model",
        DEMO_MODEL_NAME,
        "--save-path",
        save,
        "--metrics",
        "duplicate_token",
        "--exclude-current-token",
        "--top",
        "1",
      ],
      c.io,
    );
    expect(code, c.err.join("")).toBe(0);
    const lines = readLines(join(save, DEMO_MODEL_NAME, "head_metrics.jsonl"));
    expect(lines).toHaveLength(8);
    const dup = lines.find((l) => l.layer === 1 && l.head === 1)!;
    expect(dup.exclude_current_token).toBe(true);
    expect(dup.mean).toBeGreaterThan(0.999);
  });

  it("loads a --module metric; an unknown metric is PL_METRICS_UNKNOWN", async () => {
    const mod = join(root, "two-back.ts");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(
      mod,
      `import { registerMetric, targetMassScore } from "@pattern-lens/metrics";
registerMetric({ name: "two_back", doc: "attention on i-2" }, ({ pattern, n, options }) =>
  targetMassScore(pattern, n, options, (i) => (i >= 2 ? [i - 2] : [])),
);
`,
    );
    const c = capture();
    const code = await runCommand(
      [
        "metrics",
        "--model",
        DEMO_MODEL_NAME,
        "--save-path",
        save,
        "--module",
        mod,
        "--metrics",
        "two_back",
        "--jobs",
        "1",
      ],
      c.io,
    );
    expect(code, c.err.join("")).toBe(0);
    const lines = readLines(join(save, DEMO_MODEL_NAME, "head_metrics.jsonl"));
    expect(ranking(lines, "two_back")[0]).toBe("L1H3");
    await expect(
      runCommand(
        ["metrics", "--model", DEMO_MODEL_NAME, "--save-path", save, "--metrics", "nope"],
        capture().io,
      ),
    ).rejects.toMatchObject({ code: "PL_METRICS_UNKNOWN" });
    expect(existsSync(join(save, DEMO_MODEL_NAME, "head_metrics.jsonl"))).toBe(true);
  });
});
