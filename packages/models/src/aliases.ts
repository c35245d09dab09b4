/** One entry of the alias table: a short name for a hub repo that carries ONNX weights. */
export interface ModelAlias {
  /** What the user types: `--model gpt2`. Also the default model folder name. */
  alias: string;
  /** The hub repo it downloads from, `org/name`. */
  repoId: string;
  /** The model it is an export of. */
  original: string;
  /** Where the repo's ONNX files were seen, and which ones (so a maintainer can re-check the entry). */
  source: string;
}

/**
 * Aliases accepted by `--model`. Each repo was checked to hold ONNX weights in an `onnx/` folder
 * (fp32 `onnx/model.onnx` or `onnx/decoder_model.onnx`); the `source` says where and what.
 * Downloads use the repo's `main` branch unless the user pins `alias@revision`.
 */
export const MODEL_ALIASES: readonly ModelAlias[] = [
  {
    alias: "gpt2",
    repoId: "Xenova/gpt2",
    original: "openai-community/gpt2",
    source:
      "https://huggingface.co/Xenova/gpt2/tree/main/onnx lists model.onnx (fp32), decoder_model.onnx, model_fp16.onnx, model_int8.onnx, model_q4.onnx",
  },
  {
    alias: "distilgpt2",
    repoId: "Xenova/distilgpt2",
    original: "distilbert/distilgpt2",
    source:
      "https://huggingface.co/Xenova/distilgpt2/tree/16be0a737fd5e0fec0c6b1522c7baf6c3ffbdd8b/onnx lists decoder_model.onnx (fp32), decoder_model_fp16.onnx, decoder_model_quantized.onnx",
  },
  {
    alias: "pythia-14m",
    repoId: "Xenova/pythia-14m",
    original: "EleutherAI/pythia-14m",
    source:
      "https://huggingface.co/Xenova/pythia-14m/tree/8952e75d228f8120365985ccea6649f13ee7cb03/onnx lists decoder_model.onnx (fp32), decoder_model_quantized.onnx; main later added Transformers.js v3 files",
  },
  {
    alias: "pythia-31m",
    repoId: "Xenova/pythia-31m",
    original: "EleutherAI/pythia-31m",
    source:
      "https://huggingface.co/Xenova/pythia-31m/tree/main/onnx lists model.onnx (fp32), decoder_model.onnx, model_fp16.onnx, model_int8.onnx",
  },
  {
    alias: "pythia-70m-deduped",
    repoId: "Xenova/pythia-70m-deduped",
    original: "EleutherAI/pythia-70m-deduped",
    source:
      "https://huggingface.co/Xenova/pythia-70m-deduped/tree/b98bbd9d6464a5be1dab7053f730b12a9c699348/onnx lists decoder_model.onnx (fp32), decoder_model_quantized.onnx",
  },
  {
    alias: "pythia-160m-deduped",
    repoId: "Xenova/pythia-160m-deduped",
    original: "EleutherAI/pythia-160m-deduped",
    source:
      "https://huggingface.co/Xenova/pythia-160m-deduped/tree/main/onnx lists decoder_model.onnx (fp32), decoder_model_quantized.onnx",
  },
  {
    alias: "tiny-stories-1M",
    repoId: "mkly/TinyStories-1M-ONNX",
    original: "roneneldan/TinyStories-1M",
    source:
      "https://huggingface.co/mkly/TinyStories-1M-ONNX (commit b3e045c 'Move back to onnx folder'): onnx/decoder_model.onnx (fp32, 36 MB), decoder_model_quantized.onnx",
  },
  {
    alias: "llama2.c-stories15M",
    repoId: "Xenova/llama2.c-stories15M",
    original: "karpathy/tinyllamas stories15M",
    source:
      "https://huggingface.co/Xenova/llama2.c-stories15M/commits/2d4606e05809cd8cb4069682934541c55f5fde26/onnx/decoder_model.onnx: onnx/decoder_model.onnx (fp32)",
  },
  {
    alias: "llama2.c-stories42M",
    repoId: "Xenova/llama2.c-stories42M",
    original: "karpathy/tinyllamas stories42M",
    source:
      "https://huggingface.co/Xenova/llama2.c-stories42M README: 'ONNX weights ... in a subfolder named onnx' (same export as stories15M)",
  },
  {
    alias: "llama2.c-stories110M",
    repoId: "Xenova/llama2.c-stories110M",
    original: "karpathy/tinyllamas stories110M",
    source:
      "https://huggingface.co/Xenova/llama2.c-stories110M/commits/41b55658ee3b07bc4d420bb858319e78ae8c03ea/onnx: onnx/ folder uploaded Aug 2023",
  },
  {
    alias: "smollm2-135m-instruct",
    repoId: "HuggingFaceTB/SmolLM2-135M-Instruct",
    original: "HuggingFaceTB/SmolLM2-135M-Instruct",
    source:
      "https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct/tree/6b3d851cd28e23bd801765dc95ba124bdbc19d52/onnx lists model.onnx (fp32), model_fp16.onnx, model_q4.onnx",
  },
];

/** The alias entry for `name` (exact match first, then case-insensitive), or `undefined`. */
export function findAlias(name: string): ModelAlias | undefined {
  return (
    MODEL_ALIASES.find((a) => a.alias === name) ??
    MODEL_ALIASES.find((a) => a.alias.toLowerCase() === name.toLowerCase())
  );
}
