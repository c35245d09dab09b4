import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeNpz } from "@pattern-lens/indexes";
import { afterAll, describe, expect, it } from "vitest";
import { type ActivationsError, activationsMain } from "../src/index.ts";
import { gpt2TinyDir, gpt2TinyPrompts, tempDir } from "./_helpers.ts";

/** Every file under `dir`, relative. */
function files(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name), base) : [join(dir, e.name).slice(base.length + 1)],
  );
}

// A real full disk: a 96 KiB tmpfs. Mounting needs root (which these machines and their CI give);
// where the mount is refused the test is skipped, since there is no real full disk to test on.
const mnt = join(tempDir(), "small-disk");
mkdirSync(mnt);
let mounted = false;
try {
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=96k", "tmpfs", mnt], { stdio: "ignore" });
  mounted = true;
} catch {
  rmdirSync(mnt);
}

describe.runIf(mounted)("a full disk", () => {
  afterAll(() => {
    execFileSync("umount", [mnt]);
    rmdirSync(mnt);
  });

  it("stops with PL_INDEXES_IO saying the disk is full, leaving only complete files and no temp files", async () => {
    const prompts = join(tempDir(), "p.jsonl");
    const texts = gpt2TinyPrompts().map((r) => r.text);
    // enough stored (uncompressed) patterns to overflow 96 KiB
    writeFileSync(
      prompts,
      `${[...texts, ...texts.map((t) => `${t} again`), ...texts.map((t) => `${t} more`)].map((text) => JSON.stringify({ text })).join("\n")}\n`,
    );
    const err = (await activationsMain({
      model: gpt2TinyDir(),
      prompts,
      savePath: mnt,
      minChars: 1,
      cacheDir: tempDir(),
      compressLevel: 0,
      batchSize: 1,
    }).catch((e: unknown) => e)) as ActivationsError;
    expect(err.code).toBe("PL_INDEXES_IO");
    expect(err.message).toMatch(/ENOSPC|no space/i);
    expect(err.message).toMatch(/free (disk )?space/);
    const left = files(mnt);
    expect(left.filter((f) => f.endsWith(".tmp"))).toEqual([]);
    const npzs = left.filter((f) => f.endsWith("activations.npz"));
    for (const f of npzs) {
      const arrays = decodeNpz(new Uint8Array(readFileSync(join(mnt, f))));
      expect(arrays.size).toBe(2);
    }
    // a prompt folder never holds an npz without its prompt.json being written after it
    for (const f of left.filter((x) => x.endsWith("prompt.json"))) {
      expect(existsSync(join(mnt, f.replace(/prompt\.json$/, "activations.npz")))).toBe(true);
    }
  });
});
