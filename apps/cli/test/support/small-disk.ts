import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { tempFolder } from "./data-folder.ts";

/** A folder on a disk that fails writes, and how it fails them. */
export interface FailingDisk {
  /** The mount point (or plain folder), filled by `fill` before it fails. */
  dir: string;
  /** What writes there fail with: `ENOSPC` (a full tmpfs), `EROFS` (read-only bind mount) or `EACCES`. */
  errno: "ENOSPC" | "EROFS" | "EACCES";
  /** Unmounts (or restores permissions); the temp folder itself goes with the test's cleanup. */
  release(): void;
}

function tryMount(args: string[]): boolean {
  try {
    execFileSync("mount", args, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * A real disk that runs out of space: a tmpfs of `kb` kilobytes, after `fill(dir)` has copied the
 * inputs in. Where `mount` is not allowed (not root), a folder made read-only with chmod stands in
 * (writes then fail with EACCES, the same path through the code).
 */
export function fullDisk(kb: number, fill: (dir: string) => void): FailingDisk {
  const dir = join(tempFolder("pl-disk-"), "mnt");
  mkdirSync(dir);
  if (tryMount(["-t", "tmpfs", "-o", `size=${kb}k`, "tmpfs", dir])) {
    fill(dir);
    return { dir, errno: "ENOSPC", release: () => void execFileSync("umount", ["-l", dir]) };
  }
  return readOnlyFallback(dir, fill);
}

/** A read-only bind mount of a folder `fill` prepared (chmod fallback where mount is not allowed). */
export function readOnlyDisk(fill: (dir: string) => void): FailingDisk {
  const src = join(tempFolder("pl-disk-"), "src");
  mkdirSync(src);
  fill(src);
  const dir = join(tempFolder("pl-disk-"), "ro");
  mkdirSync(dir);
  if (tryMount(["--bind", src, dir]) && tryMount(["-o", "remount,bind,ro", dir])) {
    return { dir, errno: "EROFS", release: () => void execFileSync("umount", ["-l", dir]) };
  }
  return readOnlyFallback(src, () => {});
}

function readOnlyFallback(dir: string, fill: (dir: string) => void): FailingDisk {
  fill(dir);
  const dirs = execFileSync("find", [dir, "-type", "d"], { encoding: "utf8" }).trim().split("\n");
  for (const d of dirs) chmodSync(d, 0o555);
  return {
    dir,
    errno: "EACCES",
    release: () => {
      for (const d of dirs) chmodSync(d, 0o755);
    },
  };
}
