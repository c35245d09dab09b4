import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { promptHash } from "../src/prompt-hash.ts";
import {
  describeShard,
  inShard,
  resolveShard,
  shardFromEnv,
  shardFromFlag,
  shardOfHash,
} from "../src/shard.ts";

/** The reference: the MD5 digest as one big-endian integer, modulo n (what the Python one-liner computes). */
function reference(text: string, n: number): number {
  const digest = createHash("md5").update(text, "utf8").digest("hex");
  return Number(BigInt(`0x${digest}`) % BigInt(n));
}

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as { code: string }).code;
  }
  return "no error";
}

const texts = Array.from({ length: 500 }, (_, i) => `prompt number ${i}: ${"é".repeat(i % 7)}`);

describe("shardOfHash", () => {
  it("is the MD5 digest as a 128-bit big-endian integer modulo the count", () => {
    for (const n of [1, 2, 3, 7, 64, 1000, 2 ** 31 - 1, 2 ** 40]) {
      for (const t of texts) expect(shardOfHash(promptHash(t), n)).toBe(reference(t, n));
    }
    expect(shardOfHash(promptHash("hello"), 3)).toBe(1); // python3: int.from_bytes(md5(b"hello").digest(), "big") % 3
  });

  it("spreads prompts evenly and never moves a prompt when others are added", () => {
    const counts = [0, 0, 0];
    for (const t of texts) counts[shardOfHash(promptHash(t), 3)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(130);
    const before = texts.slice(0, 100).map((t) => shardOfHash(promptHash(t), 3));
    const after = texts.map((t) => shardOfHash(promptHash(t), 3)).slice(0, 100);
    expect(after).toEqual(before);
  });

  it("partitions: each hash is in exactly one shard", () => {
    for (const t of texts.slice(0, 50)) {
      const h = promptHash(t);
      const owners = [0, 1, 2, 3].filter((index) => inShard(h, { index, count: 4 }));
      expect(owners).toHaveLength(1);
      expect(inShard(h, undefined)).toBe(true);
    }
  });

  it("rejects what is not a prompt hash, and bad counts", () => {
    expect(codeOf(() => shardOfHash("not-a-hash", 3))).toBe("PL_INDEXES_INVALID_ARGUMENT");
    expect(codeOf(() => shardOfHash(promptHash("x"), 0))).toBe("PL_INDEXES_SHARD_INVALID");
    expect(codeOf(() => shardOfHash(promptHash("x"), 1.5))).toBe("PL_INDEXES_SHARD_INVALID");
  });
});

describe("shardFromFlag", () => {
  it("reads K/N counted from 0", () => {
    expect(shardFromFlag("0/3")).toEqual({ index: 0, count: 3, source: "--shard" });
    expect(shardFromFlag(" 2 / 3 ")).toMatchObject({ index: 2, count: 3 });
  });

  it.each(["3/3", "1/0", "-1/3", "1", "a/b", "1/3/4", ""])("rejects %j with the accepted form", (s) => {
    expect(codeOf(() => shardFromFlag(s))).toBe("PL_INDEXES_SHARD_INVALID");
    try {
      shardFromFlag(s);
    } catch (e) {
      expect((e as Error).message).toContain("--shard 0/4");
    }
  });
});

describe("shardFromEnv", () => {
  it("reads Slurm job arrays, counting from SLURM_ARRAY_TASK_MIN", () => {
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: "2", SLURM_ARRAY_TASK_COUNT: "4" })).toEqual({
      index: 2,
      count: 4,
      source: "SLURM_ARRAY_TASK_ID=2, SLURM_ARRAY_TASK_COUNT=4",
    });
    expect(
      shardFromEnv({ SLURM_ARRAY_TASK_ID: "4", SLURM_ARRAY_TASK_COUNT: "4", SLURM_ARRAY_TASK_MIN: "1" }),
    ).toMatchObject({ index: 3, count: 4 });
    expect(
      shardFromEnv({
        SLURM_ARRAY_TASK_ID: "6",
        SLURM_ARRAY_TASK_COUNT: "4",
        SLURM_ARRAY_TASK_MIN: "0",
        SLURM_ARRAY_TASK_STEP: "2",
      }),
    ).toMatchObject({ index: 3, count: 4 });
  });

  it("reads Kubernetes Indexed Jobs with --shards", () => {
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: "1" }, 3)).toEqual({
      index: 1,
      count: 3,
      source: "JOB_COMPLETION_INDEX=1, --shards 3",
    });
    expect(codeOf(() => shardFromEnv({ JOB_COMPLETION_INDEX: "1" }))).toBe("PL_INDEXES_SHARD_ENV");
    expect(codeOf(() => shardFromEnv({ JOB_COMPLETION_INDEX: "3" }, 3))).toBe("PL_INDEXES_SHARD_ENV");
  });

  it("is no shard outside a scheduler or for a one-task array", () => {
    expect(shardFromEnv({})).toBeUndefined();
    expect(shardFromEnv({ SLURM_JOB_ID: "77" })).toBeUndefined();
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: "0", SLURM_ARRAY_TASK_COUNT: "1" })).toBeUndefined();
  });

  it("rejects inconsistent variables with what to do", () => {
    const bad = [
      { SLURM_ARRAY_TASK_ID: "2" },
      { SLURM_ARRAY_TASK_ID: "x", SLURM_ARRAY_TASK_COUNT: "3" },
      { SLURM_ARRAY_TASK_ID: "5", SLURM_ARRAY_TASK_COUNT: "3" },
      {
        SLURM_ARRAY_TASK_ID: "3",
        SLURM_ARRAY_TASK_COUNT: "3",
        SLURM_ARRAY_TASK_MIN: "0",
        SLURM_ARRAY_TASK_STEP: "2",
      },
    ];
    for (const env of bad) expect(codeOf(() => shardFromEnv(env))).toBe("PL_INDEXES_SHARD_ENV");
    // with --shards the task id is the shard: `sbatch --array=3` reruns shard 3 alone
    expect(
      shardFromEnv({ SLURM_ARRAY_TASK_ID: "3", SLURM_ARRAY_TASK_COUNT: "1", SLURM_ARRAY_TASK_MIN: "3" }, 8),
    ).toEqual({ index: 3, count: 8, source: "SLURM_ARRAY_TASK_ID=3, --shards 8" });
    expect(codeOf(() => shardFromEnv({ SLURM_ARRAY_TASK_ID: "8", SLURM_ARRAY_TASK_COUNT: "8" }, 8))).toBe(
      "PL_INDEXES_SHARD_ENV",
    );
  });
});

describe("resolveShard", () => {
  const slurm = { SLURM_ARRAY_TASK_ID: "1", SLURM_ARRAY_TASK_COUNT: "3" };
  it("prefers --shard over the environment", () => {
    expect(resolveShard({ shard: "2/3", env: slurm })).toMatchObject({
      index: 2,
      count: 3,
      source: "--shard",
    });
    expect(resolveShard({ env: slurm })).toMatchObject({ index: 1, count: 3 });
    expect(resolveShard({ shard: "0/1", env: {} })).toBeUndefined();
    expect(resolveShard({ env: {} })).toBeUndefined();
  });

  it("rejects a lone --shards outside a scheduler and disagreeing flags", () => {
    expect(codeOf(() => resolveShard({ shards: 3, env: {} }))).toBe("PL_INDEXES_SHARD_ENV");
    expect(resolveShard({ shards: 1, env: {} })).toBeUndefined();
    expect(codeOf(() => resolveShard({ shard: "1/3", shards: 4, env: {} }))).toBe("PL_INDEXES_SHARD_INVALID");
  });

  it("describes itself for the plan line", () => {
    expect(describeShard(resolveShard({ env: slurm }))).toBe(
      "shard 1/3 (SLURM_ARRAY_TASK_ID=1, SLURM_ARRAY_TASK_COUNT=3)",
    );
    expect(describeShard(undefined)).toBe("all prompts");
  });
});
