import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { activationsPath, figurePath, headMetricsPath, promptHash } from "@pattern-lens/indexes";
import { describe, expect, it } from "vitest";
import { sharedPath } from "#test-support/shared.ts";
import { runCommand } from "../src/program.ts";

const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCommand(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join(""), err: err.join("") };
}

describe("pattern-lens run (gpt2-tiny-torch)", () => {
  const model = () => sharedPath("models", "gpt2-tiny-torch");
  const prompts = () => join(model(), "reference", "prompts.jsonl");
  const texts = () =>
    readFileSync(prompts(), "utf8")
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { text: string }).text);

  it("runs activations, figures and metrics into one data folder, then resumes", async () => {
    const save = tmp("pl-run-");
    const common = ["--model", model(), "--prompts", prompts(), "--save-path", save, "--min-chars", "1"];
    const args = ["run", ...common, "--cache-dir", tmp("pl-run-cache-"), "--no-index-html", "--jobs", "1"];
    const first = await cli([...args, "--figure-funcs", "raw"]);
    expect(first.code, first.err).toBe(0);
    expect(first.out).toContain("run: step 1/3: activations");
    expect(first.out).toContain("run: step 3/3: metrics");

    const cfg = JSON.parse(readFileSync(join(model(), "config.json"), "utf8")) as {
      n_layer: number;
      n_head: number;
    };
    for (const text of texts()) {
      const hash = promptHash(text);
      expect(existsSync(activationsPath(save, "gpt2-tiny-torch", hash))).toBe(true);
      const png = readFileSync(
        figurePath(save, "gpt2-tiny-torch", hash, cfg.n_layer - 1, cfg.n_head - 1, "raw", "png"),
      );
      expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join("")).toBe("PNG");
    }
    const lines = readFileSync(headMetricsPath(save, "gpt2-tiny-torch"), "utf8").trim().split("\n");
    const metrics = new Set(lines.map((l) => (JSON.parse(l) as { metric: string }).metric));
    expect(lines.length).toBe(cfg.n_layer * cfg.n_head * metrics.size);
    expect(metrics).toContain("induction");

    const again = await cli([...args, "--no-metrics", "--figure-funcs", "raw"]);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toContain(`0 computed, ${texts().length} skipped`);
    expect(again.out).toContain("0 written");
    expect(again.out).toContain("run: step 2/2: figures");
  });
});
