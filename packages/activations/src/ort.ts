/**
 * The only module that imports onnxruntime-node. Everything else works with {@link HostTensor}
 * (plain typed arrays) and {@link OrtSession}, so the rest of the package never touches ORT types.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as ort from "onnxruntime-node";
import { ActivationsError } from "./errors.ts";

/** Where the forward pass runs: `cpu` everywhere, `cuda` with onnxruntime-node's CUDA files. */
export type Device = "cpu" | "cuda";

/** Element types this package feeds to or reads from a model. */
export type HostDtype = "float32" | "float16" | "int64" | "int32" | "bool";

/** A tensor in host memory. float16 data is the raw `Uint16Array` of bits; bool is `Uint8Array`. */
export interface HostTensor {
  type: HostDtype;
  dims: number[];
  data: Float32Array | Uint16Array | BigInt64Array | Int32Array | Uint8Array;
}

/** One input or output of a session as ONNX Runtime reports it. Symbolic dims are strings. */
export interface ValueMeta {
  name: string;
  /** Element type (`float32`, `int64`, ...); `undefined` for non-tensors. */
  type: string | undefined;
  /** Dims: numbers for fixed sizes, strings for symbolic ones; `undefined` when unknown. */
  shape: Array<number | string> | undefined;
}

/** An ONNX Runtime inference session, reduced to what capture needs. */
export interface OrtSession {
  readonly inputs: readonly ValueMeta[];
  readonly outputs: readonly ValueMeta[];
  /** Runs the model; returns only the requested outputs, as host tensors. */
  run(feeds: Record<string, HostTensor>, outputNames: readonly string[]): Promise<Record<string, HostTensor>>;
  /** Frees the native session. */
  dispose(): Promise<void>;
}

/** Options for {@link createOrtSession}. */
export interface OrtSessionOptions {
  device?: Device;
  /** Intra-op threads; default: ONNX Runtime's choice (all cores). */
  intraOpNumThreads?: number;
  /**
   * The folder the model's external data files live in, when it is not the model file's own
   * folder (an instrumented copy in a cache). The model is then loaded from memory with ONNX
   * Runtime's `session.model_external_initializers_file_folder_path`, so the data files are read
   * where they are, never copied.
   */
  externalDataDir?: string;
}

const CUDA_HELP =
  "Install onnxruntime-node's CUDA files (CUDA 12 and cuDNN 9 must be on the machine): reinstall it with " +
  "`ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node` (pnpm: `ONNXRUNTIME_NODE_INSTALL=cuda12 pnpm rebuild onnxruntime-node`), " +
  "or run with --device cpu.";

/** True when onnxruntime-node's CUDA execution provider library is installed beside its binding. */
export function cudaAvailable(): boolean {
  try {
    const require = createRequire(import.meta.url);
    const pkgDir = dirname(require.resolve("onnxruntime-node/package.json"));
    const binDir = join(pkgDir, "bin", "napi-v6", process.platform, process.arch);
    const lib =
      process.platform === "win32" ? "onnxruntime_providers_cuda.dll" : "libonnxruntime_providers_cuda.so";
    return existsSync(join(binDir, lib));
  } catch {
    return false;
  }
}

/**
 * Opens an ONNX model file with ONNX Runtime on the chosen device.
 * @throws {ActivationsError} `PL_DEVICE_UNAVAILABLE` when CUDA is asked for but not installed;
 *   `PL_MODEL_INVALID` when ONNX Runtime cannot load the file.
 */
export async function createOrtSession(modelPath: string, opts: OrtSessionOptions = {}): Promise<OrtSession> {
  const device = opts.device ?? "cpu";
  if (device === "cuda" && !cudaAvailable()) {
    throw new ActivationsError(
      "PL_DEVICE_UNAVAILABLE",
      `--device cuda was asked for, but the CUDA execution provider is not installed. ${CUDA_HELP}`,
    );
  }
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: device === "cuda" ? ["cuda", "cpu"] : ["cpu"],
    graphOptimizationLevel: "all",
    logSeverityLevel: 3,
  };
  if (opts.intraOpNumThreads !== undefined) options.intraOpNumThreads = opts.intraOpNumThreads;
  if (opts.externalDataDir !== undefined) {
    options.extra = { session: { model_external_initializers_file_folder_path: opts.externalDataDir } };
  }
  let session: ort.InferenceSession;
  try {
    session =
      opts.externalDataDir !== undefined
        ? await ort.InferenceSession.create(new Uint8Array(readFileSync(modelPath)), options)
        : await ort.InferenceSession.create(modelPath, options);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (device === "cuda" && /cuda|CUDA|provider/.test(msg)) {
      throw new ActivationsError(
        "PL_DEVICE_UNAVAILABLE",
        `ONNX Runtime could not start the CUDA execution provider: ${msg}. ${CUDA_HELP}`,
        { cause: err },
      );
    }
    throw new ActivationsError(
      "PL_MODEL_INVALID",
      `ONNX Runtime cannot load ${modelPath}: ${msg}. Check that it is a complete ONNX model with its external data files beside it.`,
      { cause: err },
    );
  }
  return wrapSession(session);
}

function meta(m: ort.InferenceSession.ValueMetadata): ValueMeta {
  if (!m.isTensor) return { name: m.name, type: undefined, shape: undefined };
  return { name: m.name, type: m.type, shape: [...m.shape] };
}

function wrapSession(session: ort.InferenceSession): OrtSession {
  return {
    inputs: session.inputMetadata.map(meta),
    outputs: session.outputMetadata.map(meta),
    async run(feeds, outputNames) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = toOrt(t);
      const fetches: Record<string, null> = {};
      for (const name of outputNames) fetches[name] = null;
      const result = await session.run(ortFeeds, fetches);
      const out: Record<string, HostTensor> = {};
      for (const name of outputNames) {
        const t = result[name];
        if (t === undefined) continue;
        out[name] = fromOrt(t);
        t.dispose();
      }
      return out;
    },
    async dispose() {
      await session.release();
    },
  };
}

function toOrt(t: HostTensor): ort.Tensor {
  return new ort.Tensor(t.type, t.data as never, t.dims);
}

function fromOrt(t: ort.Tensor): HostTensor {
  const dims = [...t.dims];
  switch (t.type) {
    case "float32":
      return { type: "float32", dims, data: t.data as Float32Array };
    case "float16": {
      const d = t.data as unknown as ArrayBufferView;
      return { type: "float16", dims, data: new Uint16Array(d.buffer, d.byteOffset, d.byteLength / 2) };
    }
    case "int64":
      return { type: "int64", dims, data: t.data as BigInt64Array };
    case "int32":
      return { type: "int32", dims, data: t.data as Int32Array };
    case "bool":
      return { type: "bool", dims, data: t.data as Uint8Array };
    default:
      throw new ActivationsError(
        "PL_MODEL_INVALID",
        `the model returned a ${t.type} tensor where attention probabilities were expected.`,
      );
  }
}
