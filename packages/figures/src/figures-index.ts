import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { type FigureMeta, figuresIndexPath, IndexesError } from "@pattern-lens/indexes";
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

/**
 * The lines of an existing figures.jsonl: those that parse, and, verbatim, those that do not (a
 * hand edit, a newer tool): they are written back unchanged after the others, never dropped.
 */
function readExisting(path: string): { lines: FigureMeta[]; unreadable: string[] } {
  const out = { lines: [] as FigureMeta[], unreadable: [] as string[] };
  if (!existsSync(path)) return out;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw ioFailure("read", path, err);
  }
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let parsed: ReturnType<typeof FigureMetaSchema.safeParse> | undefined;
    try {
      parsed = FigureMetaSchema.safeParse(JSON.parse(line));
    } catch {
      parsed = undefined;
    }
    if (parsed?.success) out.lines.push(parsed.data);
    else out.unreadable.push(line.replace(/\r$/, ""));
  }
  return out;
}

function ioFailure(action: string, path: string, err: unknown): IndexesError {
  const msg = err instanceof Error ? err.message : String(err);
  return new IndexesError(
    "PL_INDEXES_IO",
    `cannot ${action} ${path} (${msg}). Free disk space or fix the folder's permissions, then run again.`,
    { cause: err },
  );
}

/** Temp files of figures.jsonl: `.figures.jsonl.{pid}.tmp`, and `figures.jsonl.tmp-{pid}` of older versions. */
const TEMP = /^(?:\.figures\.jsonl\.(\d+)\.tmp|figures\.jsonl\.tmp-(\d+))$/;

/** Removes the figures.jsonl temp files of processes that are gone. */
function removeOldTemps(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = TEMP.exec(name);
    const pid = Number(m?.[1] ?? m?.[2]);
    if (!m || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as { code?: unknown }).code === "ESRCH") rmSync(`${dir}/${name}`, { force: true });
    }
  }
}

/**
 * Writes `<save>/figures.jsonl`: the lines of `figures` (registered now), then — unchanged except for
 * `"registered": false` — the earlier lines whose `func_name` is not registered in this run. Those
 * figures' files stay on disk and the viewer keeps showing them; nothing is silently dropped: lines
 * that do not parse are kept verbatim at the end (the viewer skips them with a warning).
 * Registered figures come first, in registration order; the file is replaced atomically.
 *
 * @returns the lines written (the parsed ones)
 * @throws {IndexesError} `PL_INDEXES_IO` when the file cannot be read or written (disk full, read-only).
 */
export function writeFiguresIndex(savePath: string, figures: readonly RegisteredFigure[]): FigureMeta[] {
  const path = figuresIndexPath(savePath);
  const current = figureIndexLines(figures, savePath);
  const funcs = new Set(figures.map((f) => f.name));
  const names = new Set(current.map((l) => l.name));
  const existing = readExisting(path);
  const kept = existing.lines
    .filter((l) => !funcs.has(l.func_name) && !names.has(l.name))
    .map((l) => ({ ...l, registered: false }));
  const lines = [...current, ...kept];
  const text = [...lines.map((l) => JSON.stringify(l)), ...existing.unreadable].map((l) => `${l}\n`).join("");
  const dir = dirname(path);
  const tmp = `${dir}/.figures.jsonl.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true });
    removeOldTemps(dir);
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw ioFailure("write", path, err);
  }
  return lines;
}
