import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { type FigureMeta, figuresIndexPath, stringifyJsonl } from "@pattern-lens/indexes";
import { writeFileAtomic } from "@pattern-lens/indexes/node";
import { FigureMetaSchema } from "@pattern-lens/indexes/schemas";
import type { FigureSource, RegisteredFigure } from "./types.ts";

/**
 * How `source` is written: a package name for built-ins, the module's path relative to the data folder
 * (POSIX separators) for user modules, `"<inline>"` for figures registered in code. Never an absolute path.
 */
export function figureSourceText(source: FigureSource, savePath: string): string {
  if (source.kind === "package") return source.name;
  if (source.kind === "inline") return "<inline>";
  const rel = relative(resolve(savePath), source.path);
  if (rel === "" || isAbsolute(rel)) return source.path.split(sep).pop() ?? "<module>";
  return rel.split(sep).join("/");
}

/**
 * The figures.jsonl lines of registered figures: one per figure name. A single figure gives one line
 * named after the function; a multi-figure function gives one line per declared sub-figure,
 * named `{func}.{sub}` (its files are `{func}.{sub}.{fmt}`), all with the same `func_name`.
 */
export function figureIndexLines(figures: readonly RegisteredFigure[], savePath: string): FigureMeta[] {
  const lines: FigureMeta[] = [];
  for (const f of figures) {
    const common = {
      func_name: f.name,
      doc: f.doc,
      source: figureSourceText(f.source, savePath),
      code: f.code,
    };
    if (f.suffixes.length === 0) lines.push({ name: f.name, ...common, figure_save_fmt: f.fmt });
    for (const sub of f.suffixes) lines.push({ name: `${f.name}.${sub}`, ...common, figure_save_fmt: f.fmt });
  }
  return lines;
}

function readExisting(path: string): FigureMeta[] {
  if (!existsSync(path)) return [];
  const out: FigureMeta[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      const parsed = FigureMetaSchema.safeParse(JSON.parse(line));
      if (parsed.success) out.push(parsed.data);
    } catch {
      // An unreadable line cannot be kept; the rewrite below replaces it.
    }
  }
  return out;
}

/**
 * What a run left of a figure function's files: `complete` (every head of every prompt of the
 * model), `partial` (some heads or prompts have none: it failed there, or the prompt had no
 * patterns), `sampled` (complete on the prompts this run covered, a subset: complete overall only if
 * an earlier run said so), `none` (no head has its files: it failed everywhere, or no prompt ran).
 */
export type FigureCompleteness = "complete" | "partial" | "sampled" | "none";

/** Options of {@link writeFiguresIndex}. */
export interface WriteFiguresIndexOptions {
  /** Per function name; missing names count as `complete`. */
  completeness?: ReadonlyMap<string, FigureCompleteness>;
  /**
   * Every function registered in this process (default: `figures`' names). Earlier lines of other
   * functions are kept and marked `"registered": false`; earlier lines of registered functions that
   * were not run (not selected, or `none`) are kept as they were.
   */
  registered?: readonly string[];
}

/**
 * Writes `<save>/figures.jsonl` after a run of `figures` (the selected functions): a line per
 * figure that has files, with `"complete": false` when some heads or prompts have none (the viewer
 * then does not pick it by default); no new line for a function that produced nothing (failed on
 * every head), so the viewer never selects a figure without files. Earlier lines are kept: those of
 * functions not registered any more get `"registered": false` (their files stay on disk and the
 * viewer keeps showing them); those of registered functions not run now stay as they were.
 * Lines of this run come first, in registration order; the file is replaced atomically.
 *
 * @returns the lines written
 */
export async function writeFiguresIndex(
  savePath: string,
  figures: readonly RegisteredFigure[],
  options: WriteFiguresIndexOptions = {},
): Promise<FigureMeta[]> {
  const path = figuresIndexPath(savePath);
  const existing = readExisting(path);
  const completeness = (f: RegisteredFigure): FigureCompleteness => {
    const c = options.completeness?.get(f.name) ?? "complete";
    if (c !== "sampled") return c;
    const before = existing.filter((l) => l.func_name === f.name);
    return before.length > 0 && before.every((l) => l.complete !== false) ? "complete" : "partial";
  };
  const current: FigureMeta[] = [];
  for (const f of figures) {
    const c = completeness(f);
    if (c === "none") continue;
    for (const line of figureIndexLines([f], savePath))
      current.push(c === "complete" ? line : { ...line, complete: false });
  }
  const registered = new Set(options.registered ?? figures.map((f) => f.name));
  const funcs = new Set(current.map((l) => l.func_name));
  const names = new Set(current.map((l) => l.name));
  const kept = existing
    .filter((l) => !funcs.has(l.func_name) && !names.has(l.name))
    .map((l) => (registered.has(l.func_name) ? l : { ...l, registered: false }));
  const lines = [...current, ...kept];
  await writeFileAtomic(path, stringifyJsonl(lines));
  return lines;
}
