import { existsSync, mkdirSync, rmdirSync } from "node:fs";
import { dirname } from "node:path";

/**
 * The real reason a recursive mkdir failed. Node reports `ENOENT` for `mkdir -p` under a read-only
 * or unwritable folder; creating the first missing folder alone gives the true error (`EROFS`,
 * `EACCES`, `ENOSPC`). Returns `err` itself when it is not such a case.
 */
export function realMkdirError(err: unknown): unknown {
  const e = err as NodeJS.ErrnoException;
  if (e?.code !== "ENOENT" || e.syscall !== "mkdir" || typeof e.path !== "string") return err;
  let missing = e.path;
  while (!existsSync(dirname(missing)) && dirname(missing) !== missing) missing = dirname(missing);
  try {
    mkdirSync(missing);
    rmdirSync(missing); // it worked after all (a race): leave things as they were
    return err;
  } catch (real) {
    return real;
  }
}
