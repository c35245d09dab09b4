// Names read from a data folder never lead outside it: real files, real CLI child processes.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { buildDemoModel } from "@pattern-lens/models";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "#test-support/cli-child.ts";
import { sharedPath } from "#test-support/shared.ts";
import {
  hashes,
  MODEL,
  promptLines,
  removeTempFolders,
  smallDemo,
  tempFolder,
} from "./support/data-folder.ts";

afterAll(removeTempFolders);

/** Every file under `dir`, relative. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).sort();
}

describe("names read from data files are checked before they become paths", () => {
  it("a prompts.jsonl hash of '../..' stops figures and metrics with PL_SCHEMA (exit 2); nothing is read or written outside", async () => {
    const save = smallDemo(2);
    const outside = tempFolder("pl-outside-");
    // the prompt's folder, moved outside the data folder, and reached through its hash
    const [first] = hashes(save);
    const escaped = join(outside, "escaped");
    renameSync(join(save, MODEL, "prompts", first!), escaped);
    const rel = `../../../${"../".repeat(save.split("/").length)}${escaped.slice(1)}`;
    const lines = promptLines(join(save, MODEL, "prompts.jsonl"));
    lines[0]!.hash = rel;
    writeFileSync(join(save, MODEL, "prompts.jsonl"), lines.map((l) => `${JSON.stringify(l)}\n`).join(""));
    const before = tree(outside);

    const figs = await runCli(["figures", "--model", MODEL, "--save-path", save, "--figure-funcs", "raw"]);
    expect(figs.code).toBe(2);
    expect(figs.stderr).toContain("[PL_INDEXES_SCHEMA]");
    expect(figs.stderr).toContain("prompts.jsonl:1");
    expect(figs.stderr).toContain("hash");
    const met = await runCli(["metrics", "--model", MODEL, "--save-path", save]);
    expect(met.code).toBe(2);
    expect(met.stderr).toContain("[PL_INDEXES_SCHEMA]");
    expect(tree(outside)).toEqual(before); // no L*/H*/raw.png written into the escaped folder
    expect(existsSync(join(save, MODEL, "head_metrics.jsonl"))).toBe(false);
  });

  it("a prompt folder that is a symlink out of the data folder: PL_OUTSIDE_SAVE_PATH (exit 2), nothing written there", async () => {
    const save = smallDemo(2);
    const outside = tempFolder("pl-outside-");
    const [first] = hashes(save);
    const real = join(outside, "elsewhere");
    renameSync(join(save, MODEL, "prompts", first!), real);
    symlinkSync(real, join(save, MODEL, "prompts", first!));
    const before = tree(outside);
    for (const cmd of ["figures", "metrics"]) {
      const r = await runCli([cmd, "--model", MODEL, "--save-path", save]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain("[PL_INDEXES_OUTSIDE_SAVE_PATH]");
    }
    expect(tree(outside)).toEqual(before);
  });

  it("--model '../x' and --model-name '../x' are refused with PL_UNSAFE_NAME (exit 2)", async () => {
    const save = smallDemo(1);
    // run from a fresh folder, so that `../x` names no existing path (an existing `../x` would be a
    // model spec whose folder name is `x`)
    const cwd = join(tempFolder("pl-cwd-"), "sub");
    mkdirSync(cwd);
    for (const flag of ["--model", "--model-name"]) {
      const r = await runCli(["figures", flag, "../x", "--save-path", save], { cwd });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain("[PL_INDEXES_UNSAFE_NAME]");
    }
  });

  it("figures.jsonl: an unparsable line is kept verbatim; a leftover temp file of a dead process is removed", async () => {
    const save = smallDemo(1);
    const bad = '{"name": "half a line", "func_';
    writeFileSync(join(save, "figures.jsonl"), `${bad}\n`);
    writeFileSync(join(save, "figures.jsonl.tmp-999999999"), "left by a killed run");
    writeFileSync(join(save, ".figures.jsonl.999999999.tmp"), "left by a killed run");
    const r = await runCli([
      "figures",
      "--model",
      MODEL,
      "--save-path",
      save,
      "--figure-funcs",
      "raw",
      "--jobs",
      "1",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(join(save, "figures.jsonl"), "utf8").trimEnd().split("\n");
    expect(lines.at(-1)).toBe(bad);
    expect(lines.some((l) => l.startsWith('{"name":"raw"'))).toBe(true);
    expect(readdirSync(save).filter((f) => f.includes("tmp"))).toEqual([]);
  });

  it("activations --model-name is sanitized as documented: 'stories<img src=x onerror=alert(1)>' gives a plain folder", async () => {
    const save = tempFolder();
    const model = await buildDemoModel(join(tempFolder(), "demo-model"));
    const prompts = join(tempFolder(), "p.txt");
    writeFileSync(prompts, "the cat sat on the mat\n");
    mkdirSync(join(save, "cache"));
    const r = await runCli([
      "activations",
      "--model",
      model.dir,
      "--prompts",
      prompts,
      "--save-path",
      save,
      "--model-name",
      "stories<img src=x onerror=alert(1)>",
      "--cache-dir",
      join(save, "cache"),
      "--min-chars",
      "1",
    ]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stderr).toContain("saved as folder 'stories_img_src_x_onerror_alert_1__'");
    const folders = readdirSync(save, { withFileTypes: true }).filter((d) => d.isDirectory());
    expect(folders.map((d) => d.name).sort()).toEqual(["cache", "stories_img_src_x_onerror_alert_1__"]);
    expect(readFileSync(join(save, "models.jsonl"), "utf8")).toContain(
      '"sanitized_name": "stories_img_src_x_onerror_alert_1__"',
    );
  });
});

describe("a model folder holds one model", () => {
  it("activations with --model-name of another model's folder: PL_ACTIVATIONS_MODEL_MISMATCH (exit 2); --force replaces it whole", async () => {
    const save = tempFolder();
    const cache = join(tempFolder(), "cache");
    const demo = await buildDemoModel(join(tempFolder(), "demo-model"));
    const prompts = join(tempFolder(), "p.txt");
    writeFileSync(prompts, "the cat sat on the mat\nanother short prompt here\n");
    const run = (model: string, ...more: string[]) =>
      runCli([
        "activations",
        "--model",
        model,
        "--prompts",
        prompts,
        "--save-path",
        save,
        "--model-name",
        "shared-name",
        "--min-chars",
        "1",
        "--cache-dir",
        cache,
        ...more,
      ]);
    expect((await run(demo.dir)).code).toBe(0);
    const cfgBefore = readFileSync(join(save, "shared-name", "model_cfg.json"), "utf8");
    const gpt2 = sharedPath("models", "gpt2-tiny-torch");
    const refused = await run(gpt2);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain("[PL_ACTIVATIONS_MODEL_MISMATCH]");
    expect(readFileSync(join(save, "shared-name", "model_cfg.json"), "utf8")).toBe(cfgBefore);
    // a figure of the old model, to see it go
    const [old] = readdirSync(join(save, "shared-name", "prompts"));
    mkdirSync(join(save, "shared-name", "prompts", old!, "L0"));
    const forced = await run(gpt2, "--force");
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toContain("belonged to another model");
    expect(readFileSync(join(save, "shared-name", "model_cfg.json"), "utf8")).not.toBe(cfgBefore);
    for (const h of readdirSync(join(save, "shared-name", "prompts"))) {
      expect(readdirSync(join(save, "shared-name", "prompts", h))).not.toContain("L0");
    }
  });

  it("wording: a file without an extension is named so (PL_MODELS_INVALID, exit 2)", async () => {
    const f = join(tempFolder(), "weights");
    writeFileSync(f, "not a model");
    const r = await runCli(["activations", "--model", f, "--prompts", f, "--save-path", tempFolder()]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("a file without an extension is not a model");
    expect(r.stderr).not.toContain("extensionless");
    const onnx = join(tempFolder(), "model.onnx");
    writeFileSync(onnx, "\x08\x07garbage that is no protobuf");
    const p = join(tempFolder(), "p.txt");
    writeFileSync(p, "the cat sat on the mat\n");
    const bad = await runCli([
      "activations",
      "--model",
      onnx,
      "--prompts",
      p,
      "--save-path",
      tempFolder(),
      "--min-chars",
      "1",
      "--cache-dir",
      tempFolder(),
    ]);
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toMatch(/\[PL_(ACTIVATIONS|ONNX|MODELS)_[A-Z_]+\]/);
    expect(bad.stderr).not.toMatch(/\)\.\./);
  });
});
