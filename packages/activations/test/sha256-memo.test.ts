import { createHash } from "node:crypto";
import { readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { memoSha256 } from "../src/_sha256-memo.ts";
import { tempDir } from "./_helpers.ts";

const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

describe("memoSha256", () => {
  it("hashes once, then answers from the memo while size, mtime and inode are unchanged", async () => {
    const cacheDir = tempDir();
    const file = join(tempDir(), "model.onnx");
    writeFileSync(file, "weights v1");
    expect(await memoSha256(file, cacheDir)).toBe(sha("weights v1"));
    const memos = readdirSync(join(cacheDir, "sha256"));
    expect(memos).toHaveLength(1);
    // prove the second call reads the memo, not the file: plant a different (well-formed) hash
    const memoPath = join(cacheDir, "sha256", memos[0]!);
    const memo = JSON.parse(readFileSync(memoPath, "utf8"));
    writeFileSync(memoPath, JSON.stringify({ ...memo, sha256: "f".repeat(64) }));
    expect(await memoSha256(file, cacheDir)).toBe("f".repeat(64));
    // a changed file (same size, new mtime) is hashed again and the memo replaced
    writeFileSync(file, "weights v2");
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(await memoSha256(file, cacheDir)).toBe(sha("weights v2"));
    expect(JSON.parse(readFileSync(memoPath, "utf8")).sha256).toBe(sha("weights v2"));
  });

  it("ignores a corrupt memo and still works with a cache folder it cannot write", async () => {
    const cacheDir = tempDir();
    const file = join(tempDir(), "m.onnx");
    writeFileSync(file, "abc");
    await memoSha256(file, cacheDir);
    const memoPath = join(cacheDir, "sha256", readdirSync(join(cacheDir, "sha256"))[0]!);
    writeFileSync(memoPath, "{not json");
    expect(await memoSha256(file, cacheDir)).toBe(sha("abc"));
    const notADir = join(tempDir(), "file-not-dir");
    writeFileSync(notADir, "");
    expect(await memoSha256(file, notADir)).toBe(sha("abc"));
  });
});
