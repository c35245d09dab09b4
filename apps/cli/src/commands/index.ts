import type { Command } from "commander";
import type { CliIo } from "../program.ts";
import { registerActivations } from "./activations.ts";
import { registerDemo } from "./demo.ts";
import { registerFigures } from "./figures.ts";
import { registerIndexHtml } from "./index-html.ts";
import { registerLive } from "./live.ts";
import { registerMetrics } from "./metrics.ts";
import { registerModels } from "./models.ts";
import { registerRun } from "./run.ts";
import { registerServe } from "./serve.ts";

/** A subcommand: adds itself to the program. One file per command in this folder. */
export type RegisterCommand = (program: Command, io: CliIo) => void;

/** Every subcommand, in the order `--help` lists them. */
export const COMMANDS: RegisterCommand[] = [
  registerActivations,
  registerFigures,
  registerMetrics,
  registerRun,
  registerServe,
  registerLive,
  registerIndexHtml,
  registerModels,
  registerDemo,
];
