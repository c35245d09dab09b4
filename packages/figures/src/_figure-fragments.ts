// figures.d/<func_name>.jsonl: each figure function's figures.jsonl lines, written by every run
// that registers it. figures.jsonl is merged from them, so writers with different figure modules
// on one data folder lose no line, and `pattern-lens index` can rebuild it from disk.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { type FigureMeta, figureFragmentsDir, IndexesError } from "@pattern-lens/indexes";
import { atomicTempPid, isProcessAlive, writeFileAtomicSync } from "@pattern-lens/indexes/node";
import { FigureMetaSchema } from "@pattern-lens/indexes/schemas";

/** figures.jsonl lines: the parsed ones, then, verbatim, those that did not parse (never dropped). */
export interface FigureLines {
  lines: FigureMeta[];
  unreadable: string[];
}

export function ioFailure(action: string, path: string, err: unknown): IndexesError {
  const msg = err instanceof Error ? err.message : String(err);
  return new IndexesError(
    "PL_INDEXES_IO",
    `cannot ${action} ${path} (${msg}). Free disk space or fix the folder's permissions, then run again.`,
    { cause: err },
  );
}

/** `figures.jsonl.tmp-{pid}`: the temp file of figures.jsonl writes of older versions. */
const OLD_INDEX_TEMP = /^figures\.jsonl\.tmp-(\d+)$/;

/** The pid of one of our temp files: `.{name}.jsonl.` + an atomic write's suffix, or the older name. */
function tempPid(name: string): number | undefined {
  const old = OLD_INDEX_TEMP.exec(name);
  if (old) return Number(old[1]);
  return name.startsWith(".") && name.includes(".jsonl.") ? atomicTempPid(name) : undefined;
}

/** Removes the temp files of processes that are gone. */
export function removeOldTemps(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = tempPid(name);
    if (pid !== undefined && pid !== process.pid && !isProcessAlive(pid))
      rmSync(`${dir}/${name}`, { force: true });
  }
}

const jsonl = (f: FigureLines) =>
  [...f.lines.map((l) => JSON.stringify(l)), ...f.unreadable].map((l) => `${l}\n`).join("");

/** Parses JSONL figure lines; lines that are not figure lines are kept apart, verbatim. */
export function parseFigureLines(text: string): FigureLines {
  const out: FigureLines = { lines: [], unreadable: [] };
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      raw = undefined;
    }
    // checked against the schema, kept as read: zod would put the schema's keys first
    if (raw !== undefined && FigureMetaSchema.safeParse(raw).success) out.lines.push(raw as FigureMeta);
    else out.unreadable.push(line.replace(/\r$/, ""));
  }
  return out;
}

/** Writes one fragment per function of `lines` (grouped by `func_name`), leaving unchanged ones alone. */
export function writeFigureFragments(save: string, lines: readonly FigureMeta[]): void {
  const dir = figureFragmentsDir(save);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw ioFailure("create", dir, err);
  }
  removeOldTemps(dir);
  const byFunc = new Map<string, FigureMeta[]>();
  for (const l of lines) byFunc.set(l.func_name, [...(byFunc.get(l.func_name) ?? []), l]);
  for (const [func, ls] of byFunc) {
    const path = `${dir}/${func}.jsonl`;
    const text = jsonl({ lines: ls, unreadable: [] });
    let old: string | undefined;
    try {
      old = readFileSync(path, "utf8");
    } catch {
      old = undefined;
    }
    if (old !== text) writeFileAtomicSync(path, text);
  }
}

/** The fragments on disk, by function name (sorted), and a key that changes when any of them does. */
export function readFigureFragments(save: string): { byFunc: Map<string, FigureMeta[]>; key: string } {
  const dir = figureFragmentsDir(save);
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith(".jsonl") && !n.startsWith("."))
      .sort();
  } catch {
    names = [];
  }
  const byFunc = new Map<string, FigureMeta[]>();
  const key: string[] = [];
  for (const n of names) {
    try {
      const path = `${dir}/${n}`;
      key.push(`${n}:${statSync(path).mtimeMs}`);
      byFunc.set(n.slice(0, -".jsonl".length), parseFigureLines(readFileSync(path, "utf8")).lines);
    } catch {
      // removed meanwhile
    }
  }
  return { byFunc, key: key.join("\n") };
}

/**
 * Writes `path` from `build(fragments)` and rebuilds while the fragments changed meanwhile (another
 * writer published one): the writer that renames last has seen every fragment.
 */
export function publishFromFragments(
  save: string,
  path: string,
  build: (byFunc: Map<string, FigureMeta[]>) => FigureLines,
): FigureMeta[] {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (err) {
    throw ioFailure("create", dirname(path), err);
  }
  removeOldTemps(dirname(path));
  let { byFunc, key } = readFigureFragments(save);
  for (let round = 0; ; round++) {
    const out = build(byFunc);
    writeFileAtomicSync(path, jsonl(out));
    const again = readFigureFragments(save);
    if (again.key === key || round >= 50) return out.lines;
    ({ byFunc, key } = again);
  }
}
