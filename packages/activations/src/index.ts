/** Run ONNX language models with ONNX Runtime and save every head's attention pattern in the pattern-lens layout. */
export const PACKAGE_NAME = "@pattern-lens/activations";
