/**
 * Heavy commands on Linux relaunch themselves with `GLIBC_TUNABLES=glibc.malloc.hugetlb=1` (see
 * src/relaunch.ts). The built CLI is run for real: the child has the tunable, the parent passes
 * exit codes, output and Ctrl-C through, and a parent killed with SIGKILL leaves no child behind.
 */
import { type ChildProcessByStdio, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { buildDemoModel, DEMO_MODEL_NAME } from "@pattern-lens/models";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "#test-support/shared.ts";
import { childTunables, MALLOC_TUNABLES, shouldRelaunch } from "../src/relaunch.ts";

const root = mkdtempSync(join(tmpdir(), "pl-cli-relaunch-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const CLI = join(REPO_ROOT, "apps", "cli", "dist", "cli.js");

describe("shouldRelaunch", () => {
  const js = "/usr/lib/node_modules/pattern-lens/dist/cli.js";
  it("relaunches activations and run on Linux only, from the built CLI", () => {
    expect(shouldRelaunch(["activations", "--model", "m"], {}, "linux", js)).toBe(true);
    expect(shouldRelaunch(["run"], {}, "linux", "/usr/local/bin/pattern-lens")).toBe(true);
    expect(shouldRelaunch(["activations"], {}, "darwin", js)).toBe(false);
    expect(shouldRelaunch(["figures"], {}, "linux", js)).toBe(false);
    expect(shouldRelaunch(["serve"], {}, "linux", js)).toBe(false);
    expect(shouldRelaunch([], {}, "linux", js)).toBe(false);
    expect(shouldRelaunch(["run"], {}, "linux", "/repo/apps/cli/src/cli.ts")).toBe(false);
  });
  it("leaves a user's own hugetlb choice, an opt-out and the relaunched child alone", () => {
    expect(shouldRelaunch(["run"], { GLIBC_TUNABLES: "glibc.malloc.hugetlb=0" }, "linux", js)).toBe(false);
    expect(shouldRelaunch(["run"], { GLIBC_TUNABLES: "glibc.malloc.arena_max=2" }, "linux", js)).toBe(true);
    expect(shouldRelaunch(["run"], { PATTERN_LENS_NO_RELAUNCH: "1" }, "linux", js)).toBe(false);
    expect(shouldRelaunch(["run"], { PATTERN_LENS_RELAUNCHED: "1" }, "linux", js)).toBe(false);
  });
  it("keeps the user's other tunables", () => {
    expect(childTunables(undefined)).toBe(MALLOC_TUNABLES);
    expect(childTunables("glibc.malloc.arena_max=2")).toBe(`glibc.malloc.arena_max=2:${MALLOC_TUNABLES}`);
  });
});

/** Pids of the direct children of `pid` (from /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

const alive = (pid: number) =>
  existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));

describe.runIf(process.platform === "linux")("the built CLI relaunches heavy commands", () => {
  let model: string;
  let prompts: string;
  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'pnpm build' first`);
    model = (await buildDemoModel(join(root, DEMO_MODEL_NAME))).dir;
    prompts = join(root, "many.jsonl");
    const texts = Array.from({ length: 3000 }, (_, i) => `prompt ${i} abc abc ${i}`);
    writeFileSync(prompts, texts.map((text) => `${JSON.stringify({ text })}\n`).join(""));
  });

  const start = (
    save: string,
    env: Record<string, string> = {},
  ): ChildProcessByStdio<null, Readable, Readable> =>
    spawn(
      process.execPath,
      [
        CLI,
        "activations",
        ...["--model", model, "--prompts", prompts, "--save-path", save, "--min-chars", "1"],
        ...["--batch-size", "1", "--cache-dir", join(root, "cache"), "--no-index-html"],
      ],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } },
    );

  /** Resolves once `save` holds a saved prompt (the child is working). */
  async function working(save: string, exited: Promise<unknown>): Promise<void> {
    let ended = false;
    void exited.then(() => {
      ended = true;
    });
    const dir = join(save, DEMO_MODEL_NAME, "prompts");
    while (!ended && !(existsSync(dir) && readdirSync(dir).length > 0))
      await new Promise((r) => setTimeout(r, 20));
  }

  it("the work runs in a relaunched child; killing the parent with SIGKILL ends the child too", async () => {
    const save = join(root, "killed");
    const p = start(save);
    let stderr = "";
    p.stderr.on("data", (d) => {
      stderr += String(d);
    });
    const exited = new Promise((res) => p.on("close", res));
    try {
      await working(save, exited);
      const [child] = childrenOf(p.pid as number);
      expect(child, stderr).toBeDefined();
      // (glibc 2.36 blanks GLIBC_TUNABLES in /proc/PID/environ once it has read it: the value
      // itself is checked through childTunables above)
      expect(readFileSync(`/proc/${child}/environ`, "utf8").split("\0")).toContain(
        "PATTERN_LENS_RELAUNCHED=1",
      );
      expect(readFileSync(`/proc/${child}/cmdline`, "utf8")).toBe(
        readFileSync(`/proc/${p.pid}/cmdline`, "utf8"),
      );
      p.kill("SIGKILL");
      await exited;
      const t = Date.now();
      while (alive(child as number) && Date.now() - t < 10_000) await new Promise((r) => setTimeout(r, 20));
      expect(alive(child as number)).toBe(false);
    } finally {
      p.kill("SIGKILL");
    }
  });

  it("Ctrl-C (SIGINT to the parent) reaches the child: it says what was saved and the shell sees 130", async () => {
    const save = join(root, "interrupted");
    const p = start(save);
    let stderr = "";
    p.stderr.on("data", (d) => {
      stderr += String(d);
    });
    const exited = new Promise<number | null>((res) =>
      p.on("close", (code, signal) => res(signal === "SIGINT" ? 130 : code)),
    );
    await working(save, exited);
    p.kill("SIGINT");
    expect(await exited, stderr).toBe(130);
    expect(stderr).toMatch(/interrupted \(Ctrl-C\)\. Saved so far: activations for \d+ of 3000 prompts/);
  });

  it("exit codes and messages pass through (a user error: exit 2, one line)", async () => {
    const p = spawn(
      process.execPath,
      [CLI, "activations", "--model", join(root, "nope"), "--prompts", prompts],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    p.stderr.on("data", (d) => {
      stderr += String(d);
    });
    const code = await new Promise((res) => p.on("close", res));
    expect(code, stderr).toBe(2);
    expect(stderr).toMatch(/^pattern-lens: error \[PL_/);
  });
});
