// Which prompts a shard of a run owns: a pure partition by prompt hash, and the shard read from a
// job scheduler's environment (Slurm job arrays, Kubernetes Indexed Jobs).

import { IndexesError } from "./errors.ts";

/** One shard of a run: the prompts whose hash gives `index` modulo `count` (see {@link shardOfHash}). */
export interface Shard {
  /** 0-based, `< count`. */
  index: number;
  /** How many shards the prompts are split into (at least 1). */
  count: number;
  /** Where the shard came from, for the plan line: `--shard`, Slurm or Kubernetes variables. */
  source: string;
}

const URL_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const HASH = /^[A-Za-z0-9_-]{22}$/;
/** Shard counts stay small enough that `r * 64 + 63` is an exact double. */
const MAX_SHARDS = 2 ** 40;

function checkCount(count: number, what: string): void {
  if (!Number.isInteger(count) || count < 1 || count > MAX_SHARDS) {
    throw new IndexesError(
      "PL_INDEXES_SHARD_INVALID",
      `${what} must be a whole number of shards from 1, got ${count}.`,
    );
  }
}

/**
 * The shard (0 to `count - 1`) a prompt belongs to: its MD5 digest (the 16 bytes its hash
 * encodes) read as one big-endian 128-bit unsigned integer, modulo `count`. It depends on the
 * prompt alone, so adding prompts never moves others between shards, and every tool agrees on it
 * (Python: `int.from_bytes(hashlib.md5(text.encode()).digest(), "big") % count`).
 *
 * @param hash - a prompt hash ({@link promptHash}: 22 URL-safe base64 characters)
 * @throws {@link IndexesError} `PL_INDEXES_INVALID_ARGUMENT` for a string that is not a prompt hash,
 *   `PL_INDEXES_SHARD_INVALID` for a bad count.
 * @example
 * ```ts
 * shardOfHash(promptHash("hello"), 3); // 1
 * ```
 */
export function shardOfHash(hash: string, count: number): number {
  checkCount(count, "the shard count");
  if (!HASH.test(hash)) {
    throw new IndexesError(
      "PL_INDEXES_INVALID_ARGUMENT",
      `"${hash}" is not a prompt hash (22 characters of A-Z a-z 0-9 - _); prompt folders are named by promptHash(text).`,
    );
  }
  // 22 base64 digits are 132 bits: the digest's 128 bits followed by 4 zero bits
  let r = 0;
  for (let i = 0; i < 21; i++) r = (r * 64 + URL_SAFE.indexOf(hash[i] as string)) % count;
  return (r * 4 + (URL_SAFE.indexOf(hash[21] as string) >> 4)) % count;
}

/** Whether the prompt with this hash belongs to `shard` (always true without a shard). */
export function inShard(hash: string, shard: Pick<Shard, "index" | "count"> | undefined): boolean {
  return shard === undefined || shard.count === 1 || shardOfHash(hash, shard.count) === shard.index;
}

/**
 * Parses `K/N` (`--shard`): shard K (0-based) of N.
 *
 * @throws {@link IndexesError} `PL_INDEXES_SHARD_INVALID` with the accepted form.
 * @example
 * ```ts
 * shardFromFlag("1/3"); // { index: 1, count: 3, source: "--shard" }
 * ```
 */
export function shardFromFlag(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || count > MAX_SHARDS || index >= count) {
    throw new IndexesError(
      "PL_INDEXES_SHARD_INVALID",
      `--shard takes K/N with 0 <= K < N (shard K of N, counted from 0), e.g. --shard 0/4; got "${text}".`,
    );
  }
  return { index, count, source: "--shard" };
}

/** The environment variables {@link shardFromEnv} reads. */
export type SchedulerEnv = Readonly<Record<string, string | undefined>>;

function envInt(env: SchedulerEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v.trim() === "") return undefined;
  if (!/^\s*\d+\s*$/.test(v)) {
    throw new IndexesError(
      "PL_INDEXES_SHARD_ENV",
      `${name}="${v}" is not a whole number; unset it or pass --shard K/N.`,
    );
  }
  return Number(v);
}

function fromSlurm(env: SchedulerEnv, shards: number | undefined): Shard | undefined {
  const id = envInt(env, "SLURM_ARRAY_TASK_ID");
  if (id === undefined) return undefined;
  if (shards !== undefined) {
    // the array ids are the shard indexes: `sbatch --array=3` reruns shard 3 alone
    if (id >= shards) {
      throw new IndexesError(
        "PL_INDEXES_SHARD_ENV",
        `SLURM_ARRAY_TASK_ID=${id} is not a shard of --shards ${shards}: with --shards N submit the array as --array=0-${shards - 1}.`,
      );
    }
    return { index: id, count: shards, source: `SLURM_ARRAY_TASK_ID=${id}, --shards ${shards}` };
  }
  const count = envInt(env, "SLURM_ARRAY_TASK_COUNT");
  if (count === undefined) {
    throw new IndexesError(
      "PL_INDEXES_SHARD_ENV",
      `SLURM_ARRAY_TASK_ID=${id} is set but SLURM_ARRAY_TASK_COUNT is not: pass --shards N (the array size) or --shard K/N.`,
    );
  }
  const min = envInt(env, "SLURM_ARRAY_TASK_MIN") ?? 0;
  const step = envInt(env, "SLURM_ARRAY_TASK_STEP") ?? 1;
  const index = (id - min) / Math.max(1, step);
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new IndexesError(
      "PL_INDEXES_SHARD_ENV",
      `SLURM_ARRAY_TASK_ID=${id} is not one of ${count} evenly spaced tasks from SLURM_ARRAY_TASK_MIN=${min} (step ${step}): submit the array as --array=0-${count - 1}, or pass --shards N or --shard K/N.`,
    );
  }
  const parts = [`SLURM_ARRAY_TASK_ID=${id}`, `SLURM_ARRAY_TASK_COUNT=${count}`];
  if (min !== 0) parts.push(`SLURM_ARRAY_TASK_MIN=${min}`);
  return { index, count, source: parts.join(", ") };
}

/**
 * The shard a job scheduler assigned to this process, from its environment:
 *
 * - Slurm job arrays: `SLURM_ARRAY_TASK_ID` and `SLURM_ARRAY_TASK_COUNT` (the index counts from
 *   `SLURM_ARRAY_TASK_MIN`, so `--array=1-8` works as well as `--array=0-7`); with `shards`
 *   (`--shards N`) the task id is the shard index itself, so `sbatch --array=3` reruns shard 3 of N;
 * - Kubernetes Indexed Jobs: `JOB_COMPLETION_INDEX`, with the count from `shards` (`--shards N`,
 *   the Job's `completions`), which the environment does not carry.
 *
 * Returns `undefined` outside a scheduler (or for a 1-task array without `shards`), i.e. the
 * whole run.
 *
 * @throws {@link IndexesError} `PL_INDEXES_SHARD_ENV` for incomplete or inconsistent variables (the
 *   message names them and what to pass instead), `PL_INDEXES_SHARD_INVALID` for a bad `shards`.
 * @example
 * ```ts
 * shardFromEnv({ SLURM_ARRAY_TASK_ID: "2", SLURM_ARRAY_TASK_COUNT: "4" });
 * // { index: 2, count: 4, source: "SLURM_ARRAY_TASK_ID=2, SLURM_ARRAY_TASK_COUNT=4" }
 * ```
 */
export function shardFromEnv(env: SchedulerEnv, shards?: number): Shard | undefined {
  if (shards !== undefined) checkCount(shards, "--shards");
  let shard = fromSlurm(env, shards);
  if (shard === undefined) {
    const k = envInt(env, "JOB_COMPLETION_INDEX");
    if (k !== undefined) {
      if (shards === undefined) {
        throw new IndexesError(
          "PL_INDEXES_SHARD_ENV",
          `JOB_COMPLETION_INDEX=${k} is set (a Kubernetes Indexed Job) but the shard count is not: pass --shards N with N = the Job's completions.`,
        );
      }
      if (k >= shards) {
        throw new IndexesError(
          "PL_INDEXES_SHARD_ENV",
          `JOB_COMPLETION_INDEX=${k} is not below --shards ${shards}: set --shards to the Job's completions.`,
        );
      }
      shard = { index: k, count: shards, source: `JOB_COMPLETION_INDEX=${k}, --shards ${shards}` };
    }
  }
  return shard === undefined || shard.count === 1 ? undefined : shard;
}

/**
 * The shard of this run: `--shard K/N` when given (the environment is then not read), else the
 * scheduler's ({@link shardFromEnv}), else `undefined` (every prompt). A lone `--shards N`
 * outside a scheduler is an error, since it names no shard.
 *
 * @throws {@link IndexesError} `PL_INDEXES_SHARD_INVALID`, `PL_INDEXES_SHARD_ENV`.
 */
export function resolveShard(opts: {
  shard?: string;
  shards?: number;
  env: SchedulerEnv;
}): Shard | undefined {
  if (opts.shard !== undefined) {
    const s = shardFromFlag(opts.shard);
    if (opts.shards !== undefined && opts.shards !== s.count) {
      throw new IndexesError(
        "PL_INDEXES_SHARD_INVALID",
        `--shard ${opts.shard} and --shards ${opts.shards} disagree; pass one of them.`,
      );
    }
    return s.count === 1 ? undefined : s;
  }
  const s = shardFromEnv(opts.env, opts.shards);
  if (s === undefined && opts.shards !== undefined && opts.shards > 1) {
    throw new IndexesError(
      "PL_INDEXES_SHARD_ENV",
      `--shards ${opts.shards} needs the shard index from a scheduler (SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX); outside one pass --shard K/${opts.shards}.`,
    );
  }
  return s;
}

/**
 * The words for a plan line: `"shard 1/3 (SLURM_ARRAY_TASK_ID=1, SLURM_ARRAY_TASK_COUNT=3)"`,
 * `"shard 1/3 (--shard)"`, or
 * `"all prompts"` without a shard.
 */
export function describeShard(shard: Shard | undefined): string {
  return shard === undefined ? "all prompts" : `shard ${shard.index}/${shard.count} (${shard.source})`;
}
