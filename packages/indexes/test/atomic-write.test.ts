import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  atomicTempPid,
  isAtomicTempFile,
  withAtomicFile,
  writeFileAtomic,
  writeFileAtomicSync,
} from "../src/atomic-write.ts";
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

describe("writeFileAtomicSync and atomicTempPid", () => {
  const temp = useTempDir();

  it("replaces a file through a temp file that atomicTempPid names with this pid", () => {
    const dir = temp();
    const p = join(dir, "raw.png");
    writeFileSync(p, "old");
    for (const fsync of [true, false]) {
      writeFileAtomicSync(p, new Uint8Array([fsync ? 1 : 2, 3]), { fsync });
      expect([...readFileSync(p)]).toEqual([fsync ? 1 : 2, 3]);
    }
    writeFileAtomicSync(p, "text");
    expect(readFileSync(p, "utf8")).toBe("text");
    expect(readdirSync(dir)).toEqual(["raw.png"]);
  });

  it("keeps the old file and leaves no temp file when the write fails", () => {
    const dir = temp();
    expect(() => writeFileAtomicSync(join(dir, "missing", "f"), "x")).toThrow(
      expect.objectContaining({ code: "PL_INDEXES_NOT_FOUND" }),
    );
    const target = join(dir, "target");
    mkdirSync(join(target, "inside"), { recursive: true }); // a folder: the rename fails
    expect(() => writeFileAtomicSync(target, "x")).toThrow(IndexesError);
    expect(readdirSync(dir)).toEqual(["target"]);
  });

  it("reads the writer's pid from this naming and the older `.<name>.<pid>.tmp` one", async () => {
    const dir = temp();
    let during: string[] = [];
    await withAtomicFile(join(dir, "prompt.json"), async () => {
      during = readdirSync(dir);
    });
    expect(atomicTempPid(during[0]!)).toBe(process.pid);
    expect(atomicTempPid(".raw.png.4242.0a1b2c3d4e5f.tmp")).toBe(4242);
    expect(atomicTempPid(".raw.png.4242.tmp")).toBe(4242);
    expect(atomicTempPid(".figures_source.json.17.tmp")).toBe(17);
    for (const name of ["raw.png", "prompt.json", ".x.tmp", ".raw.png.tmp", "raw.png.4242.tmp", ".a.b.c"])
      expect(atomicTempPid(name), name).toBeUndefined();
  });
});
