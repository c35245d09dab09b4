import { Command, CommanderError } from "commander";
import pkg from "../package.json" with { type: "json" };
import { COMMANDS } from "./commands/index.ts";

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
    const names = program.commands.map((c) => c.name()).join(", ") || "(none yet)";
    io.err(
      `pattern-lens: unknown command '${operands[0]}'. Commands: ${names}. See 'pattern-lens --help'.\n`,
    );
    throw new CommanderError(2, "pattern-lens.unknownCommand", "unknown command");
  });
  return program;
}

/**
 * Parses `argv` (without the node and script paths) and runs the command.
 * Resolves to the exit code (0, or 2 for a usage error commander reported). Errors thrown by a
 * command are rethrown for the caller: `runMain` (the `pattern-lens` binary) prints user errors
 * (`PL_` codes) as one line and exits 2, and anything else with its stack and exits 70.
 */
export async function runCommand(argv: string[], io: CliIo = processIo): Promise<number> {
  const program = buildProgram(io);
  if (argv.length === 0) {
    io.out(program.helpInformation());
    return 0;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    throw err;
  }
}
