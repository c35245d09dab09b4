/** What a newcomer meets before the CLI runs: an unbuilt checkout, git status, the READMEs. */
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "#test-support/shared.ts";

const root = mkdtempSync(join(tmpdir(), "pl-cli-newcomer-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("before the build", () => {
  it("`pnpm pattern-lens` in an unbuilt checkout says to build, with no stack", () => {
    mkdirSync(join(root, "checkout", "scripts"), { recursive: true });
    const script = join(root, "checkout", "scripts", "pattern-lens.mjs");
    copyFileSync(join(REPO_ROOT, "scripts", "pattern-lens.mjs"), script);
    const r = spawnSync(process.execPath, [script, "demo"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("[PL_CLI_NOT_BUILT]");
    expect(r.stderr).toContain("pnpm install && pnpm build");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("a built cli.js whose package builds are missing says to build, with no stack", () => {
    const built = join(REPO_ROOT, "apps", "cli", "dist", "cli.js");
    if (!existsSync(built)) throw new Error(`${built} is missing: run pnpm build first`);
    // cli.js alone, without the index.js it loads: what a half-built tree looks like
    mkdirSync(join(root, "half", "dist"), { recursive: true });
    copyFileSync(built, join(root, "half", "dist", "cli.js"));
    const r = spawnSync(process.execPath, [join(root, "half", "dist", "cli.js"), "--help"], {
      encoding: "utf8",
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("[PL_CLI_NOT_BUILT]");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("the repository", () => {
  it("git ignores the demo's and the default run's data folders", () => {
    const ignored = execFileSync(
      "git",
      ["check-ignore", "pattern-lens-demo-data/models.jsonl", "attn_data/models.jsonl"],
      { cwd: REPO_ROOT, encoding: "utf8" },
    );
    expect(ignored.trim().split("\n")).toEqual([
      "pattern-lens-demo-data/models.jsonl",
      "attn_data/models.jsonl",
    ]);
  });

  it("the READMEs say where shared/ comes from and how to use the CLI before it is published", () => {
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    expect(readme).toMatch(/shared\/.*not part of this repository/s);
    const cli = readFileSync(join(REPO_ROOT, "apps", "cli", "README.md"), "utf8");
    expect(cli).toContain("pnpm pack");
    expect(cli).toContain("pnpm link");
    expect(cli).toMatch(/not published/);
  });
});
