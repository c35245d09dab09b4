/** One flag parser per kind of value, one name per concept, and usage errors in a useful order. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { modelFolderName } from "../src/flags.ts";
import { runCommand } from "../src/program.ts";
import { capture } from "./support/capture.ts";

async function usage(argv: string[]) {
  const c = capture();
  const code = await runCommand(argv, c.io);
  return { code, err: c.errText(), out: c.text() };
}

const root = mkdtempSync(join(tmpdir(), "pl-cli-flags-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("counts", () => {
  it.each([
    ["figures", ["--model-name", "m", "--save-path", "."]],
    ["metrics", ["--model-name", "m", "--save-path", "."]],
    ["run", ["--model", "m"]],
    ["demo", []],
  ])("%s --jobs 0 is rejected like every other count", async (cmd, rest) => {
    const r = await usage([cmd, ...rest, "--jobs", "0"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("argument '0' is invalid. --jobs must be an integer of at least 1.");
  });

  it("every count flag says the same words", async () => {
    const a = await usage(["activations", "--model", "m", "--batch-size", "x"]);
    expect(a.err).toContain("argument 'x' is invalid. --batch-size must be an integer of at least 1.");
    const b = await usage(["activations", "--model", "m", "--compress-level", "12"]);
    expect(b.err).toContain("argument '12' is invalid. --compress-level must be an integer from 0 to 9.");
    const c = await usage(["serve", "--save-path", ".", "--port", "70000"]);
    expect(c.err).toContain("argument '70000' is invalid. --port must be an integer from 0 to 65535.");
  });
});

describe("one name per concept", () => {
  it("--path is another name for --save-path; both at once with different folders is refused", async () => {
    const viaAlias = await usage(["index", "--path", join(root, "a")]);
    expect(viaAlias.code).toBe(0);
    expect(viaAlias.out).toContain("pattern-lens serve --save-path");
    const both = await usage(["index", "--path", join(root, "a"), "--save-path", join(root, "b")]);
    expect(both.code).toBe(2);
    expect(both.err).toContain("--path is another name for --save-path");
  });

  it("figures and metrics name the folder with --model-name; --model takes the model spec", async () => {
    const missing = await usage(["figures", "--save-path", root]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(
      "required option '--model-name <name>' (or '--model <model>') not specified",
    );
    // a hub alias, a local .onnx file and an older run's folder name all map to the folder activations used
    expect(modelFolderName("gpt2", root)).toBe("gpt2");
    expect(modelFolderName("EleutherAI/pythia-14m@v0", root)).toBe("pythia-14m");
    const onnx = join(root, "tiny.onnx");
    writeFileSync(onnx, "");
    expect(modelFolderName(onnx, root)).toBe("tiny");
    mkdirSync(join(root, "older-run"));
    expect(modelFolderName("older-run", root)).toBe("older-run");
  });
});

describe("usage errors", () => {
  it("an unknown option is reported before a missing required one", async () => {
    const r = await usage(["activations", "--modle", "x"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown option '--modle'");
    expect(r.err).toContain("--model");
    expect(r.err).not.toContain("required option");
  });

  it("a typo'd command gets a did-you-mean", async () => {
    const r = await usage(["activation"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown command 'activation'. Did you mean 'activations'?");
    const far = await usage(["frobnicate"]);
    expect(far.err).not.toContain("Did you mean");
  });

  it("the `--` pnpm passes on (`pnpm demo -- --no-serve`) is dropped", async () => {
    const r = await usage(["index", "--", "--save-path", join(root, "c")]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).not.toContain("too many arguments");
  });
});
