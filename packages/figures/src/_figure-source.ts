// Which patterns a prompt's figures were made from: `figures_source.json` in the prompt folder
// records the size and modification time of the activations.npz they were rendered from. When the
// archive changes (`activations --force`, a copied-in folder), its figures are stale and the next
// run renders them again instead of counting them as done.
import { readFileSync, statSync } from "node:fs";
import { writeFigureAtomic } from "./_figure-files.ts";

/** The file name, in `<save>/<model>/prompts/<hash>/`. */
export const FIGURE_SOURCE_FILE = "figures_source.json";

/** Size and modification time of an activations.npz. */
export interface NpzStamp {
  size: number;
  mtime_ms: number;
}

/** The archive's stamp now, or undefined when it does not exist. */
export function npzStamp(npzPath: string): NpzStamp | undefined {
  try {
    const st = statSync(npzPath);
    return { size: st.size, mtime_ms: st.mtimeMs };
  } catch {
    return undefined;
  }
}

/**
 * The stamp recorded when the prompt's figures were last rendered: `undefined` when there is none
 * (figures from before this file existed, or from the Python pattern-lens: trusted as they are),
 * `"unreadable"` when the file is damaged (treated as stale).
 */
export function recordedStamp(
  promptDir: string,
  listed: Set<string> | undefined,
): NpzStamp | "unreadable" | undefined {
  if (listed !== undefined && !listed.has(FIGURE_SOURCE_FILE)) return undefined;
  let text: string;
  try {
    text = readFileSync(`${promptDir}/${FIGURE_SOURCE_FILE}`, "utf8");
  } catch {
    return undefined;
  }
  try {
    const s = (JSON.parse(text) as Record<string, unknown>)["activations.npz"] as Record<string, unknown>;
    if (typeof s?.size === "number" && typeof s.mtime_ms === "number")
      return { size: s.size, mtime_ms: s.mtime_ms };
  } catch {
    // fall through
  }
  return "unreadable";
}

/** Whether the recorded stamp says the figures came from another archive than `now`. */
export function isStale(recorded: NpzStamp | "unreadable" | undefined, now: NpzStamp | undefined): boolean {
  if (recorded === undefined || now === undefined) return false;
  if (recorded === "unreadable") return true;
  return recorded.size !== now.size || recorded.mtime_ms !== now.mtime_ms;
}

/** Records that the prompt's figures now come from the archive with stamp `now` (atomic write). */
export function writeStamp(promptDir: string, now: NpzStamp): void {
  writeFigureAtomic(`${promptDir}/${FIGURE_SOURCE_FILE}`, `${JSON.stringify({ "activations.npz": now })}\n`);
}
