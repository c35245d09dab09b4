/**
 * Heavy commands on Linux run in a child process started with `GLIBC_TUNABLES` set for big
 * buffers. glibc reads its tunables only when a process starts, and Node cannot exec itself, so
 * the CLI relaunches: a parent that forwards signals and exit status, and a child that does the
 * work and ends itself if the parent disappears (killed with SIGKILL: nothing is left running).
 *
 * Why: ONNX Runtime and Node hand out each layer's `[heads, n, n]` buffers (192 MB for GPT-2 small
 * at 2,000 tokens) as fresh memory; the kernel faults it in 4 KiB pages and zeroes them, which
 * cost more than the forward pass. `glibc.malloc.hugetlb=1` makes glibc ask for transparent huge
 * pages for those mappings (2,000-token GPT-2-small run: 24.1 s without, 14.6 s with).
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";

/** The malloc tunables heavy commands run with. */
export const MALLOC_TUNABLES = "glibc.malloc.hugetlb=1";

/** Commands whose run time is dominated by big attention buffers. */
const HEAVY = new Set(["activations", "run"]);

/** Set in the child, so it does not relaunch again. */
const MARK = "PATTERN_LENS_RELAUNCHED";

/**
 * Whether this invocation should relaunch: Linux, the built CLI (`script` is not TypeScript run
 * through a loader, which a plain relaunch could not repeat), a heavy command, no hugetlb choice
 * of the user's in `GLIBC_TUNABLES`, not already relaunched, and not turned off with
 * `PATTERN_LENS_NO_RELAUNCH=1`.
 */
export function shouldRelaunch(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  platform: string,
  script: string,
): boolean {
  if (platform !== "linux" || env[MARK] !== undefined || env.PATTERN_LENS_NO_RELAUNCH === "1") return false;
  if (/\.[cm]?ts$/.test(script)) return false;
  if (/(^|:)glibc\.malloc\.hugetlb=/.test(env.GLIBC_TUNABLES ?? "")) return false;
  const command = argv.find((a) => !a.startsWith("-"));
  return command !== undefined && HEAVY.has(command);
}

/** The child's `GLIBC_TUNABLES`: the user's own tunables, then ours. */
export function childTunables(current: string | undefined): string {
  return current ? `${current}:${MALLOC_TUNABLES}` : MALLOC_TUNABLES;
}

/**
 * Relaunches this process's command line as described above when {@link shouldRelaunch} says so
 * for the CLI arguments `argv`; returns false (and does nothing) otherwise. In the relaunched
 * child it arranges that the child ends when the parent does; call it there too.
 */
export function relaunch(argv: readonly string[]): boolean {
  if (process.env[MARK] !== undefined) {
    // the child: end with the parent (its IPC channel closes when it dies, even by SIGKILL)
    if (process.channel) {
      process.on("disconnect", () => process.kill(process.pid, "SIGKILL"));
      process.channel.unref();
    }
    return false;
  }
  if (!shouldRelaunch(argv, process.env, process.platform, process.argv[1] ?? "")) return false;
  // the same command line (a loader such as jiti included), in a child
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: ["inherit", "inherit", "inherit", "ipc"],
    env: { ...process.env, GLIBC_TUNABLES: childTunables(process.env.GLIBC_TUNABLES), [MARK]: "1" },
  });
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  const forward = (s: NodeJS.Signals) => () => {
    child.kill(s);
  };
  const handlers = signals.map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  child.on("error", (err) => {
    process.stderr.write(
      `pattern-lens: error [PL_CLI_RELAUNCH]: cannot start ${process.execPath}: ${err.message}. Set PATTERN_LENS_NO_RELAUNCH=1 to run in this process.\n`,
    );
    process.exitCode = 70;
  });
  child.on("exit", (code, signal) => {
    for (const [s, h] of handlers) process.off(s, h);
    if (signal) {
      // end the way the child did, so the shell sees the same status (130 after Ctrl-C)
      process.kill(process.pid, signal);
      setTimeout(() => process.exit(128 + (constants.signals[signal] ?? 0)), 1000);
    } else process.exit(code ?? 1);
  });
  return true;
}
