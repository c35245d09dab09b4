import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isAtomicTempFile, withAtomicFile, writeFileAtomic } from "../src/atomic-write.ts";
import { IndexesError } from "../src/errors.ts";
import { rejectsWith, useTempDir } from "./support/temp.ts";

describe("writeFileAtomic", () => {
  const temp = useTempDir();

  it("writes strings and bytes, replacing the old file, creating parent folders, leaving no temp file", async () => {
    const dir = temp();
    const p = join(dir, "a", "b", "f.txt");
    await writeFileAtomic(p, "héllo");
    expect(readFileSync(p, "utf8")).toBe("héllo");
    await writeFileAtomic(p, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(p)]).toEqual([1, 2, 3]);
    expect(readdirSync(join(dir, "a", "b"))).toEqual(["f.txt"]);
  });

  it("keeps the old file and removes the temp file when the writer fails", async () => {
    const dir = temp();
    const p = join(dir, "index.jsonl");
    writeFileSync(p, "old\n");
    const boom = new IndexesError("PL_INDEXES_INVALID_ARGUMENT", "boom");
    await expect(
      withAtomicFile(p, async (fh) => {
        await fh.write("half a li");
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(readFileSync(p, "utf8")).toBe("old\n");
    expect(readdirSync(dir)).toEqual(["index.jsonl"]);
  });

  it("reports an unwritable target as PL_INDEXES_IO with the path", async () => {
    const dir = temp();
    const target = join(dir, "is-a-dir");
    mkdirSync(target);
    writeFileSync(join(target, "x"), "");
    const r = await rejectsWith(writeFileAtomic(target, "data"));
    expect(r.code).toBe("PL_INDEXES_IO");
    expect(r.message).toContain(target);
    expect(readdirSync(dir)).toEqual(["is-a-dir"]);
    if (process.getuid?.() !== 0) {
      const ro = join(dir, "ro");
      mkdirSync(ro);
      chmodSync(ro, 0o500);
      expect((await rejectsWith(writeFileAtomic(join(ro, "f"), "x"))).code).toBe("PL_INDEXES_IO");
      expect(existsSync(join(ro, "f"))).toBe(false);
    }
  });

  it("names its temp file so isAtomicTempFile recognises it (for cleanup after a crash)", async () => {
    const dir = temp();
    let during: string[] = [];
    await withAtomicFile(join(dir, "activations.npz"), async () => {
      during = readdirSync(dir);
    });
    expect(during.length).toBe(1);
    expect(isAtomicTempFile(during[0]!)).toBe(true);
    expect(during[0]!.startsWith(".activations.npz.")).toBe(true);
    expect(isAtomicTempFile("activations.npz")).toBe(false);
    expect(isAtomicTempFile("prompt.json")).toBe(false);
    expect(isAtomicTempFile(".x.tmp")).toBe(false);
  });
});
