/**
 * Ctrl-C in the middle of a run: the real CLI in a child process gets SIGINT, says what it saved
 * and that a rerun resumes, exits 130; the rerun then skips exactly what was saved.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildDemoModel, DEMO_MODEL_NAME } from "@pattern-lens/models";
import { afterAll, describe, expect, it } from "vitest";
import { spawnTsChild } from "#test-support/child.ts";
import { REPO_ROOT } from "#test-support/shared.ts";
import { runCommand } from "../src/program.ts";
import { CLI_ENTRIES } from "./fixtures/entries.ts";

const root = mkdtempSync(join(tmpdir(), "pl-cli-interrupt-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("Ctrl-C", () => {
  it("says what was saved and that a rerun resumes, exits 130, and the rerun skips what was saved", async () => {
    const model = await buildDemoModel(join(root, DEMO_MODEL_NAME));
    const prompts = join(root, "many.jsonl");
    const texts = Array.from({ length: 1200 }, (_, i) => `prompt ${i} abc abc ${i}`);
    writeFileSync(prompts, texts.map((text) => `${JSON.stringify({ text })}\n`).join(""));
    const save = join(root, "data");
    const argv = [
      "activations",
      "--model",
      model.dir,
      "--prompts",
      prompts,
      "--save-path",
      save,
      "--min-chars",
      "1",
      "--batch-size",
      "1",
      "--cache-dir",
      join(root, "cache"),
      "--no-index-html",
    ];
    const child = spawnTsChild(
      join(REPO_ROOT, "packages", "figures", "package.json"),
      join(import.meta.dirname, "fixtures", "run-cli.ts"),
      CLI_ENTRIES,
      { env: { PL_CHILD_OPTIONS: JSON.stringify({ argv }) } },
    );
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += String(d);
    });
    // 130, or killed by SIGINT's default action: the shell reports both as 130
    const exited = new Promise<number | null>((res) =>
      child.on("close", (code, signal) => res(signal === "SIGINT" ? 130 : code)),
    );
    await new Promise<void>((res) => {
      child.stdout.on("data", (d) => {
        stdout += String(d);
        if (stdout.includes("to compute")) res();
      });
      void exited.then(() => res());
    });
    // interrupt once a few prompts are saved (their folders appear as they are published)
    const promptsDir = join(save, DEMO_MODEL_NAME, "prompts");
    let ended = false;
    void exited.then(() => {
      ended = true;
    });
    while (!ended && (existsSync(promptsDir) ? readdirSync(promptsDir).length : 0) < 5) {
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGINT");
    const code = await exited;
    expect(code, stdout + stderr).toBe(130);
    const m = /interrupted \(Ctrl-C\)\. Saved so far: activations for (\d+) of 1200 prompts in /.exec(stderr);
    expect(m, stderr).not.toBeNull();
    expect(stderr).toContain("run the same command again to resume");
    const saved = Number(m![1]);
    expect(saved).toBeGreaterThan(0);
    expect(saved).toBeLessThan(1200);

    // the rerun resumes: at least what was reported saved is skipped, the rest computed
    const out: string[] = [];
    const rerun = argv.map((a, i) => (argv[i - 1] === "--batch-size" ? "32" : a));
    const again = await runCommand(rerun, { out: (t) => out.push(t), err: () => {} });
    expect(again).toBe(0);
    const r = /activations: (\d+) computed, (\d+) skipped/.exec(out.join(""));
    expect(Number(r![1]) + Number(r![2])).toBe(1200);
    expect(Number(r![2])).toBeGreaterThanOrEqual(saved);
  });
});
