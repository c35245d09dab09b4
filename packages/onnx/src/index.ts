/** Read, edit and build ONNX models in TypeScript: a protobuf codec that keeps unknown fields and a typed graph builder. */
export const PACKAGE_NAME = "@pattern-lens/onnx";
