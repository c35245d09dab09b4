import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  defineMatrixFigure,
  defineMultiFigure,
  definePlotFigure,
  FIGURE_FORMATS as FIGURE_UTIL_FORMATS,
  Plot,
} from "@pattern-lens/figure-util";
import { FIGURE_FORMATS } from "@pattern-lens/indexes";
import { afterEach, describe, expect, it } from "vitest";
import {
  figureIndexLines,
  loadFigureModules,
  registerAttnFigureFunc,
  registerAttnMultiFigureFunc,
  registeredFigures,
  runFigures,
  unregisterAttnFigureFunc,
  writeFiguresIndex,
} from "../src/index.ts";
import { copyDemoInputs, DEMO_MODEL } from "./support/data.ts";

const cleanup: string[] = [];
afterEach(() => {
  for (const n of cleanup.splice(0)) unregisterAttnFigureFunc(n);
});

describe("registry", () => {
  it("starts with the built-ins, sourced from this package", () => {
    const builtins = registeredFigures().filter((f) => f.source.kind === "package");
    expect(builtins.map((f) => [f.name, f.fmt, f.kind])).toEqual([
      ["raw", "png", "matrix"],
      ["raw_log", "png", "matrix"],
      ["attn_by_distance", "svg", "plot"],
      ["attn_received", "svg", "plot"],
      ["entropy", "svg", "plot"],
    ]);
  });

  it("registers figure-util definitions and plain functions; rejects bad names and duplicates", () => {
    cleanup.push("viridis_raw", "plain");
    const def = defineMatrixFigure({ name: "viridis_raw", fmt: "svgz", normalize: true }, (p) => p);
    expect(registerAttnFigureFunc(def)).toMatchObject({
      name: "viridis_raw",
      kind: "matrix",
      fileNames: ["viridis_raw.svgz"],
    });
    expect(registerAttnFigureFunc(def).source).toEqual({ kind: "inline" }); // same source: replaced
    expect(
      registerAttnFigureFunc({ name: "plain", fmt: "svg", render: () => new TextEncoder().encode("<svg/>") }),
    ).toMatchObject({ kind: "custom", fileNames: ["plain.svg"], doc: "" });
    expect(() =>
      registerAttnFigureFunc({ name: "a.b", fmt: "png", render: () => new Uint8Array(1) }),
    ).toThrow(expect.objectContaining({ code: "PL_FIGURES_NAME" }));
    expect(() =>
      registerAttnFigureFunc(
        defineMatrixFigure({ name: "raw", fmt: "png" }, (p) => p),
        {
          source: { kind: "module", path: "/x.ts" },
        },
      ),
    ).toThrow(expect.objectContaining({ code: "PL_FIGURES_DUPLICATE" }));
    expect(() => registerAttnMultiFigureFunc(def)).toThrow(
      expect.objectContaining({ code: "PL_FIGURES_NAME" }),
    );
  });

  it("runs a multi-figure function: {func}.{name}.{fmt} files and one figures.jsonl line per name", async () => {
    cleanup.push("halves");
    registerAttnMultiFigureFunc(
      defineMultiFigure(
        { name: "halves", fmt: "svg", names: ["pattern", "profile"], normalize: true, cmap: "magma" },
        (p) => ({
          pattern: { matrix: p },
          profile: {
            plot: { marks: [Plot.lineY(Array.from({ length: p.shape[0]! }, (_, q) => p.get(q, 0)))] },
          },
        }),
      ),
    );
    const save = copyDemoInputs();
    const s = await runFigures({
      savePath: save,
      model: DEMO_MODEL,
      figureFuncs: "halves",
      nSamples: 1,
      jobs: 1,
    });
    expect(s).toMatchObject({ written: 24, failed: 0 });
    const hash = JSON.parse(
      readFileSync(join(save, DEMO_MODEL, "prompts.jsonl"), "utf8").split("\n")[0]!,
    ).hash;
    const dir = join(save, DEMO_MODEL, "prompts", hash, "L0", "H0");
    expect(readFileSync(join(dir, "halves.pattern.svg"), "utf8")).toContain("image-rendering");
    expect(readFileSync(join(dir, "halves.profile.svg"), "utf8")).toContain("<path");
    const lines = readFileSync(join(save, "figures.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.func_name === "halves").map((l) => l.name)).toEqual([
      "halves.pattern",
      "halves.profile",
    ]);
    const again = await runFigures({
      savePath: save,
      model: DEMO_MODEL,
      figureFuncs: "halves",
      nSamples: 1,
      jobs: 1,
    });
    expect(again).toMatchObject({ written: 0, skipped: 24 });
  });
});

describe("loadFigureModules", () => {
  it("fails with PL_FIGURES_MODULE naming the file when it is missing, not JS/TS, or throws", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pl-mods-"));
    const missing = join(dir, "nope.ts");
    await expect(loadFigureModules([missing])).rejects.toMatchObject({
      code: "PL_FIGURES_MODULE",
      path: missing,
      message: expect.stringContaining(missing),
    });
    await expect(loadFigureModules([join(dir, "figs.py")])).rejects.toMatchObject({
      code: "PL_FIGURES_MODULE",
    });
    const throws = join(dir, "throws.ts");
    writeFileSync(throws, `const x: number = 1;\nthrow new Error("kaput " + x);\n`);
    await expect(loadFigureModules([throws])).rejects.toMatchObject({
      code: "PL_FIGURES_MODULE",
      message: expect.stringMatching(/throws\.ts failed to load: kaput 1/),
    });
    const bad = join(dir, "bad-default.mjs");
    writeFileSync(bad, "export default 42;\n");
    await expect(loadFigureModules([bad])).rejects.toMatchObject({
      code: "PL_FIGURES_MODULE",
      message: expect.stringContaining("not a figure definition"),
    });
  });
});

describe("figures.jsonl", () => {
  it("has one line per figure with a relative source, never an absolute path", async () => {
    const save = mkdtempSync(join(tmpdir(), "pl-figidx-"));
    const modDir = join(save, "..", `mods-${Date.now()}`);
    const { mkdirSync } = await import("node:fs");
    mkdirSync(modDir);
    const mod = join(modDir, "extra.mjs");
    writeFileSync(
      mod,
      `import { definePlotFigure, Plot } from "@pattern-lens/figure-util";
export default [definePlotFigure({ name: "diag_plot", doc: "the diagonal", fmt: "svg" }, (p) => ({ marks: [Plot.lineY(Array.from({ length: p.shape[0] }, (_, i) => p.get(i, i)))] }))];
`,
    );
    cleanup.push("diag_plot");
    await loadFigureModules([mod]);
    const lines = figureIndexLines(registeredFigures(), save);
    const raw = lines.find((l) => l.name === "raw")!;
    expect(raw).toMatchObject({
      name: "raw",
      func_name: "raw",
      figure_save_fmt: "png",
      source: "@pattern-lens/figures",
      doc: "raw attention matrix",
    });
    expect(raw.code).toContain("pattern");
    const diag = lines.find((l) => l.name === "diag_plot")!;
    expect(diag.source).toBe(`../mods-${modDir.split("mods-")[1]}/extra.mjs`);
    expect(diag.code).toContain("p.get(i, i)");
    expect(lines.every((l) => !String(l.source).startsWith("/"))).toBe(true);
  });

  it("keeps lines of figures no longer registered, marked registered: false", async () => {
    cleanup.push("gone");
    const save = mkdtempSync(join(tmpdir(), "pl-figidx-"));
    registerAttnFigureFunc(definePlotFigure({ name: "gone", fmt: "svg" }, () => ({ marks: [] })));
    writeFiguresIndex(save, registeredFigures());
    unregisterAttnFigureFunc("gone");
    const python = {
      name: "old_py",
      func_name: "old_py",
      doc: "from Python",
      figure_save_fmt: "png",
      source: "/home/x/f.py",
      code: "def old_py(): ...",
    };
    writeFileSync(
      join(save, "figures.jsonl"),
      `${readFileSync(join(save, "figures.jsonl"), "utf8")}${JSON.stringify(python)}\n`,
    );
    const lines = writeFiguresIndex(save, registeredFigures());
    const onDisk = readFileSync(join(save, "figures.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(onDisk).toEqual(lines);
    expect(onDisk.find((l) => l.name === "gone")).toMatchObject({
      registered: false,
      figure_save_fmt: "svg",
    });
    expect(onDisk.find((l) => l.name === "old_py")).toEqual({ ...python, registered: false });
    expect(onDisk.find((l) => l.name === "raw").registered).toBeUndefined();
    expect(onDisk.filter((l) => l.name === "raw")).toHaveLength(1);
  });

  it("accepts exactly the figure formats of the on-disk layout (figure-util, which depends on nothing, keeps the same list)", () => {
    expect([...FIGURE_UTIL_FORMATS]).toEqual([...FIGURE_FORMATS]);
    expect(() =>
      registerAttnFigureFunc({ name: "bad_fmt", fmt: "jpg" as "png", render: () => new Uint8Array(1) }),
    ).toThrowError(expect.objectContaining({ code: "PL_FIGURES_NAME" }));
  });
});
