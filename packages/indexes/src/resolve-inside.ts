import { realpathSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { IndexesError } from "./errors.ts";
import { checkSafeName } from "./safe-name.ts";

/** The real path of `path`, or of its nearest existing ancestor with the rest appended. */
function realOrAncestor(path: string): string {
  const rest: string[] = [];
  let p = path;
  for (;;) {
    try {
      return join(realpathSync(p), ...rest.reverse());
    } catch {
      const parent = dirname(p);
      if (parent === p) return path;
      rest.push(p.slice(parent.length).replace(/^[/\\]+/, ""));
      p = parent;
    }
  }
}

/**
 * Whether `path` stays inside `savePath` once symlinks are resolved (of the parts that exist).
 * `savePath` itself may be a symlink.
 */
export function isInside(savePath: string, path: string): boolean {
  const root = realOrAncestor(resolve(savePath));
  const real = realOrAncestor(resolve(path));
  return real === root || real.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * Joins `segments` under `savePath`, each checked as a plain folder name (see `isSafeName`), and
 * checks that the result, symlinks resolved, is still inside `savePath`: the one gate for a path built
 * from names read out of a data folder.
 *
 * @example
 * ```ts
 * resolveInside("data", "pythia-14m", "prompts", hash); // "/abs/data/pythia-14m/prompts/<hash>"
 * ```
 * @throws {@link IndexesError} `PL_INDEXES_UNSAFE_NAME` for a segment like `..` or `a/b`;
 *   `PL_INDEXES_OUTSIDE_SAVE_PATH` when a symlink inside the data folder leads out of it.
 */
export function resolveInside(savePath: string, ...segments: string[]): string {
  for (const s of segments) checkSafeName("path segment", s);
  const path = resolve(savePath, ...segments);
  checkInside(savePath, path);
  return path;
}

/**
 * Throws unless `path` (symlinks resolved) is inside `savePath`.
 *
 * @throws {@link IndexesError} `PL_INDEXES_OUTSIDE_SAVE_PATH`
 */
export function checkInside(savePath: string, path: string): void {
  if (!isInside(savePath, path)) {
    throw new IndexesError(
      "PL_INDEXES_OUTSIDE_SAVE_PATH",
      `${path} leads outside the data folder ${resolve(savePath)} (a symlink?). pattern-lens reads and writes only inside the data folder; replace the link with the folder itself.`,
    );
  }
}
