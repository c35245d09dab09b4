import { FiguresError } from "./errors.ts";

function globToRegExp(glob: string): RegExp {
  let re = "";
  for (const ch of glob) {
    if (ch === "*") re += ".*";
    else if (ch === "?") re += ".";
    else re += ch.replace(/[.+^${}()|[\]\\/-]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/**
 * Picks figure names by a selector: `undefined`, `""` or `"*"` select all; otherwise a comma-separated
 * list whose items are exact names or globs (`*` any run of characters, `?` one character), e.g.
 * `"raw,log*"`. The result keeps the order of `available`.
 *
 * @example
 * ```ts
 * selectFigureNames(["raw", "raw_log", "entropy"], "raw*"); // ["raw", "raw_log"]
 * ```
 * @throws {FiguresError} `PL_FIGURES_UNKNOWN` when an item matches no name (the message lists them).
 */
export function selectFigureNames(available: readonly string[], selector: string | undefined): string[] {
  const text = selector?.trim() ?? "";
  if (text === "" || text === "*") return [...available];
  const items = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  const chosen = new Set<string>();
  for (const item of items) {
    const re = globToRegExp(item);
    const hits = available.filter((name) => re.test(name));
    if (hits.length === 0) {
      throw new FiguresError(
        "PL_FIGURES_UNKNOWN",
        `no figure function matches '${item}'. Registered: ${available.join(", ") || "(none)"}. ` +
          "Load custom figures with --module FILE.",
      );
    }
    for (const h of hits) chosen.add(h);
  }
  return available.filter((n) => chosen.has(n));
}
