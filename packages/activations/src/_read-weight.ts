import { closeSync, openSync, readSync } from "node:fs";
import { dirname, join } from "node:path";
import { ActivationsError } from "./errors.ts";
import type { WeightRef } from "./layer-template.ts";
import type { FileWeight, HostTensor } from "./ort.ts";

/**
 * Where a layer's weight is on disk: inside the instrumented `.onnx` file (`modelPath`) or in an
 * external data file of `dataDir` (default: the model's folder).
 */
export function weightFile(ref: WeightRef, modelPath: string, dataDir?: string): FileWeight {
  const file = ref.source === "model" ? modelPath : join(dataDir ?? dirname(modelPath), ref.location ?? "");
  return { input: ref.input, type: ref.type, dims: ref.dims, file, offset: ref.offset, length: ref.length };
}

/**
 * Reads a weight into a fresh, aligned buffer.
 * @throws {ActivationsError} `PL_ACTIVATIONS_IO` when the bytes cannot be read in full.
 */
export function readFileWeight(w: FileWeight): HostTensor {
  const buf = new ArrayBuffer(w.length);
  const view = new Uint8Array(buf);
  let fd: number | undefined;
  try {
    fd = openSync(w.file, "r");
    let done = 0;
    while (done < w.length) {
      const n = readSync(fd, view, done, w.length - done, w.offset + done);
      if (n === 0) break;
      done += n;
    }
    if (done !== w.length) throw new Error(`${done} of ${w.length} bytes at offset ${w.offset}`);
  } catch (err) {
    throw new ActivationsError(
      "PL_ACTIVATIONS_IO",
      `cannot read the weight ${w.input} from ${w.file}: ${(err as Error).message}. The model or its cached copy changed while in use; run again.`,
      { cause: err },
    );
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return w.type === "float32"
    ? { type: "float32", dims: w.dims, data: new Float32Array(buf) }
    : { type: "float16", dims: w.dims, data: new Uint16Array(buf) };
}
