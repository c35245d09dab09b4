import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "#test-support/shared.ts";

/**
 * The dependency direction of ../shared/house-style.md: which of our packages each package may
 * import. The CLI and examples may import anything; nothing may import them.
 */
const ALLOWED: Record<string, string[]> = {
  "@pattern-lens/indexes": [],
  "@pattern-lens/figure-util": [],
  "@pattern-lens/onnx": [],
  "@pattern-lens/activations": ["@pattern-lens/indexes", "@pattern-lens/onnx"],
  "@pattern-lens/models": ["@pattern-lens/indexes", "@pattern-lens/onnx"],
  "@pattern-lens/runner": [],
  "@pattern-lens/figures": ["@pattern-lens/indexes", "@pattern-lens/figure-util", "@pattern-lens/runner"],
  "@pattern-lens/metrics": ["@pattern-lens/indexes", "@pattern-lens/runner"],
  "@pattern-lens/viewer": ["@pattern-lens/indexes"],
  "@pattern-lens/live": [
    "@pattern-lens/activations",
    "@pattern-lens/onnx",
    "@pattern-lens/viewer",
    // resolving the model folder to serve; tests: reading the CLI's npz output, the demo model
    "@pattern-lens/models",
    "@pattern-lens/indexes",
  ],
};

interface Manifest {
  name: string;
  dir: string;
  deps: string[];
}

function manifests(group: string): Manifest[] {
  const base = join(REPO_ROOT, group);
  return readdirSync(base, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => {
      try {
        const pj = JSON.parse(readFileSync(join(base, d.name, "package.json"), "utf8"));
        const deps = [pj.dependencies, pj.devDependencies, pj.peerDependencies, pj.optionalDependencies];
        return [
          { name: pj.name, dir: `${group}/${d.name}`, deps: deps.flatMap((x) => Object.keys(x ?? {})) },
        ];
      } catch {
        return [];
      }
    });
}

const packages = manifests("packages");
const apps = [...manifests("apps"), ...manifests("examples")];
const ours = (deps: string[]) => deps.filter((d) => d === "pattern-lens" || d.startsWith("@pattern-lens/"));

describe("dependency direction", () => {
  it("finds the packages", () => {
    expect(packages.map((p) => p.name)).toContain("@pattern-lens/indexes");
    expect(apps.map((p) => p.name)).toContain("pattern-lens");
  });

  it.each(packages.map((p) => [p.name, p] as const))("%s imports only what it may", (name, p) => {
    const allowed = ALLOWED[name];
    expect(
      allowed,
      `${p.dir}: add ${name} to the dependency table in house-style.md and this test`,
    ).toBeDefined();
    for (const dep of ours(p.deps)) expect(allowed, `${name} must not depend on ${dep}`).toContain(dep);
  });

  it("no package or app depends on the CLI or an example", () => {
    const forbidden = new Set(apps.map((a) => a.name));
    for (const p of [...packages, ...apps]) {
      for (const dep of ours(p.deps)) expect(forbidden.has(dep), `${p.name} depends on ${dep}`).toBe(false);
    }
  });

  it("only @pattern-lens/activations depends on onnxruntime-node", () => {
    const users = [...packages, ...apps]
      .filter((p) => p.deps.includes("onnxruntime-node"))
      .map((p) => p.name);
    expect(users.filter((n) => n !== "pattern-lens")).toEqual(["@pattern-lens/activations"]);
  });

  it("one module per entry imports ONNX Runtime: ort.ts (onnxruntime-node), ort-web.ts (onnxruntime-web)", () => {
    const importers = (pkg: string) =>
      [...packages, ...apps].flatMap((p) =>
        listSources(join(REPO_ROOT, p.dir, "src"))
          .filter((f) => new RegExp(`from "${pkg}(/[a-z]+)?"`).test(readFileSync(f, "utf8")))
          .map((f) => f.slice(REPO_ROOT.length + 1)),
      );
    expect(importers("onnxruntime-node")).toEqual(["packages/activations/src/ort.ts"]);
    expect(importers("onnxruntime-web")).toEqual(["packages/activations/src/ort-web.ts"]);
  });
});

function listSources(dir: string): string[] {
  let entries: import("node:fs").Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) =>
    e.isDirectory() ? listSources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}
