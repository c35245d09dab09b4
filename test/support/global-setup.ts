import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/**
 * Runs once before any test (vitest `globalSetup`):
 * - checks that the shared reference data is there, and stops the run with one message if not
 *   (instead of the same error from every test that reads it);
 * - points TMPDIR at a fresh folder for this run, removed afterwards, so no test run leaves
 *   temp folders behind even when a test forgets its own cleanup or is killed halfway.
 */
export default function setup(): () => void {
  const shared = resolve(process.env.PATTERN_LENS_SHARED ?? join(repoRoot, "..", "shared"));
  if (!existsSync(join(shared, "README.md"))) {
    throw new Error(
      `the shared reference data is not at ${shared}.\n` +
        "Many tests compare against it (Python pattern-lens output, tiny models, prompt sets). It is not part of\n" +
        "this repository: it sits beside it as ../shared on development machines and in CI (see README.md,\n" +
        "'Tests'). Put it there, or set PATTERN_LENS_SHARED to where it is, and run the tests again.",
    );
  }
  const runTmp = mkdtempSync(join(tmpdir(), "pl-test-run-"));
  const before = process.env.TMPDIR;
  process.env.TMPDIR = runTmp;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    rmSync(runTmp, { recursive: true, force: true });
  };
}
