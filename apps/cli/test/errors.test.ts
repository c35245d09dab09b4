import { join } from "node:path";
import { isUserError } from "@pattern-lens/indexes";
import { describe, expect, it } from "vitest";
import { runTsChild } from "#test-support/child.ts";
import { REPO_ROOT } from "#test-support/shared.ts";
import { EXIT_INTERNAL_ERROR, EXIT_USER_ERROR } from "../src/errors.ts";
import { CLI_ENTRIES, PACKAGES } from "./fixtures/entries.ts";

const FIXTURE = join(import.meta.dirname, "fixtures", "throw-through-main.ts");
const FROM = join(REPO_ROOT, "packages", "figures", "package.json");

async function errorClasses(kind: "internal" | "user") {
  const out: { pkg: string; name: string; ctor: new (...a: unknown[]) => Error }[] = [];
  for (const pkg of PACKAGES) {
    const mod = (await import(`@pattern-lens/${pkg}`)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(mod)) {
      if (typeof value !== "function" || !(value.prototype instanceof Error)) continue;
      const internal = name.endsWith("InternalError");
      if ((kind === "internal") === internal) out.push({ pkg, name, ctor: value as never });
    }
  }
  return out;
}

describe("the error convention", async () => {
  const internal = await errorClasses("internal");
  const user = await errorClasses("user");

  it("finds an internal error class in every package that has one, and user classes", () => {
    expect(internal.map((c) => c.name).sort()).toEqual([
      "ActivationsInternalError",
      "FigureInternalError",
      "FiguresInternalError",
      "IndexesInternalError",
      "MetricsInternalError",
      "ModelsInternalError",
      "OnnxInternalError",
    ]);
    expect(user.length).toBeGreaterThanOrEqual(8);
  });

  it("internal errors carry no PL_ code: isUserError is false for every one", () => {
    for (const c of internal) {
      const e = new c.ctor("an invariant broke");
      expect(isUserError(e), c.name).toBe(false);
      const code = (e as { code?: unknown }).code;
      expect(code === undefined || /^INTERNAL_[A-Z_]+$/.test(String(code)), `${c.name}: ${code}`).toBe(true);
    }
  });

  it("user error codes are prefixed with their package: PL_<PKG>_...", () => {
    const prefix: Record<string, string> = {
      activations: "PL_ACTIVATIONS_",
      "figure-util": "PL_FIGURE_",
      figures: "PL_FIGURES_",
      indexes: "PL_INDEXES_",
      metrics: "PL_METRICS_",
      models: "PL_MODELS_",
      onnx: "PL_ONNX_",
      viewer: "PL_VIEWER_",
      live: "PL_LIVE_",
      runner: "PL_RUNNER_",
    };
    for (const c of user) {
      const code = c.name === "HubError" ? "PL_MODELS_HUB_AUTH" : `${prefix[c.pkg]}X`;
      const e = c.name === "HubError" ? new c.ctor(code, "m", { url: "u" }) : new c.ctor(code, "m");
      expect(isUserError(e), c.name).toBe(true);
      expect((e as unknown as { code: string }).code.startsWith(prefix[c.pkg]!), c.name).toBe(true);
    }
  });

  it.each(internal.map((c) => [c.name, c.pkg]))(
    "%s thrown by a command exits 70 with its stack and a please-report line (real child process)",
    async (name, pkg) => {
      const r = await runTsChild(FROM, FIXTURE, CLI_ENTRIES, { pkg, name, args: ["an invariant broke"] });
      expect(r.code, r.stderr).toBe(EXIT_INTERNAL_ERROR);
      expect(r.stderr).toContain("pattern-lens: internal error:");
      expect(r.stderr).toContain(name);
      expect(r.stderr).toMatch(/\n\s+at /);
      expect(r.stderr).toContain("please report it");
    },
  );

  it("a user error thrown by a command exits 2 with one line and no stack (real child process)", async () => {
    const r = await runTsChild(FROM, FIXTURE, CLI_ENTRIES, {
      pkg: "figures",
      name: "FiguresError",
      args: ["PL_FIGURES_UNKNOWN", "no figure function 'nope'; see --figure-funcs"],
    });
    expect(r.code, r.stderr).toBe(EXIT_USER_ERROR);
    expect(r.stderr).toBe(
      "pattern-lens: error [PL_FIGURES_UNKNOWN]: no figure function 'nope'; see --figure-funcs\n",
    );
  });
});
