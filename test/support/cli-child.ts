import { type ChildProcessByStdio, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { REPO_ROOT } from "./shared.ts";

/** How a CLI child process ended. */
export interface CliResult {
  /** The exit code (null when killed by a signal). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Every workspace package entry (`@pattern-lens/x`, `@pattern-lens/x/sub`) mapped to its source file. */
function workspaceAliases(): Record<string, string> {
  const alias: [string, string][] = [];
  for (const dir of readdirSync(join(REPO_ROOT, "packages"))) {
    let pkg: { name?: string; exports?: Record<string, { source?: string } | string> };
    try {
      pkg = JSON.parse(readFileSync(join(REPO_ROOT, "packages", dir, "package.json"), "utf8"));
    } catch {
      continue;
    }
    for (const [sub, target] of Object.entries(pkg.exports ?? {})) {
      const source = typeof target === "object" ? target.source : undefined;
      if (!pkg.name || !source) continue;
      alias.push([
        sub === "." ? pkg.name : `${pkg.name}/${sub.slice(2)}`,
        join(REPO_ROOT, "packages", dir, source),
      ]);
    }
  }
  // longer names first: "@pattern-lens/indexes" is a prefix of "@pattern-lens/indexes/node"
  alias.sort((a, b) => b[0].length - a[0].length);
  return Object.fromEntries(alias);
}

/** Options of {@link spawnCli} and {@link runCli}. */
export interface CliOptions {
  cwd?: string;
  env?: Record<string, string>;
}

/**
 * Starts `pattern-lens <args>` from the TypeScript sources in a real child Node process (through
 * jiti, workspace packages aliased to their sources, so no build is needed); stdout and stderr are
 * pipes. For a test that ends the child itself (SIGKILL at a chosen point).
 */
export function spawnCli(
  args: string[],
  options: CliOptions = {},
): ChildProcessByStdio<null, Readable, Readable> {
  const jitiCli = join(
    dirname(
      createRequire(join(REPO_ROOT, "packages", "figures", "package.json")).resolve("jiti/package.json"),
    ),
    "lib/jiti-cli.mjs",
  );
  return spawn(process.execPath, [jitiCli, join(REPO_ROOT, "apps", "cli", "src", "cli.ts"), ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env, JITI_ALIAS: JSON.stringify(workspaceAliases()) },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/**
 * Runs `pattern-lens <args>` as {@link spawnCli} does and resolves with its exit code and output.
 * The child is killed after `timeoutMs`.
 */
export function runCli(
  args: string[],
  options: CliOptions & { timeoutMs?: number } = {},
): Promise<CliResult> {
  const child = spawnCli(args, options);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += String(d);
  });
  child.stderr.on("data", (d) => {
    stderr += String(d);
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 90_000);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
