import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { activationsPath, decodeNpz, promptHash, promptJsonPath, toFloat32 } from "@pattern-lens/indexes";
import { describe, expect, it } from "vitest";
import { buildViewerBundle } from "#test-support/browser.ts";
import { sharedPath } from "#test-support/shared.ts";
import { describeError, EXIT_USER_ERROR } from "../src/errors.ts";
import { runCommand } from "../src/program.ts";

const tmp = (p = "pl-cli-act-") => mkdtempSync(join(tmpdir(), p));
const MODEL = () => sharedPath("models", "gpt2-tiny-torch");
const cacheDir = tmp("pl-cli-cache-");

interface Ref {
  text: string;
  tokens: string[];
  input_ids: number[];
}
const refs = (): Ref[] =>
  readFileSync(join(MODEL(), "reference", "prompts.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Ref);

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

/** Runs the CLI in-process; returns exit code and output like `runMain` would print. */
async function cli(args: string[]) {
  const c = capture();
  let code: number;
  try {
    code = await runCommand(["activations", ...args, "--cache-dir", cacheDir, "--no-index-html"], c.io);
  } catch (e) {
    const r = describeError(e);
    c.err.push(r.message);
    code = r.exitCode;
  }
  return { code, out: c.out.join(""), err: c.err.join("") };
}

function promptsFile(lines: string[], name = "prompts.jsonl"): string {
  const p = join(tmp(), name);
  writeFileSync(p, lines.join("\n"));
  return p;
}

describe("pattern-lens activations (gpt2-tiny-torch, a real PyTorch export)", () => {
  it("saves patterns equal to the PyTorch reference within 1e-5, and token_ids equal to the reference input_ids", async () => {
    const save = tmp();
    const prompts = promptsFile(refs().map((r) => JSON.stringify({ text: r.text })));
    const r = await cli(["--model", MODEL(), "--prompts", prompts, "--save-path", save, "--min-chars", "1"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("activations: 4 computed, 0 skipped");
    for (const [j, ref] of refs().entries()) {
      const hash = promptHash(ref.text);
      const meta = JSON.parse(readFileSync(promptJsonPath(save, "gpt2-tiny-torch", hash), "utf8"));
      expect(meta.token_ids).toEqual(ref.input_ids);
      expect(meta.tokens).toEqual(ref.tokens);
      const got = decodeNpz(new Uint8Array(readFileSync(activationsPath(save, "gpt2-tiny-torch", hash))));
      const want = decodeNpz(new Uint8Array(readFileSync(join(MODEL(), "reference", `prompt${j}.npz`))));
      expect([...got.keys()]).toEqual([...want.keys()]);
      for (const [k, w] of want) {
        const g = got.get(k);
        expect(g?.shape).toEqual(w.shape);
        const a = toFloat32(w);
        const b = toFloat32(g ?? w);
        let max = 0;
        for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
        expect(max).toBeLessThan(1e-5);
      }
    }
    expect(existsSync(join(save, "models.jsonl"))).toBe(true);
    expect(existsSync(join(save, "gpt2-tiny-torch", "prompts.jsonl"))).toBe(true);
    // a second run without --prompts reuses prompts.jsonl and skips everything
    const again = await cli(["--model", MODEL(), "--save-path", save]);
    expect(again.code).toBe(0);
    expect(again.out).toContain("0 computed, 4 skipped");
  });

  it("honours --model-name, --n-samples, --dtype float16, --no-prepend-bos, --batch-size, --compress-strategy, --stream-from-tokens", async () => {
    const save = tmp();
    const prompts = promptsFile(refs().map((r) => JSON.stringify({ text: r.text })));
    const r = await cli([
      "--model",
      MODEL(),
      "--model-name",
      "tiny",
      "--prompts",
      prompts,
      "--save-path",
      save,
      "--min-chars",
      "1",
      "--n-samples",
      "2",
      "--dtype",
      "float16",
      "--no-prepend-bos",
      "--batch-size",
      "2",
      "--compress-level",
      "1",
      "--compress-strategy",
      "default",
      "--stream-from-tokens",
      "1",
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("2 run layer by layer");
    const dirs = readdirSync(join(save, "tiny", "prompts"));
    expect(dirs).toHaveLength(2);
    const hash = promptHash(refs()[0]?.text ?? "");
    const meta = JSON.parse(readFileSync(promptJsonPath(save, "tiny", hash), "utf8"));
    expect(meta.token_ids).toEqual(refs()[0]?.input_ids.slice(1));
    const npz = decodeNpz(new Uint8Array(readFileSync(activationsPath(save, "tiny", hash))));
    expect(npz.get("blocks.0.attn.hook_pattern")?.dtype).toBe("<f2");
    const cfg = JSON.parse(readFileSync(join(save, "tiny", "model_cfg.json"), "utf8"));
    expect(cfg.pattern_lens).toMatchObject({
      dtype: "float16",
      compress_level: 1,
      compress_strategy: "default",
      prepend_bos: false,
    });
  });

  it("writes the viewer (index.html + bundle) into the save path unless --no-index-html", async () => {
    await buildViewerBundle();
    const save = tmp();
    const prompts = promptsFile([JSON.stringify({ text: "x".repeat(120) })]);
    const c = capture();
    const code = await runCommand(
      ["activations", "--model", MODEL(), "--prompts", prompts, "--save-path", save, "--cache-dir", cacheDir],
      c.io,
    );
    expect(code).toBe(0);
    expect(readFileSync(join(save, "index.html"), "utf8")).toContain("pattern-lens-viewer");
    expect(existsSync(join(save, "pattern-lens-viewer.js"))).toBe(true);
  });

  it("--compression stored, --max-memory (a tiny budget: every prompt runs layer by layer), and the cut summary", async () => {
    const save = tmp();
    // gpt2-tiny-torch's context is small: the long text is cut to it
    const prompts = promptsFile([
      JSON.stringify({ text: "word ".repeat(400) }),
      JSON.stringify({ text: refs()[0]?.text }),
    ]);
    const r = await cli([
      "--model",
      MODEL(),
      "--prompts",
      prompts,
      "--save-path",
      save,
      "--min-chars",
      "1",
      "--max-chars",
      "100000",
      "--compression",
      "stored",
      "--max-memory",
      "1K",
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("2 run layer by layer");
    expect(r.out).toMatch(/1 cut to the model's context \(\d+ tokens dropped\)/);
    const cfg = JSON.parse(readFileSync(join(save, "gpt2-tiny-torch", "model_cfg.json"), "utf8"));
    expect(cfg.pattern_lens).toMatchObject({ compress_level: 0 });
    for (const bad of [
      ["--compression", "fast"],
      ["--max-memory", "lots"],
    ]) {
      const b = await cli(["--model", MODEL(), "--save-path", join(tmp(), "x"), ...bad]);
      expect(b.code).toBe(2);
    }
  });

  it("rejects bad flag values before doing anything", async () => {
    const save = join(tmp(), "out");
    const r = await cli(["--model", MODEL(), "--save-path", save, "--compress-level", "12"]);
    expect(r.code).toBe(2);
    expect(existsSync(save)).toBe(false);
  });
});

describe("bad input: one clear error line, exit 2, nothing half-written", () => {
  const good = () => promptsFile([JSON.stringify({ text: "x".repeat(150) })]);

  async function fails(args: string[], code: string, text?: string) {
    const save = join(tmp(), "out");
    const r = await cli([...args, "--save-path", save]);
    expect(r.code).toBe(EXIT_USER_ERROR);
    expect(r.err).toContain(`[${code}]`);
    if (text) expect(r.err).toContain(text);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(existsSync(join(save, "models.jsonl"))).toBe(false);
    if (existsSync(save)) {
      for (const m of readdirSync(save)) expect(existsSync(join(save, m, "prompts"))).toBe(false);
    }
    return r;
  }

  it("missing model", async () => {
    await fails(
      ["--model", "/nonexistent/model", "--prompts", good()],
      "PL_MODELS_NOT_FOUND",
      "/nonexistent/model",
    );
  });
  it("invalid model file", async () => {
    const d = tmp();
    writeFileSync(join(d, "model.onnx"), "this is not protobuf");
    copyFileSync(join(MODEL(), "tokenizer.json"), join(d, "tokenizer.json"));
    await fails(["--model", join(d, "model.onnx"), "--prompts", good()], "PL_ACTIVATIONS_MODEL_INVALID");
  });
  it("missing tokenizer", async () => {
    const d = tmp();
    mkdirSync(join(d, "onnx"));
    copyFileSync(join(MODEL(), "onnx", "model.onnx"), join(d, "onnx", "model.onnx"));
    await fails(["--model", d, "--prompts", good()], "PL_ACTIVATIONS_TOKENIZER_NOT_FOUND", "tokenizer.json");
  });
  it("missing prompts file", async () => {
    await fails(
      ["--model", MODEL(), "--prompts", "/nonexistent/p.jsonl"],
      "PL_ACTIVATIONS_PROMPTS_NOT_FOUND",
    );
  });
  it("empty prompts file", async () => {
    await fails(["--model", MODEL(), "--prompts", promptsFile([""])], "PL_ACTIVATIONS_PROMPTS_EMPTY");
  });
  it("invalid line, with its number", async () => {
    const p = promptsFile([JSON.stringify({ text: "x".repeat(150) }), "{oops"]);
    await fails(["--model", MODEL(), "--prompts", p], "PL_ACTIVATIONS_PROMPTS_INVALID", `${p}:2:`);
  });
  it("text that is not UTF-8", async () => {
    const p = join(tmp(), "latin1.jsonl");
    writeFileSync(
      p,
      Buffer.concat([
        Buffer.from('{"text": "caf'),
        Buffer.from([0xe9]),
        Buffer.from(`${"x".repeat(150)}"}\n`),
      ]),
    );
    await fails(["--model", MODEL(), "--prompts", p], "PL_ACTIVATIONS_NOT_UTF8", `${p}:1:`);
  });
  it("empty text is skipped with a warning", async () => {
    const save = tmp();
    const p = promptsFile([JSON.stringify({ text: "" }), JSON.stringify({ text: "y".repeat(120) })]);
    const r = await cli(["--model", MODEL(), "--prompts", p, "--save-path", save]);
    expect(r.code).toBe(0);
    expect(r.err).toContain(`warning: ${p}:1: empty text, skipped`);
    expect(readdirSync(join(save, "gpt2-tiny-torch", "prompts"))).toHaveLength(1);
  });
  it("a save path that cannot be written (permission)", async () => {
    const save =
      process.getuid?.() === 0
        ? "/sys/pattern-lens-test"
        : (() => {
            const ro = join(tmp(), "ro");
            mkdirSync(ro, { mode: 0o500 });
            return join(ro, "out");
          })();
    const r = await cli(["--model", MODEL(), "--prompts", good(), "--save-path", save]);
    expect(r.code).toBe(EXIT_USER_ERROR);
    expect(r.err).toMatch(/\[PL_ACTIVATIONS_IO\].*(permission|not permitted)/i);
  });
  it("--device cuda without the CUDA files says how to install them", async () => {
    const r = await cli(["--model", MODEL(), "--prompts", good(), "--save-path", tmp(), "--device", "cuda"]);
    expect(r.code).toBe(EXIT_USER_ERROR);
    expect(r.err).toContain("[PL_ACTIVATIONS_DEVICE_UNAVAILABLE]");
    expect(r.err).toContain("ONNXRUNTIME_NODE_INSTALL=cuda12");
  });
});
