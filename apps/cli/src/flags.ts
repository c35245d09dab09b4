import { existsSync, statSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import { resolveShard, type Shard, sanitizeName } from "@pattern-lens/indexes";
import { parseHubSpec } from "@pattern-lens/models";
import { type Command, InvalidArgumentError, Option } from "commander";

/**
 * The one parser for counts: an integer from `min` (and up to `max`). Every count flag of every
 * command (`--jobs`, `--n-samples`, `--batch-size`, `--top`, ...) goes through it, so they reject
 * the same things with the same words.
 */
export function parseCount(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) {
      const range = max < Number.MAX_SAFE_INTEGER ? `from ${min} to ${max}` : `of at least ${min}`;
      throw new InvalidArgumentError(`${flag} must be an integer ${range}.`);
    }
    return n;
  };
}

/** `--jobs <n>`: worker threads, at least 1 (1 runs in-process). */
export const parseJobs = parseCount("--jobs", 1);

/** A TCP port, 0 to 65535 (0 picks a free one). */
export const parsePort = parseCount("--port", 0, 65535);

/** For repeatable flags (`--module a --module b`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const REQUIRED = new WeakMap<Command, { attr: string; flags: string }[]>();

/**
 * Adds a required option that is checked after commander's unknown-option check, so that a typo
 * (`--modle x`) is reported as the unknown option it is, not as "required option '--model' not
 * specified". Commander's own `requiredOption` checks first; use this one instead.
 */
export function requiredOption(
  cmd: Command,
  flags: string,
  description: string,
  parse?: (value: string) => unknown,
): Command {
  const opt = new Option(flags, `${description} (required)`);
  if (parse) opt.argParser(parse);
  cmd.addOption(opt);
  const list = REQUIRED.get(cmd) ?? [];
  if (list.length === 0) {
    REQUIRED.set(cmd, list);
    cmd.hook("preAction", (self) => {
      for (const r of REQUIRED.get(self) ?? []) {
        if (self.getOptionValue(r.attr) === undefined) {
          self.error(`error: required option '${r.flags}' not specified`, {
            exitCode: 2,
            code: "commander.missingMandatoryOptionValue",
          });
        }
      }
    });
  }
  list.push({ attr: opt.attributeName(), flags });
  return cmd;
}

/**
 * Adds `--save-path <dir>` (the data folder; one name in every command) with `-p, --path <dir>`
 * kept as a hidden alias. Without `fallback` the folder is required.
 */
export function addSavePath(cmd: Command, description: string, fallback?: string): Command {
  const main = new Option(
    "--save-path <dir>",
    fallback === undefined ? `${description} (required)` : description,
  );
  if (fallback !== undefined) main.default(fallback);
  cmd.addOption(main).addOption(new Option("-p, --path <dir>", "same as --save-path").hideHelp());
  cmd.hook("preAction", (self) => {
    const alias = self.getOptionValue("path") as string | undefined;
    if (alias !== undefined) {
      const explicit = self.getOptionValueSource("savePath") === "cli";
      if (explicit && self.getOptionValue("savePath") !== alias) {
        self.error("error: --path is another name for --save-path; give one of them.", { exitCode: 2 });
      }
      self.setOptionValueWithSource("savePath", alias, "cli");
    }
    if (self.getOptionValue("savePath") === undefined) {
      self.error("error: required option '--save-path <dir>' not specified", {
        exitCode: 2,
        code: "commander.missingMandatoryOptionValue",
      });
    }
  });
  return cmd;
}

/**
 * Adds the model selection of commands that read saved data (`figures`, `metrics`):
 * `--model-name <name>` (the folder under the save path) or `--model <model>` (the same model
 * spec `activations` took; its folder name is derived the same way). One of them is required;
 * `modelName` holds the folder name in the action.
 */
export function addModelName(cmd: Command): Command {
  cmd
    .option("--model-name <name>", "the model folder under the save path (as `activations` named it)")
    .option("--model <model>", "or: the model spec given to `activations` (its folder name is derived)");
  cmd.hook("preAction", (self) => {
    const name = self.getOptionValue("modelName") as string | undefined;
    const spec = self.getOptionValue("model") as string | undefined;
    if (name !== undefined) return;
    if (spec === undefined) {
      self.error("error: required option '--model-name <name>' (or '--model <model>') not specified", {
        exitCode: 2,
        code: "commander.missingMandatoryOptionValue",
      });
    }
    self.setOptionValue("modelName", modelFolderName(spec as string, self.getOptionValue("savePath")));
  });
  return cmd;
}

/**
 * The folder name `activations` uses for a `--model` spec, without loading or downloading it: a
 * folder already saved under that name wins (older versions took the folder name in `--model`),
 * then a local file's name without extension, a local folder's name, or a hub repo's alias or name.
 */
export function modelFolderName(spec: string, savePath: string | undefined): string {
  if (savePath !== undefined && existsSync(join(savePath, sanitizeName(spec)))) return sanitizeName(spec);
  const path = resolve(spec);
  if (existsSync(path)) {
    return sanitizeName(statSync(path).isFile() ? basename(path, extname(path)) : basename(path));
  }
  try {
    const hub = parseHubSpec(spec);
    return sanitizeName(hub.alias ?? (hub.repoId.split("/").pop() as string));
  } catch {
    return sanitizeName(spec);
  }
}

/** `--shard K/N` / `--shards N` as commander hands them over. */
export interface ShardFlags {
  shard?: string;
  shards?: number;
}

/**
 * Adds `--shard K/N` and `--shards N`: run only one shard of the prompts (split by prompt hash).
 * Without `--shard`, a Slurm job array's or a Kubernetes Indexed Job's environment names the shard.
 */
export function addShardOptions(cmd: Command): Command {
  return cmd
    .option(
      "--shard <k/n>",
      "only shard K of N of the prompts, split by hash (default: from SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT)",
    )
    .option(
      "--shards <n>",
      "N shards, this one's index from the scheduler (JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID)",
      parseCount("--shards", 1),
    );
}

/**
 * The shard this process runs: `--shard`, else the scheduler's environment, else `undefined`
 * (every prompt).
 *
 * @throws {IndexesError} `PL_INDEXES_SHARD_INVALID` / `PL_INDEXES_SHARD_ENV` for a bad flag or env.
 */
export function shardOf(flags: ShardFlags): Shard | undefined {
  return resolveShard({
    ...(flags.shard !== undefined ? { shard: flags.shard } : {}),
    ...(flags.shards !== undefined ? { shards: flags.shards } : {}),
    env: process.env,
  });
}
