import type { PatternModel } from "./capture.ts";

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown) => (typeof v === "string" ? v : undefined);

const ROTARY = new Set([
  "llama",
  "mistral",
  "mixtral",
  "qwen2",
  "qwen3",
  "gpt_neox",
  "gptj",
  "phi",
  "phi3",
  "gemma",
  "gemma2",
  "olmo",
  "stablelm",
  "smollm3",
]);
const STANDARD = new Set(["gpt2", "gpt_neo", "opt", "bert", "distilbert", "roberta"]);

/** What the run records about itself in `model_cfg.json` under `pattern_lens`. */
export interface CaptureProvenance {
  /** This package's version. */
  version: string;
  dtype: "float32" | "float16";
  compressLevel: number;
  /** zlib strategy of the npz members (`rle` or `default`); absent in older files. */
  compressStrategy?: "rle" | "default";
  prependBos: boolean;
  device: string;
  /** Other run options worth keeping. */
  options?: Record<string, unknown>;
}

/**
 * Builds `model_cfg.json`: the keys pattern-lens readers use (`model_name`, `n_layers`, `n_heads`,
 * `d_model`, `d_head`, `n_ctx`, `d_vocab`, `default_prepend_bos`, `original_architecture`,
 * `tokenizer_name`, `positional_embedding_type`, plus `n_key_value_heads` and `act_fn` when
 * known) from `config.json` where it says and from the graph otherwise, and a `pattern_lens`
 * provenance block (tool version, model sha256, opset, capture method, dtype, options).
 */
export function buildModelCfg(
  pm: PatternModel,
  modelName: string,
  nHeads: number,
  prov: CaptureProvenance,
): Record<string, unknown> {
  const c = pm.source.config;
  const dModel = num(c.n_embd) ?? num(c.hidden_size) ?? num(c.d_model) ?? num(c.dim) ?? null;
  const cfgHeads = num(c.n_head) ?? num(c.num_attention_heads) ?? num(c.n_heads);
  const dHead = num(c.head_dim) ?? (dModel !== null && cfgHeads ? dModel / cfgHeads : null);
  const modelType = str(c.model_type);
  const arch = Array.isArray(c.architectures) ? str(c.architectures[0]) : undefined;
  let pos: string | null = null;
  if (modelType && ROTARY.has(modelType)) pos = "rotary";
  else if (modelType && STANDARD.has(modelType)) pos = "standard";
  else if (modelType === "bloom") pos = "alibi";
  const kv = num(c.num_key_value_heads) ?? num(c.n_kv_heads);
  const cfg: Record<string, unknown> = {
    model_name: modelName,
    n_layers: pm.nLayers,
    n_heads: nHeads,
    d_model: dModel,
    d_head: dHead,
    n_ctx: pm.nCtx ?? null,
    d_vocab: num(c.vocab_size) ?? null,
    act_fn: str(c.activation_function) ?? str(c.hidden_act) ?? null,
    default_prepend_bos: true,
    original_architecture: arch ?? null,
    tokenizer_name: pm.tokenizer.name ?? str(c._name_or_path) ?? modelName,
    positional_embedding_type: pos,
    n_key_value_heads: kv !== undefined && kv !== nHeads ? kv : null,
    attention_dir: pm.causal ? "causal" : "bidirectional",
  };
  const opts = prov.options ?? {};
  cfg.pattern_lens = {
    implementation: "pattern-lens-ts",
    version: prov.version,
    model_file: pm.source.onnxPath.split(/[\\/]/).slice(-2).join("/"),
    model_sha256: pm.instrumented.sha256,
    opset: pm.instrumented.opset,
    capture_method: pm.instrumented.plan.method,
    dtype: prov.dtype,
    compress_level: prov.compressLevel,
    ...(prov.compressStrategy === undefined ? {} : { compress_strategy: prov.compressStrategy }),
    prepend_bos: prov.prependBos,
    device: prov.device,
    ...opts,
  };
  return cfg;
}
