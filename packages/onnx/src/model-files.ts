/**
 * The ONNX graphs a model folder in Hugging Face hub layout may hold, in the order pattern-lens
 * tries them when no file is named: the fp32 single-pass export first, then the no-cache decoder,
 * then the merged decoder (whose attention sits inside an `If`). Paths are relative to the model
 * root, POSIX separators. The one list: `@pattern-lens/models` (resolving `--model`) and
 * `@pattern-lens/activations` (opening a folder it is handed) both use it.
 */
export const DEFAULT_ONNX_FILES: readonly string[] = [
  "onnx/model.onnx",
  "onnx/decoder_model.onnx",
  "model.onnx",
  "decoder_model.onnx",
  "onnx/decoder_model_merged.onnx",
  "decoder_model_merged.onnx",
];
