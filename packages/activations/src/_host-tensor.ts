import { ActivationsError } from "./errors.ts";
import type { HostTensor } from "./ort.ts";

/**
 * A {@link HostTensor} from an ONNX Runtime output's type, dims and data (either runtime, or a
 * worker's plain copy). float16 data becomes the `Uint16Array` of its bits.
 * @throws {ActivationsError} `PL_ACTIVATIONS_MODEL_INVALID` for element types capture never reads.
 */
export function hostTensor(type: string, dims: number[], d: ArrayBufferView): HostTensor {
  switch (type) {
    case "float32":
      return { type: "float32", dims, data: d as Float32Array };
    case "float16":
      return { type: "float16", dims, data: new Uint16Array(d.buffer, d.byteOffset, d.byteLength / 2) };
    case "int64":
      return { type: "int64", dims, data: d as BigInt64Array };
    case "int32":
      return { type: "int32", dims, data: d as Int32Array };
    case "bool":
      return { type: "bool", dims, data: d as Uint8Array };
    default:
      throw new ActivationsError(
        "PL_ACTIVATIONS_MODEL_INVALID",
        `the model returned a ${type} tensor where attention probabilities were expected.`,
      );
  }
}
