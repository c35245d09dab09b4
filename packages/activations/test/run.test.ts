import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  activationsPath,
  decodeNpz,
  float16BitsToFloat32,
  promptHash,
  promptJsonPath,
} from "@pattern-lens/indexes";
import { describe, expect, it } from "vitest";
import { type ActivationsError, activationsMain } from "../src/index.ts";
import {
  gpt2TinyDir,
  gpt2TinyPrompts,
  gpt2TinyReference,
  maxAbsDiff,
  tempDir,
  toFloat32,
} from "./_helpers.ts";
import { TINY_TOKENIZER, tinyModel } from "./_tiny-model.ts";

function promptsFile(): string {
  const p = join(tempDir(), "prompts.jsonl");
  writeFileSync(
    p,
    `${gpt2TinyPrompts()
      .map((r, i) => JSON.stringify({ text: r.text, meta: { i } }))
      .join("\n")}\n`,
  );
  return p;
}

/** Every file under `dir` (relative path -> bytes). */
function tree(dir: string, base = dir, out = new Map<string, Buffer>()): Map<string, Buffer> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) tree(p, base, out);
    else out.set(p.slice(base.length + 1), readFileSync(p));
  }
  return out;
}

describe("activationsMain on gpt2-tiny-torch", () => {
  const cacheDir = tempDir();

  it("saves the reference patterns, prompt.json with token_ids, model_cfg, prompts.jsonl and models.jsonl; a second run skips everything", async () => {
    const save = tempDir();
    const progress: number[] = [];
    const summary = await activationsMain({
      model: gpt2TinyDir(),
      prompts: promptsFile(),
      savePath: save,
      minChars: 1,
      cacheDir,
      batchSize: 3,
      onProgress: (p) => progress.push(p.done),
    });
    expect(summary).toMatchObject({
      modelName: "gpt2-tiny-torch",
      method: "softmax",
      total: 4,
      computed: 4,
      skipped: 0,
    });
    expect(progress.at(-1)).toBe(4);
    for (const [j, ref] of gpt2TinyPrompts().entries()) {
      const hash = promptHash(ref.text);
      const meta = JSON.parse(readFileSync(promptJsonPath(save, "gpt2-tiny-torch", hash), "utf8"));
      expect(Object.keys(meta)).toEqual([
        "text",
        "meta",
        "source_fname",
        "hash",
        "n_tokens",
        "tokens",
        "token_ids",
      ]);
      expect(meta.token_ids).toEqual(ref.input_ids);
      expect(meta.tokens).toEqual(ref.tokens);
      expect(meta.n_tokens).toBe(ref.tokens.length);
      const npz = decodeNpz(new Uint8Array(readFileSync(activationsPath(save, "gpt2-tiny-torch", hash))));
      const want = gpt2TinyReference(j);
      expect([...npz.keys()]).toEqual(["blocks.0.attn.hook_pattern", "blocks.1.attn.hook_pattern"]);
      for (const [k, arr] of npz) {
        expect(arr.dtype).toBe("<f4");
        expect(arr.shape).toEqual(want.get(k)?.shape);
        expect(maxAbsDiff(toFloat32(arr), toFloat32(want.get(k) ?? arr))).toBeLessThan(1e-5);
      }
    }
    const cfg = JSON.parse(readFileSync(join(save, "gpt2-tiny-torch", "model_cfg.json"), "utf8"));
    expect(cfg).toMatchObject({
      model_name: "gpt2-tiny-torch",
      n_layers: 2,
      n_heads: 2,
      d_model: 32,
      d_head: 16,
      n_ctx: 256,
      d_vocab: 50257,
      default_prepend_bos: true,
      original_architecture: "GPT2LMHeadModel",
      positional_embedding_type: "standard",
    });
    expect(cfg.pattern_lens).toMatchObject({
      implementation: "pattern-lens-ts",
      capture_method: "softmax",
      dtype: "float32",
      opset: 14,
    });
    expect(cfg.pattern_lens.model_sha256).toMatch(/^[0-9a-f]{64}$/);
    const models = readFileSync(join(save, "models.jsonl"), "utf8").trim().split("\n");
    expect(models).toHaveLength(1);
    expect(JSON.parse(models[0] ?? "{}").sanitized_name).toBe("gpt2-tiny-torch");
    expect(
      readFileSync(join(save, "gpt2-tiny-torch", "prompts.jsonl"), "utf8")
        .trim()
        .split("\n"),
    ).toHaveLength(4);

    const before = tree(save);
    const again = await activationsMain({ model: gpt2TinyDir(), savePath: save, cacheDir });
    expect(again).toMatchObject({ total: 4, computed: 0, skipped: 4 });
    expect(tree(save)).toEqual(before);
  });

  it("--force recomputes; a damaged npz is recomputed; float16 halves the payload", async () => {
    const save = tempDir();
    const prompts = promptsFile();
    await activationsMain({ model: gpt2TinyDir(), prompts, savePath: save, minChars: 1, cacheDir });
    const hash = promptHash(gpt2TinyPrompts()[1]?.text ?? "");
    writeFileSync(activationsPath(save, "gpt2-tiny-torch", hash), "garbage");
    const r = await activationsMain({ model: gpt2TinyDir(), prompts, savePath: save, minChars: 1, cacheDir });
    expect(r).toMatchObject({ computed: 1, skipped: 3 });
    const forced = await activationsMain({
      model: gpt2TinyDir(),
      prompts,
      savePath: save,
      minChars: 1,
      cacheDir,
      force: true,
      dtype: "float16",
      compressLevel: 0,
    });
    expect(forced).toMatchObject({ computed: 4, skipped: 0 });
    const npz = decodeNpz(new Uint8Array(readFileSync(activationsPath(save, "gpt2-tiny-torch", hash))));
    const arr = npz.get("blocks.0.attn.hook_pattern");
    expect(arr?.dtype).toBe("<f2");
    const want = toFloat32(gpt2TinyReference(1).get("blocks.0.attn.hook_pattern") ?? (arr as never));
    expect(maxAbsDiff(float16BitsToFloat32(arr?.data as Uint16Array), want)).toBeLessThan(1e-3);
  });

  it("compress strategies: rle (default) and default hold the same patterns; the choice is recorded; a bad one is refused", async () => {
    const prompts = promptsFile();
    const saves: Record<string, string> = {};
    for (const strategy of ["rle", "default"] as const) {
      const save = tempDir();
      saves[strategy] = save;
      await activationsMain({
        model: gpt2TinyDir(),
        prompts,
        savePath: save,
        minChars: 1,
        cacheDir,
        ...(strategy === "rle" ? {} : { compressStrategy: strategy }),
      });
      const cfg = JSON.parse(readFileSync(join(save, "gpt2-tiny-torch", "model_cfg.json"), "utf8"));
      expect(cfg.pattern_lens).toMatchObject({ compress_level: 6, compress_strategy: strategy });
    }
    const hash = promptHash(gpt2TinyPrompts()[0]?.text ?? "");
    const read = (save: string) => readFileSync(activationsPath(save, "gpt2-tiny-torch", hash));
    const rle = read(saves.rle!);
    const lz = read(saves.default!);
    expect(rle.equals(lz)).toBe(false); // different deflate streams...
    const [a, b] = [decodeNpz(new Uint8Array(rle)), decodeNpz(new Uint8Array(lz))];
    for (const [k, v] of a)
      expect(
        Buffer.from((v.data as Float32Array).buffer).equals(
          Buffer.from((b.get(k)!.data as Float32Array).buffer),
        ),
      ).toBe(true); // ...same arrays
    const bad = await activationsMain({
      model: gpt2TinyDir(),
      prompts,
      savePath: tempDir(),
      minChars: 1,
      cacheDir,
      compressStrategy: "zstd" as never,
    }).catch((e: unknown) => e);
    expect((bad as ActivationsError).code).toBe("PL_ACTIVATIONS_OPTIONS_INVALID");
    const badStream = await activationsMain({
      model: gpt2TinyDir(),
      prompts,
      savePath: tempDir(),
      minChars: 1,
      cacheDir,
      streamFromTokens: 0,
    }).catch((e: unknown) => e);
    expect((badStream as ActivationsError).code).toBe("PL_ACTIVATIONS_OPTIONS_INVALID");
    expect((badStream as Error).message).toContain("--stream-from-tokens");
  });

  it("records truncation to the model context and goes on", async () => {
    const save = tempDir();
    const p = join(tempDir(), "long.jsonl");
    writeFileSync(
      p,
      `${JSON.stringify({ text: "word ".repeat(400) })}\n${JSON.stringify({ text: "short prompt" })}\n`,
    );
    const r = await activationsMain({
      model: gpt2TinyDir(),
      prompts: p,
      savePath: save,
      minChars: 1,
      maxChars: 5000,
      cacheDir,
    });
    expect(r).toMatchObject({ computed: 2, truncated: 1 });
    const meta = JSON.parse(
      readFileSync(promptJsonPath(save, "gpt2-tiny-torch", promptHash("word ".repeat(400))), "utf8"),
    );
    expect(meta.truncated).toBe(true);
    expect(meta.token_ids).toHaveLength(256);
    expect(meta.n_tokens).toBe(255);
    const short = JSON.parse(
      readFileSync(promptJsonPath(save, "gpt2-tiny-torch", promptHash("short prompt")), "utf8"),
    );
    expect(short.truncated).toBeUndefined();
  });

  it("--model-name names the folder (sanitized); without --prompts and no prompts.jsonl: PL_ACTIVATIONS_PROMPTS_NOT_FOUND", async () => {
    const save = tempDir();
    const err = await activationsMain({
      model: gpt2TinyDir(),
      savePath: save,
      modelName: "my model",
      cacheDir,
    }).catch((e: unknown) => e);
    expect((err as ActivationsError).code).toBe("PL_ACTIVATIONS_PROMPTS_NOT_FOUND");
    expect((err as Error).message).toContain(join(save, "my_model", "prompts.jsonl").replaceAll("\\", "/"));
    await activationsMain({
      model: gpt2TinyDir(),
      savePath: save,
      modelName: "my-model",
      prompts: promptsFile(),
      minChars: 1,
      nSamples: 2,
      cacheDir,
    });
    expect(existsSync(join(save, "my-model", "model_cfg.json"))).toBe(true);
    expect(readdirSync(join(save, "my-model", "prompts"))).toHaveLength(2);
    const bad = await activationsMain({
      model: gpt2TinyDir(),
      savePath: save,
      modelName: "..",
      prompts: promptsFile(),
      minChars: 1,
      cacheDir,
    }).catch((e: unknown) => e);
    expect((bad as ActivationsError).code).toBe("PL_ACTIVATIONS_OPTIONS_INVALID");
    expect((bad as Error).message).toContain("'my-model'");
  });
});

describe("activationsMain, batches in flight", () => {
  it("a pattern failing validation mid-run stops it with PL_ACTIVATIONS_PATTERN_INVALID; the batch already running is drained, earlier prompts stay saved, the bad one is not", async () => {
    const dir = tempDir();
    const model = join(dir, "nan.onnx");
    writeFileSync(model, tinyModel("nan-token"));
    // one prompt per batch, longest first: good (20 tokens), bad (15, holds token 7), good (10)
    const texts = ["abcdefghijklmnopqrst", `abcde${String.fromCharCode(47)}ghijklmno`, "abcdefghij"];
    const prompts = join(dir, "p.jsonl");
    writeFileSync(prompts, `${texts.map((text) => JSON.stringify({ text })).join("\n")}\n`);
    const savePath = join(dir, "save");
    const err = await activationsMain({
      model,
      prompts,
      savePath,
      minChars: 1,
      batchSize: 1,
      tokenizer: TINY_TOKENIZER,
      cacheDir: join(dir, "cache"),
    }).catch((e: unknown) => e as ActivationsError);
    expect((err as ActivationsError).code).toBe("PL_ACTIVATIONS_PATTERN_INVALID");
    expect((err as ActivationsError).message).toMatch(/^layer 0, head 0, query \d+: value at key \d+ is NaN/);
    const saved = texts.map((t) => existsSync(activationsPath(savePath, "nan", promptHash(t))));
    expect(saved).toEqual([true, false, false]);
    const npz = decodeNpz(readFileSync(activationsPath(savePath, "nan", promptHash(texts[0] as string))));
    expect(npz.get("blocks.1.attn.hook_pattern")?.shape).toEqual([1, 2, 21, 21]);
  });
});
