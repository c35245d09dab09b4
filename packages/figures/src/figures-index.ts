import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { type FigureMeta, figuresIndexPath } from "@pattern-lens/indexes";
import {
  type FigureLines,
  ioFailure,
  parseFigureLines,
  publishFromFragments,
  readFigureFragments,
  writeFigureFragments,
} from "./_figure-fragments.ts";
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

/**
 * The lines of an existing figures.jsonl: those that parse, and, verbatim, those that do not (a
 * hand edit, a newer tool): they are written back unchanged after the others, never dropped.
 */
function readExisting(path: string): FigureLines {
  if (!existsSync(path)) return { lines: [], unreadable: [] };
  try {
    return parseFigureLines(readFileSync(path, "utf8"));
  } catch (err) {
    throw ioFailure("read", path, err);
  }
}

/**
 * Writes `<save>/figures.jsonl`: the lines of `figures` (registered now), then — unchanged except for
 * `"registered": false` — the lines of functions not registered in this run: those other runs
 * registered (`figures.d/`, see {@link rebuildFiguresIndex}) and earlier lines (ours or Python's).
 * Those figures' files stay on disk and the viewer keeps showing them; nothing is silently dropped:
 * lines that do not parse are kept verbatim at the end (the viewer skips them with a warning).
 * Registered figures come first, in registration order; the file is replaced atomically, and
 * concurrent runs (shards) lose no line.
 *
 * @returns the lines written (the parsed ones)
 * @throws {IndexesError} `PL_INDEXES_IO` when the file cannot be read or written (disk full, read-only).
 */
export function writeFiguresIndex(savePath: string, figures: readonly RegisteredFigure[]): FigureMeta[] {
  const path = figuresIndexPath(savePath);
  const current = figureIndexLines(figures, savePath);
  const funcs = new Set(figures.map((f) => f.name));
  const names = new Set(current.map((l) => l.name));
  writeFigureFragments(savePath, current);
  return publishFromFragments(savePath, path, (byFunc) => {
    const others = [...byFunc]
      .filter(([func]) => !funcs.has(func))
      .flatMap(([, ls]) => ls)
      .filter((l) => !names.has(l.name));
    const existing = readExisting(path);
    const kept = existing.lines.filter(
      (l) => !funcs.has(l.func_name) && !names.has(l.name) && !byFunc.has(l.func_name),
    );
    return {
      lines: [...current, ...[...others, ...kept].map((l) => ({ ...l, registered: false }))],
      unreadable: existing.unreadable,
    };
  });
}

/**
 * Rebuilds `<save>/figures.jsonl` from what is on disk (`pattern-lens index`, after shards): each
 * function's lines from `figures.d/` where it has a fragment, in the order and with the
 * `registered` mark of the current figures.jsonl; functions only in `figures.d/` are added; lines
 * without a fragment (written by Python) and lines that do not parse are kept.
 *
 * @returns the lines written, or `undefined` (nothing written) when there is neither a figures.jsonl
 *   nor a fragment
 * @throws {IndexesError} `PL_INDEXES_IO` when the file cannot be read or written.
 */
export function rebuildFiguresIndex(savePath: string): FigureMeta[] | undefined {
  const path = figuresIndexPath(savePath);
  if (!existsSync(path) && readFigureFragments(savePath).byFunc.size === 0) return undefined;
  return publishFromFragments(savePath, path, (byFunc) => {
    const existing = readExisting(path);
    const lines: FigureMeta[] = [];
    const done = new Set<string>();
    for (const l of existing.lines) {
      const fragment = byFunc.get(l.func_name);
      if (fragment === undefined) lines.push(l);
      else if (!done.has(l.func_name)) {
        done.add(l.func_name);
        lines.push(...fragment.map((f) => (l.registered === false ? { ...f, registered: false } : f)));
      }
    }
    for (const [func, fragment] of byFunc) if (!done.has(func)) lines.push(...fragment);
    return { lines, unreadable: existing.unreadable };
  });
}
