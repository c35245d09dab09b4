import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "#test-support/shared.ts";
import { runFigures } from "../src/index.ts";
import { copyDemoInputs, DEMO_MODEL } from "./support/data.ts";
import { fileTree } from "./support/tree.ts";

/** Starts a figures run in a real child process (TypeScript through jiti) and kills it with SIGKILL once `killAfter` figures are done. */
function runAndKill(options: Record<string, unknown>, killAfter: number): Promise<{ killedAt: number }> {
  const pkgs = join(REPO_ROOT, "packages");
  const alias = {
    "@pattern-lens/indexes/arrays": join(pkgs, "indexes/src/arrays.ts"),
    "@pattern-lens/indexes/node": join(pkgs, "indexes/src/node.ts"),
    "@pattern-lens/indexes": join(pkgs, "indexes/src/index.ts"),
    "@pattern-lens/figure-util": join(pkgs, "figure-util/src/index.ts"),
  };
  const jitiCli = join(
    dirname(createRequire(import.meta.url).resolve("jiti/package.json")),
    "lib/jiti-cli.mjs",
  );
  const child = spawn(process.execPath, [jitiCli, join(import.meta.dirname, "fixtures/run-child.ts")], {
    env: { ...process.env, JITI_ALIAS: JSON.stringify(alias), PL_CHILD_OPTIONS: JSON.stringify(options) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += String(d);
  });
  return new Promise((resolve, reject) => {
    let killedAt = -1;
    let buf = "";
    child.stdout.on("data", (d) => {
      buf += String(d);
      for (const line of buf.split("\n").slice(0, -1)) {
        const m = /^progress (\d+) \d+$/.exec(line);
        if (m && killedAt < 0 && Number(m[1]) >= killAfter) {
          killedAt = Number(m[1]);
          child.kill("SIGKILL");
        }
      }
      buf = buf.slice(buf.lastIndexOf("\n") + 1);
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (signal !== "SIGKILL") reject(new Error(`child was not killed (exit ${code}): ${stderr}`));
      else resolve({ killedAt });
    });
  });
}

const figureFile = (rel: string) => /\/L\d+\/H\d+\//.test(rel);

describe("kill -9 and resume", () => {
  it("a figures run killed with SIGKILL resumes to the same files as an uninterrupted run", async () => {
    const opts = { model: DEMO_MODEL, nSamples: 6, figureFuncs: "raw,raw_log", jobs: 1 };
    const clean = copyDemoInputs();
    const whole = await runFigures({ ...opts, savePath: clean });
    expect(whole.written).toBe(6 * 24 * 2);

    const save = copyDemoInputs();
    const { killedAt } = await runAndKill({ ...opts, savePath: save }, 100);
    expect(killedAt).toBeGreaterThanOrEqual(100);
    expect(killedAt).toBeLessThan(whole.written);
    // what the killed run left: only whole layers (4 heads x 2 figures), plus maybe a staged layer
    const left = fileTree(save, figureFile);
    expect(left.size).toBeGreaterThan(0);
    expect(left.size % 8).toBe(0);
    for (const [rel, bytes] of left)
      expect(bytes.equals(fileTree(clean, figureFile).get(rel)!), rel).toBe(true);

    const resumed = await runFigures({ ...opts, savePath: save });
    expect(resumed.failed).toBe(0);
    expect(resumed.skipped).toBe(left.size);
    expect(resumed.written + resumed.skipped).toBe(whole.written);
    const a = fileTree(clean, figureFile);
    const b = fileTree(save, figureFile);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [rel, bytes] of a) expect(b.get(rel)?.equals(bytes), rel).toBe(true);
    // no staged folder or temp file is left behind in any prompt folder
    const prompts = join(save, DEMO_MODEL, "prompts");
    const leftovers = readdirSync(prompts).flatMap((h) =>
      readdirSync(join(prompts, h)).filter((f) => f.startsWith(".")),
    );
    expect(leftovers).toEqual([]);
  });
});
