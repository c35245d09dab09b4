import { Command, CommanderError } from "commander";
import pkg from "../package.json" with { type: "json" };
import { COMMANDS } from "./commands/index.ts";
import { takeExitCode } from "./exit-code.ts";

/** Where the CLI writes; tests pass their own to capture output. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const processIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

/** Builds the commander program with every registered subcommand. */
export function buildProgram(io: CliIo = processIo): Command {
  const program = new Command("pattern-lens")
    .description("Look at the attention patterns of transformer language models.")
    .version(pkg.version, "-v, --version", "print the version")
    .showHelpAfterError(false)
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();
  for (const register of COMMANDS) register(program, io);
  program.on("command:*", (operands: string[]) => {
    const names = program.commands.map((c) => c.name());
    const guess = closest(operands[0] ?? "", names);
    io.err(
      `pattern-lens: unknown command '${operands[0]}'.${guess ? ` Did you mean '${guess}'?` : ""} Commands: ${names.join(", ")}. See 'pattern-lens --help'.\n`,
    );
    throw new CommanderError(2, "pattern-lens.unknownCommand", "unknown command");
  });
  return program;
}

/**
 * Parses `argv` (without the node and script paths) and runs the command.
 * Resolves to the exit code (0; 1 when the command ran but produced nothing usable; 2 for a
 * usage error commander reported). Errors thrown by a
 * command are rethrown for the caller: `runMain` (the `pattern-lens` binary) prints user errors
 * (`PL_` codes) as one line and exits 2, and anything else with its stack and exits 70.
 */
export async function runCommand(argv: string[], io: CliIo = processIo): Promise<number> {
  const program = buildProgram(io);
  if (argv.length === 0) {
    io.out(program.helpInformation());
    return 0;
  }
  takeExitCode();
  try {
    // `pnpm demo -- --no-serve` passes the `--` on; no command takes operands, so it is dropped.
    await program.parseAsync(
      argv.filter((a) => a !== "--"),
      { from: "user" },
    );
    return takeExitCode();
  } catch (err) {
    takeExitCode();
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    throw err;
  }
}

/** Edit distance between two short strings (for "did you mean"). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** The command name closest to a typo, if it is close enough to be the one meant. */
function closest(typed: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const n of names) {
    const d = n.startsWith(typed) && typed.length >= 3 ? 0 : distance(typed, n);
    if (d < bestD) {
      best = n;
      bestD = d;
    }
  }
  return bestD <= Math.max(2, Math.floor(typed.length / 3)) ? best : undefined;
}
