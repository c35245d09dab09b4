import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/**
 * The folder of shared reference data (`PATTERN_LENS_SHARED`, default `../shared` beside the repo).
 * Throws when it is missing: tests that need it fail, they never skip.
 */
export function sharedDir(): string {
  const dir = resolve(process.env.PATTERN_LENS_SHARED ?? join(repoRoot, "..", "shared"));
  if (!existsSync(join(dir, "README.md"))) {
    throw new Error(
      `shared reference data not found at ${dir}. Set PATTERN_LENS_SHARED to the shared/ folder that sits beside the repository.`,
    );
  }
  return dir;
}

/** A path inside the shared folder; throws if that file or folder does not exist. */
export function sharedPath(...parts: string[]): string {
  const p = join(sharedDir(), ...parts);
  if (!existsSync(p)) throw new Error(`shared reference file missing: ${p}`);
  return p;
}

/** The repository root. */
export const REPO_ROOT = repoRoot;
