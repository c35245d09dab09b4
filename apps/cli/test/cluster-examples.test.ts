import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { REPO_ROOT } from "#test-support/shared.ts";
import { buildProgram } from "../src/program.ts";

const read = (...p: string[]) => readFileSync(join(REPO_ROOT, ...p), "utf8");

/** The lines of the ```sh blocks of a Markdown file. */
function shellLines(markdown: string): string[] {
  return [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) =>
    (m[1] as string)
      .split("\n")
      .map((l) => l.replace(/\s+#.*$/, "").trim())
      .filter((l) => l !== ""),
  );
}

/** Splits a command line into words, keeping quoted words whole (quotes removed). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? (m[2] as string));
}

/** Checks that `argv` (after `pattern-lens`) names a command and only flags that command accepts. */
function expectKnownFlags(argv: string[]): void {
  const program = buildProgram({ out: () => {}, err: () => {} });
  const cmd = program.commands.find((c: Command) => c.name() === argv[0]);
  expect(cmd, `command ${argv[0]}`).toBeDefined();
  const known = new Set(cmd!.options.flatMap((o) => [o.long, o.short].filter(Boolean) as string[]));
  for (const w of argv.slice(1)) if (w.startsWith("-")) expect(known.has(w), `${argv[0]} ${w}`).toBe(true);
}

describe("examples/slurm", () => {
  const readme = shellLines(read("examples", "slurm", "README.md"));

  it("the sbatch scripts run the README's command lines, with flags the CLI accepts", () => {
    const commands = ["pattern-lens-shards.sbatch", "pattern-lens-merge.sbatch"].map((f) => {
      const script = read("examples", "slurm", f);
      expect(script.startsWith("#!/bin/bash\n")).toBe(true);
      const lines = script.split("\n").filter((l) => l.startsWith("pattern-lens "));
      expect(lines).toHaveLength(1);
      return lines[0] as string;
    });
    for (const c of commands) {
      expect(readme).toContain(c);
      expectKnownFlags(words(c).slice(1));
    }
    const [run, merge] = commands.map(words) as [string[], string[]];
    expect(run[1]).toBe("run");
    expect(merge.slice(1, 2)).toEqual(["index"]);
    // both steps name the same data folder
    expect(run[run.indexOf("--save-path") + 1]).toBe(merge[merge.indexOf("--save-path") + 1]);
  });

  it("the array script is an array job, and submit.sh queues the merge after it", () => {
    const script = read("examples", "slurm", "pattern-lens-shards.sbatch");
    expect(script).toMatch(/^#SBATCH --array=0-\d+$/m);
    const submit = read("examples", "slurm", "submit.sh");
    expect(submit).toContain("sbatch --parsable pattern-lens-shards.sbatch");
    expect(submit).toContain('sbatch --dependency=afterok:"$array" pattern-lens-merge.sbatch');
  });
});

describe("examples/kubernetes", () => {
  const readmeText = read("examples", "kubernetes", "README.md");
  const readme = shellLines(readmeText);
  const manifest = (f: string) => {
    const docs = parseAllDocuments(read("examples", "kubernetes", f));
    for (const d of docs) expect(d.errors).toEqual([]);
    return docs.map((d) => d.toJS());
  };

  it("the Indexed Job and the merge Job run the README's command lines, with flags the CLI accepts", () => {
    const [job] = manifest("job.yaml");
    const [merge] = manifest("merge-job.yaml");
    expect(job).toMatchObject({ apiVersion: "batch/v1", kind: "Job", spec: { completionMode: "Indexed" } });
    expect(merge).toMatchObject({ apiVersion: "batch/v1", kind: "Job" });
    const argsOf = (j: { spec: { template: { spec: { containers: { args: string[] }[] } } } }) => {
      const containers = j.spec.template.spec.containers;
      expect(containers).toHaveLength(1);
      return containers[0]!.args.map(String);
    };
    const run = argsOf(job);
    const index = argsOf(merge);
    for (const args of [run, index]) {
      expect(readme).toContain(`pattern-lens ${args.join(" ")}`);
      expectKnownFlags(args);
    }
    expect(run[0]).toBe("run");
    expect(index[0]).toBe("index");
    // one pod per shard: --shards is the Job's completions
    expect(Number(run[run.indexOf("--shards") + 1])).toBe(job.spec.completions);
    expect(run[run.indexOf("--save-path") + 1]).toBe(index[index.indexOf("--save-path") + 1]);
  });

  it("the Dockerfile runs the README's setup commands and the CLI as its entry point", () => {
    const docker = read("examples", "kubernetes", "Dockerfile");
    const runs = [...docker.matchAll(/^RUN (.+)$/gm)].map((m) => m[1]);
    expect(runs).toEqual(["npm install -g pnpm@10.34.8", "pnpm install --frozen-lockfile", "pnpm build"]);
    for (const r of runs) expect(readme).toContain(r);
    // the same pnpm as the repository's, which its README installs the same way
    const pkg = JSON.parse(read("package.json")) as { packageManager: string };
    expect(runs[0]).toBe(`npm install -g ${pkg.packageManager}`);
    expect(read("README.md")).toContain(`npm install -g ${pkg.packageManager}`);
    const bin = JSON.parse(read("apps", "cli", "package.json")).bin as Record<string, string>;
    expect(Object.values(bin).map((b) => b.replace(/^\.\//, ""))).toContain("dist/cli.js");
    expect(docker).toMatch(/^ENTRYPOINT \["node", "\/opt\/pattern-lens\/apps\/cli\/dist\/cli\.js"\]$/m);
    expect(readmeText).toContain("docker build -f examples/kubernetes/Dockerfile -t pattern-lens .");
  });
});
