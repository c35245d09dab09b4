import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { sha256File } from "@pattern-lens/onnx/node";

/** What the memo keeps per file: its identity at hashing time, and the hash. */
interface MemoEntry {
  path: string;
  size: number;
  mtimeMs: number;
  ino: number;
  dev: number;
  sha256: string;
}

/**
 * sha256 of a file, remembered in `<cacheDir>/sha256/` against the file's path, size, mtime,
 * inode and device: a model opened again unchanged is not read again (hashing a 650 MB graph
 * costs about a second). Any change to those five hashes the file anew. A memo that cannot be
 * read or written is ignored: the hash is then simply computed.
 */
export async function memoSha256(path: string, cacheDir: string): Promise<string> {
  const abs = resolve(path);
  const st = statSync(abs);
  const dir = join(cacheDir, "sha256");
  const file = join(dir, `${createHash("sha256").update(abs).digest("hex").slice(0, 32)}.json`);
  try {
    const m = JSON.parse(readFileSync(file, "utf8")) as Partial<MemoEntry>;
    if (
      m.path === abs &&
      m.size === st.size &&
      m.mtimeMs === st.mtimeMs &&
      m.ino === st.ino &&
      m.dev === st.dev &&
      typeof m.sha256 === "string" &&
      /^[0-9a-f]{64}$/.test(m.sha256)
    ) {
      return m.sha256;
    }
  } catch {
    // no memo yet, or an unreadable one: hash below
  }
  const sha256 = await sha256File(abs);
  const entry: MemoEntry = {
    path: abs,
    size: st.size,
    mtimeMs: st.mtimeMs,
    ino: st.ino,
    dev: st.dev,
    sha256,
  };
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(entry));
    renameSync(tmp, file);
  } catch {
    // a read-only cache only costs the next run a re-hash
  }
  return sha256;
}
