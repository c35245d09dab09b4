import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { definePlotFigure } from "@pattern-lens/figure-util";
import { afterEach, describe, expect, it } from "vitest";
import {
  rebuildFiguresIndex,
  registerAttnFigureFunc,
  registeredFigures,
  unregisterAttnFigureFunc,
  writeFiguresIndex,
} from "../src/index.ts";

const cleanup: string[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const n of cleanup.splice(0)) unregisterAttnFigureFunc(n);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempSave(): string {
  const d = mkdtempSync(join(tmpdir(), "pl-figidx-"));
  dirs.push(d);
  return d;
}

const onDisk = (save: string) =>
  readFileSync(join(save, "figures.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

/** writeFiguresIndex as a run that registers the built-ins plus `extra` would call it. */
function runWith(save: string, extra: string) {
  cleanup.push(extra);
  registerAttnFigureFunc(definePlotFigure({ name: extra, fmt: "svg" }, () => ({ marks: [] })));
  const lines = writeFiguresIndex(save, registeredFigures());
  unregisterAttnFigureFunc(extra);
  return lines;
}

describe("figures.jsonl with several writers", () => {
  it("keeps the lines of a run with other figure modules, and index rebuilds a clobbered file", () => {
    const save = tempSave();
    runWith(save, "alpha");
    const b = runWith(save, "beta");
    expect(b.find((l) => l.name === "beta")?.registered).toBeUndefined();
    expect(b.find((l) => l.name === "alpha")?.registered).toBe(false);
    expect(readdirSync(join(save, "figures.d"))).toContain("alpha.jsonl");

    // a writer that read before "beta" existed renames last: its file lacks beta
    writeFileSync(
      join(save, "figures.jsonl"),
      onDisk(save)
        .filter((l) => l.name !== "beta")
        .map((l) => `${JSON.stringify(l)}\n`)
        .join(""),
    );
    const rebuilt = rebuildFiguresIndex(save);
    expect(onDisk(save)).toEqual(rebuilt);
    expect(rebuilt?.map((l) => l.name).sort()).toEqual(b.map((l) => l.name).sort());
    // the mark of the current file is kept
    expect(rebuilt?.find((l) => l.name === "alpha")?.registered).toBe(false);
    // rebuilding again changes nothing
    expect(rebuildFiguresIndex(save)).toEqual(rebuilt);
  });

  it("keeps Python lines that have no fragment, and writes nothing in an empty folder", () => {
    const save = tempSave();
    expect(rebuildFiguresIndex(save)).toBeUndefined();
    expect(existsSync(join(save, "figures.jsonl"))).toBe(false);
    const python = {
      name: "old_py",
      func_name: "old_py",
      doc: "",
      figure_save_fmt: "png",
      source: "f.py",
      code: "",
    };
    writeFileSync(join(save, "figures.jsonl"), `${JSON.stringify(python)}\n`);
    expect(rebuildFiguresIndex(save)).toEqual([python]);
    writeFiguresIndex(save, registeredFigures());
    expect(rebuildFiguresIndex(save)?.find((l) => l.name === "old_py")).toEqual({
      ...python,
      registered: false,
    });
  });
});
