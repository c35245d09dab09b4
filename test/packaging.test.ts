/**
 * The published packages work outside the workspace: every publishable package is packed with
 * `pnpm pack` (which rewrites `workspace:*` ranges to real versions), the tarballs are installed
 * with npm into an empty folder, and the `pattern-lens` bin runs from there: `--help`, then the
 * demo without serving. Third-party dependencies come from the npm registry. Needs `pnpm build`.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "#test-support/shared.ts";

const run = promisify(execFile);

interface WorkspacePackage {
  dir: string;
  name: string;
  files: string[];
  bin?: Record<string, string>;
}

/** The non-private packages under packages/ and apps/, read from their package.json. */
function publishablePackages(): WorkspacePackage[] {
  const out: WorkspacePackage[] = [];
  for (const group of ["packages", "apps"]) {
    for (const name of readdirSync(join(REPO_ROOT, group)).sort()) {
      const dir = join(REPO_ROOT, group, name);
      const manifest = join(dir, "package.json");
      if (!existsSync(manifest)) continue;
      const pkg = JSON.parse(readFileSync(manifest, "utf8"));
      if (pkg.private) continue;
      out.push({ dir, name: pkg.name, files: pkg.files ?? [], bin: pkg.bin });
    }
  }
  return out;
}

/** Every file a package's exports map, main, types and bin point at (built files only). */
function builtTargets(dir: string): string[] {
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const targets = new Set<string>();
  const walk = (v: unknown, condition: string | undefined): void => {
    if (typeof v === "string") {
      if (condition !== "source") targets.add(v);
    } else if (v && typeof v === "object") {
      for (const [k, sub] of Object.entries(v)) walk(sub, k.startsWith(".") ? condition : k);
    }
  };
  walk(pkg.exports, undefined);
  for (const f of [pkg.main, pkg.types, ...Object.values(pkg.bin ?? {})])
    if (typeof f === "string") targets.add(f);
  targets.delete("./package.json");
  return [...targets].map((t) => join(dir, t));
}

/** All files under a folder, as paths relative to it ("/" separated). */
function listFiles(root: string, rel = ""): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(root, p));
    else out.push(p);
  }
  return out;
}

/** The environment for npm and the installed CLI: no ORT GPU download, no vitest leftovers. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ONNXRUNTIME_NODE_INSTALL: "skip", NO_COLOR: "1" };
  delete env.NODE_OPTIONS;
  for (const k of Object.keys(env)) if (k.startsWith("VITEST") || k.startsWith("npm_")) delete env[k];
  // npx must run the installed bin, never fetch `pattern-lens` from the registry.
  env.npm_config_yes = "false";
  return env;
}

const packages = publishablePackages();
let work = "";
let installDir = "";

describe("packed tarballs install and run outside the workspace", () => {
  beforeAll(async () => {
    const missing = packages.flatMap((p) => builtTargets(p.dir).filter((f) => !existsSync(f)));
    if (missing.length > 0) {
      throw new Error(
        `built files missing (run \`pnpm build\` before this test):\n  ${missing.map((m) => m.slice(REPO_ROOT.length + 1)).join("\n  ")}`,
      );
    }
    work = mkdtempSync(join(tmpdir(), "pl-packaging-"));
    const tarballs = join(work, "tarballs");
    installDir = join(work, "install");
    for (const p of packages) {
      await run("pnpm", ["pack", "--pack-destination", tarballs], { cwd: p.dir, env: childEnv() });
    }
    const tgz = readdirSync(tarballs)
      .filter((f) => f.endsWith(".tgz"))
      .map((f) => join(tarballs, f));
    expect(tgz).toHaveLength(packages.length);
    rmSync(installDir, { recursive: true, force: true });
    await run("mkdir", ["-p", installDir]);
    writeFileSync(
      join(installDir, "package.json"),
      `${JSON.stringify({ name: "pl-packaging-check", version: "0.0.0", private: true, type: "module" }, null, 2)}\n`,
    );
    writeFileSync(join(installDir, ".npmrc"), "onnxruntime-node-install=skip\n");
    await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...tgz], {
      cwd: installDir,
      env: childEnv(),
      maxBuffer: 64 * 1024 * 1024,
    });
  }, 600_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("every publishable package ships only dist/ (plus README and package.json) with a README", () => {
    expect(packages.map((p) => p.name)).toContain("pattern-lens");
    for (const p of packages) {
      expect(p.files, p.name).toEqual(["dist"]);
      expect(existsSync(join(p.dir, "README.md")), `${p.name} has no README.md`).toBe(true);
      const installed = join(installDir, "node_modules", ...p.name.split("/"));
      const shipped = listFiles(installed).filter((f) => !f.startsWith("node_modules/"));
      expect(shipped, p.name).toContain("package.json");
      for (const f of shipped)
        expect(f, `${p.name} ships ${f}`).toMatch(/^(dist\/|package\.json$|README\.md$|LICENSE)/);
      const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
      expect(
        JSON.stringify(manifest.dependencies ?? {}),
        `${p.name}: workspace: range left in`,
      ).not.toContain("workspace:");
    }
  });

  it("npx pattern-lens --help lists the commands", async () => {
    const { stdout } = await run("npx", ["pattern-lens", "--help"], { cwd: installDir, env: childEnv() });
    expect(stdout).toMatch(/Usage: pattern-lens/);
    for (const cmd of ["activations", "figures", "metrics", "serve", "demo"]) expect(stdout).toContain(cmd);
  }, 60_000);

  it("npx pattern-lens demo --no-serve writes activations, figures and head metrics", async () => {
    const save = join(work, "demo-out");
    await run("npx", ["pattern-lens", "demo", "--no-serve", "--save-path", save], {
      cwd: installDir,
      env: childEnv(),
      maxBuffer: 64 * 1024 * 1024,
    });
    const files = listFiles(save);
    expect(files).toContain("models.jsonl");
    expect(files).toContain("figures.jsonl");
    const models = readFileSync(join(save, "models.jsonl"), "utf8").trim().split("\n");
    expect(models).toHaveLength(1);
    const npz = files.filter((f) => /^[^/]+\/prompts\/[^/]+\/activations\.npz$/.test(f));
    expect(npz.length).toBeGreaterThan(0);
    for (const f of npz) expect(statSync(join(save, f)).size).toBeGreaterThan(100);
    const raw = files.filter((f) => /\/L\d+\/H\d+\/raw\.png$/.test(f));
    expect(raw.length).toBeGreaterThan(0);
    const png = readFileSync(join(save, raw[0] as string));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const metrics = files.filter((f) => f.endsWith("head_metrics.jsonl"));
    expect(metrics.length).toBeGreaterThan(0);
    const firstLine = readFileSync(join(save, metrics[0] as string), "utf8").split("\n")[0] as string;
    expect(() => JSON.parse(firstLine)).not.toThrow();
  }, 300_000);
});
