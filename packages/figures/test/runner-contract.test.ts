import { describeRunnerContract } from "#test-support/runner-contract.ts";
import { figureRegistry, loadFigureModules } from "../src/registry.ts";
import { runFigures } from "../src/runner.ts";
import { fileTree } from "./support/tree.ts";

describeRunnerContract("@pattern-lens/figures", {
  what: "figure",
  defaultExportModule: (name) =>
    `import { defineMatrixFigure } from "@pattern-lens/figure-util";
export default defineMatrixFigure({ name: "${name}", doc: "raw", fmt: "png", normalize: true, cmap: "Blues" }, (p) => p);
`,
  namedExportModule: (name) =>
    `import { defineMatrixFigure } from "@pattern-lens/figure-util";
export const answer = 42;
export const fig = defineMatrixFigure({ name: "${name}", doc: "raw", fmt: "png", normalize: true, cmap: "Reds" }, (p) => p);
`,
  registerOnImportModule: (name) =>
    `import { registerAttnFigureFunc } from "@pattern-lens/figures";
import { defineMatrixFigure } from "@pattern-lens/figure-util";
registerAttnFigureFunc(defineMatrixFigure({ name: "${name}", doc: "raw", fmt: "png", cmap: "Greys" }, (p) => p));
`,
  load: (paths) => loadFigureModules(paths),
  sourceOf: (name) => {
    const s = figureRegistry.get(name)?.source;
    return s?.kind === "module" ? s.path : undefined;
  },
  has: (name) => figureRegistry.get(name) !== undefined,
  reset: (names) => {
    for (const n of names) figureRegistry.delete(n);
  },
  moduleCode: "PL_FIGURES_MODULE",
  duplicateCode: "PL_FIGURES_DUPLICATE",
  run: async (save, name, modules, jobs) => {
    const s = await runFigures({
      savePath: save,
      model: "pythia-14m",
      nSamples: 3,
      figureFuncs: name,
      modules,
      jobs,
      renderInMainThread: false,
    });
    const files = fileTree(save, (rel) => rel.endsWith(`/${name}.png`));
    const bytes = [...files]
      .sort(([x], [y]) => x.localeCompare(y))
      .map(([k, v]) => [k, v.toString("base64")]);
    return { threads: s.jobs, result: { written: s.written, failed: s.failed, bytes } };
  },
});
