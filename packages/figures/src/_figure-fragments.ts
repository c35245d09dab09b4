// figures.d/<func_name>.jsonl: each figure function's figures.jsonl lines, written by every run
// that registers it. figures.jsonl is merged from them, so writers with different figure modules
// on one data folder lose no line, and `pattern-lens index` can rebuild it from disk.
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { type FigureMeta, figureFragmentsDir } from "@pattern-lens/indexes";
import { FigureMetaSchema } from "@pattern-lens/indexes/schemas";

const jsonl = (lines: readonly FigureMeta[]) =>
  lines.map((l) => JSON.stringify(l)).join("\n") + (lines.length ? "\n" : "");

/** Writes `text` to `path` by a temp file and a rename (the temp name is unique to this writer). */
export function replaceFile(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Parses JSONL figure lines, dropping lines that are not figure lines. */
export function parseFigureLines(text: string): FigureMeta[] {
  const out: FigureMeta[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const parsed = FigureMetaSchema.safeParse(JSON.parse(line));
      if (parsed.success) out.push(parsed.data);
    } catch {
      // not a figure line
    }
  }
  return out;
}

/** Writes one fragment per function of `lines` (grouped by `func_name`), leaving unchanged ones alone. */
export function writeFigureFragments(save: string, lines: readonly FigureMeta[]): void {
  const dir = figureFragmentsDir(save);
  mkdirSync(dir, { recursive: true });
  const byFunc = new Map<string, FigureMeta[]>();
  for (const l of lines) byFunc.set(l.func_name, [...(byFunc.get(l.func_name) ?? []), l]);
  for (const [func, ls] of byFunc) {
    const path = `${dir}/${func}.jsonl`;
    const text = jsonl(ls);
    let old: string | undefined;
    try {
      old = readFileSync(path, "utf8");
    } catch {
      old = undefined;
    }
    if (old !== text) replaceFile(path, text);
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
      byFunc.set(n.slice(0, -".jsonl".length), parseFigureLines(readFileSync(path, "utf8")));
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
  build: (byFunc: Map<string, FigureMeta[]>) => FigureMeta[],
): FigureMeta[] {
  let { byFunc, key } = readFigureFragments(save);
  for (let round = 0; ; round++) {
    const lines = build(byFunc);
    replaceFile(path, jsonl(lines));
    const again = readFigureFragments(save);
    if (again.key === key || round >= 50) return lines;
    ({ byFunc, key } = again);
  }
}
