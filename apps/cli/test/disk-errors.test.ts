// A full or read-only disk is the user's to fix: every command says PL_*_IO and exits 2, records no
// figure failure for it and leaves no temp file. Real tmpfs / read-only bind mounts (a chmod'ed
// folder where mount is not allowed), real CLI child processes.
import { closeSync, openSync, readdirSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { buildDemoModel } from "@pattern-lens/models";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "#test-support/cli-child.ts";
import { MODEL, removeTempFolders, smallDemo, tempFolder } from "./support/data-folder.ts";
import { type FailingDisk, fullDisk, readOnlyDisk } from "./support/small-disk.ts";

const disks: FailingDisk[] = [];
afterAll(() => {
  for (const d of disks.splice(0)) d.release();
  removeTempFolders();
});

/** Bytes the inputs of `smallDemo(n)` take, rounded up to tmpfs pages, plus `extra` kB. */
function inputsKb(n: number, extra: number): number {
  const probe = smallDemo(n);
  let bytes = 0;
  for (const f of readdirSync(probe, { recursive: true, encoding: "utf8" })) {
    const st = statSync(join(probe, f));
    bytes += st.isFile() ? Math.ceil(st.size / 4096) * 4096 : 4096;
  }
  return Math.ceil(bytes / 1024) + extra;
}

/** Writes a filler file until the disk is full. */
function fillUp(dir: string): void {
  const fd = openSync(join(dir, "filler"), "w");
  const block = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, block);
  } catch {
    // full
  } finally {
    closeSync(fd);
  }
}

/** Names under `dir` of temp files, staged layers and .error.txt files. */
function leftovers(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => /tmp|\.error\.txt$/.test(f));
}

describe("a full disk", () => {
  it.each([["1"], ["2"]])(
    "figures --jobs %s: PL_INDEXES_IO, exit 2, no .error.txt blaming a figure, no temp files",
    async (jobs) => {
      const disk = fullDisk(inputsKb(2, 48), (d) => smallDemo(2, d));
      disks.push(disk);
      const r = await runCli(["figures", "--model", MODEL, "--save-path", disk.dir, "--jobs", jobs]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain("[PL_INDEXES_IO]");
      expect(r.stderr).toContain(disk.errno);
      expect(r.stderr).not.toContain("internal error");
      expect(leftovers(disk.dir)).toEqual([]);
    },
  );

  it("metrics, figures and index on a disk with no room left: PL_INDEXES_IO / PL_VIEWER_IO, exit 2, no temp files", async () => {
    const disk = fullDisk(inputsKb(1, 64), (d) => {
      smallDemo(1, d);
      fillUp(d);
    });
    disks.push(disk);
    const m = await runCli(["metrics", "--model", MODEL, "--save-path", disk.dir, "--jobs", "1"]);
    expect(m.code, m.stderr).toBe(2);
    expect(m.stderr).toContain("[PL_INDEXES_IO]");
    const f = await runCli(["figures", "--model", MODEL, "--save-path", disk.dir, "--jobs", "1"]);
    expect(f.code, f.stderr).toBe(2);
    expect(f.stderr).toContain("[PL_INDEXES_IO]");
    // index rebuilds the indexes first (models.jsonl fails), then writes the viewer
    const i = await runCli(["index", "--path", disk.dir]);
    expect(i.code, i.stderr).toBe(2);
    expect(i.stderr).toContain("[PL_INDEXES_IO]");
    const v = await runCli(["index", "--path", disk.dir, "--no-rebuild"]);
    expect(v.code, v.stderr).toBe(2);
    expect(v.stderr).toContain("[PL_VIEWER_IO]");
    expect(leftovers(disk.dir)).toEqual([]);
  });
});

describe("a read-only data folder", () => {
  it("figures, metrics and index: PL_*_IO naming the real cause (not ENOENT), exit 2", async () => {
    const disk = readOnlyDisk((d) => smallDemo(1, d));
    disks.push(disk);
    for (const [args, code] of [
      [["figures", "--model", MODEL, "--save-path", disk.dir], "PL_INDEXES_IO"],
      [["metrics", "--model", MODEL, "--save-path", disk.dir], "PL_INDEXES_IO"],
      [["index", "--path", disk.dir], "PL_INDEXES_IO"],
      [["index", "--path", disk.dir, "--no-rebuild"], "PL_VIEWER_IO"],
    ] as const) {
      const r = await runCli([...args]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`[${code}]`);
      expect(r.stderr).toContain(disk.errno);
      expect(r.stderr).not.toContain("ENOENT");
    }
  });

  it("activations into a read-only save path: PL_ACTIVATIONS_IO naming the real cause, exit 2", async () => {
    const disk = readOnlyDisk(() => {});
    disks.push(disk);
    const model = await buildDemoModel(join(tempFolder(), "demo-model"));
    const r = await runCli([
      "activations",
      "--model",
      model.dir,
      "--prompts",
      model.prompts,
      "--save-path",
      join(disk.dir, "data"),
      "--min-chars",
      "1",
      "--cache-dir",
      join(tempFolder(), "cache"),
    ]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("[PL_ACTIVATIONS_IO]");
    expect(r.stderr).toContain(disk.errno);
    expect(r.stderr).not.toContain("ENOENT");
  });
});
