import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { type FigureMeta, figuresIndexPath } from "@pattern-lens/indexes";
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
 * Writes `<save>/figures.jsonl`: the lines of `figures` (registered now), then — unchanged except for
 * `"registered": false` — the earlier lines whose `func_name` is not registered in this run. Those
 * figures' files stay on disk and the viewer keeps showing them; nothing is silently dropped.
 * Registered figures come first, in registration order; the file is replaced atomically.
 *
 * @returns the lines written
 */
export function writeFiguresIndex(savePath: string, figures: readonly RegisteredFigure[]): FigureMeta[] {
  const path = figuresIndexPath(savePath);
  const current = figureIndexLines(figures, savePath);
  const funcs = new Set(figures.map((f) => f.name));
  const names = new Set(current.map((l) => l.name));
  const kept = readExisting(path)
    .filter((l) => !funcs.has(l.func_name) && !names.has(l.name))
    .map((l) => ({ ...l, registered: false }));
  const lines = [...current, ...kept];
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, lines.map((l) => JSON.stringify(l)).join("\n") + (lines.length ? "\n" : ""));
  renameSync(tmp, path);
  return lines;
}
