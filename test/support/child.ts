import { type ChildProcessByStdio, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { REPO_ROOT } from "./shared.ts";

/** How {@link runTsChildAndKill} ended. */
export interface KilledChild {
  /** The progress count at which the child was killed, or -1 if it never got there. */
  killedAt: number;
  /** The total of the progress line it was killed at (0 if it was not). */
  total: number;
  /** Whether the child printed `finished` (it was not killed in time). */
  finished: boolean;
}

/** What {@link spawnTsChild} passes on. */
export interface TsChildOptions {
  /** Arguments after the script. */
  args?: string[];
  /** Added to this process's environment (`undefined` removes a variable). */
  env?: Record<string, string | undefined>;
  /** The child's working folder. */
  cwd?: string;
  /** stdin of the child: "ignore" (default) or "pipe" (to end it by closing stdin). */
  stdin?: "ignore" | "pipe";
}

/**
 * Starts a TypeScript script in a real child Node process through jiti (its CLI resolved from the
 * test file at `from`), with the workspace entries `entries` (such as `"indexes/node"` or
 * `"figure-util"`) aliased to their sources. stdout and stderr are pipes.
 */
export function spawnTsChild(
  from: string,
  script: string,
  entries: string[],
  options: TsChildOptions = {},
): ChildProcessByStdio<Writable | null, Readable, Readable> {
  const jitiCli = join(dirname(createRequire(from).resolve("jiti/package.json")), "lib/jiti-cli.mjs");
  // subpath entries first: "@pattern-lens/indexes" is a prefix of "@pattern-lens/indexes/node"
  const sorted = [...entries].sort((a, b) => b.split("/").length - a.split("/").length);
  const alias = Object.fromEntries(
    sorted.map((e) => {
      const [pkg, sub] = e.split("/");
      return [`@pattern-lens/${e}`, join(REPO_ROOT, "packages", pkg!, "src", `${sub ?? "index"}.ts`)];
    }),
  );
  const env: Record<string, string | undefined> = { ...process.env, JITI_ALIAS: JSON.stringify(alias) };
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return spawn(process.execPath, [jitiCli, script, ...(options.args ?? [])], {
    env,
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    stdio: [options.stdin ?? "ignore", "pipe", "pipe"],
  }) as ChildProcessByStdio<Writable | null, Readable, Readable>;
}

/** `options` as JSON in `PL_CHILD_OPTIONS`, for the fixture scripts. */
const childOptions = (options: Record<string, unknown>): TsChildOptions => ({
  env: { PL_CHILD_OPTIONS: JSON.stringify(options) },
});

/** How {@link runTsChild} ended. */
export interface ChildResult {
  /** The exit code (null when a signal ended the child). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a TypeScript script in a real child Node process through jiti, as {@link runTsChildAndKill}
 * does, and resolves with its exit code and output once it ends on its own.
 */
export function runTsChild(
  from: string,
  script: string,
  entries: string[],
  options: Record<string, unknown>,
): Promise<ChildResult> {
  const child = spawnTsChild(from, script, entries, childOptions(options));
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += String(d);
  });
  child.stderr.on("data", (d) => {
    stderr += String(d);
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Runs a TypeScript script in a real child Node process through jiti (its CLI resolved from the
 * test file at `from`), with the workspace entries `entries` (such as `"indexes/node"` or
 * `"figure-util"`) aliased to their sources and `options` as JSON in `PL_CHILD_OPTIONS`, and kills
 * it with SIGKILL as soon as a `progress DONE TOTAL` line of its stdout has DONE >= `killAfter`.
 * Rejects if the child fails on its own.
 */
export function runTsChildAndKill(
  from: string,
  script: string,
  entries: string[],
  options: Record<string, unknown>,
  killAfter: number,
): Promise<KilledChild> {
  const child = spawnTsChild(from, script, entries, childOptions(options));
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += String(d);
  });
  return new Promise((resolve, reject) => {
    const out: KilledChild = { killedAt: -1, total: 0, finished: false };
    let buf = "";
    child.stdout.on("data", (d) => {
      buf += String(d);
      for (const line of buf.split("\n").slice(0, -1)) {
        const m = /^progress (\d+) (\d+)$/.exec(line);
        if (m && out.killedAt < 0 && Number(m[1]) >= killAfter) {
          out.killedAt = Number(m[1]);
          out.total = Number(m[2]);
          child.kill("SIGKILL");
        }
        if (line === "finished") out.finished = true;
      }
      buf = buf.slice(buf.lastIndexOf("\n") + 1);
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (signal !== "SIGKILL" && code !== 0) reject(new Error(`child failed (${code}): ${stderr}`));
      else resolve(out);
    });
  });
}
