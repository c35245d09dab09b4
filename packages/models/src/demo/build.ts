/**
 * Writes the demo model as a Hugging Face hub-layout folder that the activations pipeline opens
 * like any downloaded model.
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { demoModelOnnx } from "./graph.ts";
import { demoPrompts } from "./prompts.ts";
import { DEMO_BOS_TOKEN, DEMO_UNK_TOKEN, demoTokenizerConfig, demoTokenizerJson } from "./tokenizer.ts";
import { DEMO_CONFIG, DEMO_HEADS } from "./weights.ts";

/** The default model name of the demo (its folder name under a save path). */
export const DEMO_MODEL_NAME = "pattern-lens-demo";

/** The files {@link buildDemoModel} wrote (absolute or as given). */
export interface DemoModelFiles {
  dir: string;
  onnxFile: string;
  config: string;
  tokenizer: string;
  tokenizerConfig: string;
  specialTokensMap: string;
  /** The built-in prompts as `prompts.jsonl` (`{"text", "meta"}` per line). */
  prompts: string;
}

/** The demo's `config.json` object: GPT-2 key names, plus what each head was built to do. */
export function demoConfigJson(): Record<string, unknown> {
  const c = DEMO_CONFIG;
  return {
    _name_or_path: DEMO_MODEL_NAME,
    model_type: "pattern-lens-demo",
    architectures: ["PatternLensDemoAttnOnly"],
    n_layer: c.nLayers,
    n_head: c.nHeads,
    n_embd: c.dModel,
    head_dim: c.dHead,
    n_positions: c.nCtx,
    vocab_size: c.vocabSize,
    bos_token_id: 0,
    eos_token_id: 0,
    attn_only: true,
    pattern_lens_demo: {
      description:
        "A two-layer attention-only transformer with hand-set weights; each head implements a known attention pattern.",
      heads: DEMO_HEADS,
    },
  };
}

async function put(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/**
 * Writes the demo model into `dir` (created if needed; existing files are replaced):
 * `config.json`, `tokenizer.json`, `tokenizer_config.json`, `special_tokens_map.json`,
 * `onnx/model.onnx` and `prompts.jsonl` (the built-in prompts). Deterministic: the same bytes every time.
 * @example
 * const files = await buildDemoModel("/tmp/pattern-lens-demo");
 * // pattern-lens activations --model /tmp/pattern-lens-demo --prompts /tmp/pattern-lens-demo/prompts.jsonl ...
 */
export async function buildDemoModel(dir: string): Promise<DemoModelFiles> {
  await mkdir(join(dir, "onnx"), { recursive: true });
  const files: DemoModelFiles = {
    dir,
    onnxFile: join(dir, "onnx", "model.onnx"),
    config: join(dir, "config.json"),
    tokenizer: join(dir, "tokenizer.json"),
    tokenizerConfig: join(dir, "tokenizer_config.json"),
    specialTokensMap: join(dir, "special_tokens_map.json"),
    prompts: join(dir, "prompts.jsonl"),
  };
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  await put(files.onnxFile, demoModelOnnx());
  await put(files.config, json(demoConfigJson()));
  await put(files.tokenizer, JSON.stringify(demoTokenizerJson()));
  await put(files.tokenizerConfig, json(demoTokenizerConfig(DEMO_CONFIG.nCtx)));
  await put(
    files.specialTokensMap,
    json({ bos_token: DEMO_BOS_TOKEN, eos_token: DEMO_BOS_TOKEN, unk_token: DEMO_UNK_TOKEN }),
  );
  await put(
    files.prompts,
    demoPrompts()
      .map((p) => `${JSON.stringify(p)}\n`)
      .join(""),
  );
  return files;
}
