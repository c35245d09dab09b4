/**
 * The contract of @pattern-lens/runner that every package built on it passes (figures and metrics):
 * user modules load (default export or registration on import) and record their source, module
 * errors carry the package's code, names are unique, and worker threads load the same modules and
 * give the same results as this thread. Each package's test calls {@link describeRunnerContract}.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { copyDemoInputsTo } from "./demo.ts";

/** What a package plugs into the contract. */
export interface RunnerAdapter {
  /** `"figure"` or `"metric"`, as in the loader's messages. */
  what: string;
  /** TypeScript source of a module that default-exports one function named `name`. */
  defaultExportModule(name: string): string;
  /** Source of a module with no default export that exports the function `name` by name (valid `.ts` and `.mjs`). */
  namedExportModule(name: string): string;
  /** TypeScript source of a module that registers `name` at import time (importing the package). */
  registerOnImportModule(name: string): string;
  load(paths: string[]): Promise<string[]>;
  /** The module path recorded as the source of `name`, if any. */
  sourceOf(name: string): string | undefined;
  /** Whether `name` is registered. */
  has(name: string): boolean;
  /** Removes the user registrations made by a test. */
  reset(names: string[]): void;
  moduleCode: string;
  duplicateCode: string;
  /**
   * Runs the package's runner over `save` (a copy of the demo inputs) with only function `name`
   * from `modules`, on `jobs` threads, all of them worker threads when `jobs` > 1. Resolves to the
   * threads used and a fingerprint of what was written (bytes or values).
   */
  run(
    save: string,
    name: string,
    modules: string[],
    jobs: number,
  ): Promise<{ threads: number; result: unknown }>;
}

/** Declares the contract's tests for one package. */
export function describeRunnerContract(pkg: string, a: RunnerAdapter): void {
  describe(`runner contract: ${pkg}`, () => {
    const dirs: string[] = [];
    const names: string[] = [];
    const temp = () => {
      const d = mkdtempSync(join(tmpdir(), "pl-contract-"));
      dirs.push(d);
      return d;
    };
    const write = (file: string, text: string) => {
      const path = join(temp(), file);
      writeFileSync(path, text);
      return path;
    };
    afterEach(() => a.reset(names.splice(0)));
    afterAll(() => {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    it("loads a default export and a registration on import, recording each module as the source", async () => {
      names.push("c_default", "c_on_import");
      const m1 = write("default.ts", a.defaultExportModule("c_default"));
      const m2 = write("on-import.ts", a.registerOnImportModule("c_on_import"));
      expect(await a.load([m1, m2])).toEqual([m1, m2]);
      expect([a.has("c_default"), a.has("c_on_import")]).toEqual([true, true]);
      expect([a.sourceOf("c_default"), a.sourceOf("c_on_import")]).toEqual([m1, m2]);
      // loading a module again registers nothing new and does not throw
      expect(await a.load([m1])).toEqual([m1]);
    });

    it("registers the named exports of a module that has no default export and registers nothing on import", async () => {
      names.push("c_named_ts", "c_named_mjs");
      const ts = write("named.ts", a.namedExportModule("c_named_ts"));
      const mjs = write("named.mjs", a.namedExportModule("c_named_mjs"));
      expect(await a.load([ts, mjs])).toEqual([ts, mjs]);
      expect([a.sourceOf("c_named_ts"), a.sourceOf("c_named_mjs")]).toEqual([ts, mjs]);
      expect(await a.load([ts])).toEqual([ts]);
    });

    it("a module that registers nothing is the package's module error, naming the ways to register", async () => {
      const empty = write("empty.ts", "export const answer = 42;\n");
      await expect(a.load([empty])).rejects.toMatchObject({
        code: a.moduleCode,
        message: expect.stringMatching(/registered nothing\. Export .*export default/),
      });
    });

    it("turns a missing, non-module or throwing file into the package's module error", async () => {
      const missing = join(temp(), "nope.ts");
      await expect(a.load([missing])).rejects.toMatchObject({
        code: a.moduleCode,
        message: expect.stringContaining("Check the path given to --module"),
      });
      await expect(a.load([write("x.txt", "")])).rejects.toMatchObject({ code: a.moduleCode });
      await expect(a.load([write("boom.ts", 'throw new Error("boom at import");')])).rejects.toMatchObject({
        code: a.moduleCode,
        message: expect.stringContaining("boom at import"),
      });
    });

    it("refuses a second function of the same name from another module", async () => {
      names.push("c_twice");
      await a.load([write("one.ts", a.defaultExportModule("c_twice"))]);
      await expect(a.load([write("two.ts", a.defaultExportModule("c_twice"))])).rejects.toMatchObject({
        code: a.duplicateCode,
      });
    });

    it("worker threads load the user's TypeScript module and give what this thread gives", async () => {
      names.push("c_workers");
      const mod = write("workers.ts", a.defaultExportModule("c_workers"));
      await a.load([mod]);
      const one = await a.run(copyDemoInputsTo(temp()), "c_workers", [mod], 1);
      const two = await a.run(copyDemoInputsTo(temp()), "c_workers", [mod], 2);
      expect([one.threads, two.threads]).toEqual([1, 2]);
      expect(two.result).toEqual(one.result);
    });

    it("a module that fails only in a worker thread fails the run with the module error", async () => {
      names.push("c_main_only");
      const mod = write(
        "main-only.ts",
        `import { isMainThread } from "node:worker_threads";\nif (!isMainThread) throw new Error("not in workers");\n${a.defaultExportModule("c_main_only")}`,
      );
      await a.load([mod]);
      await expect(a.run(copyDemoInputsTo(temp()), "c_main_only", [mod], 2)).rejects.toMatchObject({
        code: a.moduleCode,
        message: expect.stringContaining("not in workers"),
      });
    });
  });
}
