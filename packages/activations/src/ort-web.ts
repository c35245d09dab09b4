/**
 * The only module of the browser entry that imports onnxruntime-web (its WASM build). It wraps a
 * session in the same {@link OrtSession} contract as `ort.ts` does for onnxruntime-node, so capture
 * code never touches ORT types.
 */
import * as ort from "onnxruntime-web/wasm";
import { hostTensor } from "./_host-tensor.ts";
import { ActivationsError } from "./errors.ts";
import type { HostTensor, OrtSession, ValueMeta } from "./ort.ts";

/** Options of {@link createWebOrtSession}. */
export interface WebOrtOptions {
  /**
   * URL prefix (ending in `/`) of onnxruntime-web's `ort-wasm-simd-threaded.mjs` and `.wasm`. Set it
   * to files served with the page: nothing is fetched from a CDN.
   */
  wasmPaths: string;
  /** WebAssembly threads (1: none). More than one needs a cross-origin isolated page (COOP/COEP). */
  numThreads?: number;
  /** External data files the graph names, each with its bytes or a URL to fetch them from. */
  externalData?: readonly { path: string; data: Uint8Array | string }[];
}

let configured: string | undefined;

/** onnxruntime-web reads `env.wasm` once, when its first session starts. */
function configure(opts: WebOrtOptions): void {
  const threads = Math.max(1, Math.floor(opts.numThreads ?? 1));
  const key = `${opts.wasmPaths}|${threads}`;
  if (configured !== undefined && configured !== key) {
    throw new ActivationsError(
      "PL_ACTIVATIONS_OPTIONS_INVALID",
      `onnxruntime-web is already started with ${configured}; a page (or worker) uses one set of WASM files and one thread count. Start a new worker for other settings.`,
    );
  }
  configured = key;
  ort.env.wasm.wasmPaths = opts.wasmPaths;
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.proxy = false;
  ort.env.logLevel = "error";
}

function meta(m: ort.InferenceSession.ValueMetadata): ValueMeta {
  if (!m.isTensor) return { name: m.name, type: undefined, shape: undefined };
  return { name: m.name, type: m.type, shape: [...m.shape] };
}

function fromOrt(t: ort.Tensor): HostTensor {
  return hostTensor(t.type, [...t.dims], t.data as unknown as ArrayBufferView);
}

/**
 * Starts an onnxruntime-web (WASM) session on a model held in memory.
 * @throws {ActivationsError} `PL_ACTIVATIONS_MODEL_INVALID` when ONNX Runtime cannot load it.
 */
export async function createWebOrtSession(model: Uint8Array, opts: WebOrtOptions): Promise<OrtSession> {
  configure(opts);
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: ["wasm"],
    graphOptimizationLevel: "all",
    logSeverityLevel: 3,
  };
  if (opts.externalData && opts.externalData.length > 0) options.externalData = [...opts.externalData];
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(model, options);
  } catch (err) {
    throw new ActivationsError(
      "PL_ACTIVATIONS_MODEL_INVALID",
      `onnxruntime-web cannot load the model: ${err instanceof Error ? err.message : String(err)}. Check that the model and its data files are served beside the page.`,
      { cause: err },
    );
  }
  return {
    inputs: session.inputMetadata.map(meta),
    outputs: session.outputMetadata.map(meta),
    async run(feeds, outputNames) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(feeds))
        ortFeeds[name] = new ort.Tensor(t.type, t.data as never, t.dims);
      const fetches: Record<string, null> = {};
      for (const name of outputNames) fetches[name] = null;
      let result: ort.InferenceSession.ReturnType;
      try {
        result = await session.run(ortFeeds, fetches);
      } catch (err) {
        throw new ActivationsError(
          "PL_ACTIVATIONS_MODEL_INVALID",
          `onnxruntime-web failed to run the model: ${err instanceof Error ? err.message : String(err)}.`,
          { cause: err },
        );
      }
      const out: Record<string, HostTensor> = {};
      for (const name of outputNames) {
        const t = result[name];
        if (t !== undefined) out[name] = fromOrt(t);
      }
      return out;
    },
    async dispose() {
      await session.release();
    },
  };
}
