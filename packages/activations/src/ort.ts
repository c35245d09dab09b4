/**
 * The only module that imports onnxruntime-node. Everything else works with {@link HostTensor}
 * (plain typed arrays) and {@link OrtSession}, so the rest of the package never touches ORT types.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Worker } from "node:worker_threads";
import * as ort from "onnxruntime-node";
import { hostTensor } from "./_host-tensor.ts";
import { readBytes } from "./_read-bytes.ts";
import { readFileWeight } from "./_read-weight.ts";
import { ActivationsError, ActivationsInternalError } from "./errors.ts";

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
  run(
    feeds: Record<string, HostTensor>,
    outputNames: readonly string[],
    extra?: RunExtras,
  ): Promise<Record<string, HostTensor>>;
  /** Frees the native session. */
  dispose(): Promise<void>;
}

/** A weight input read from a file for one run (see {@link RunExtras}). */
export interface FileWeight {
  /** The model input it feeds. */
  input: string;
  type: "float32" | "float16";
  dims: number[];
  /** Absolute path of the file holding the bytes. */
  file: string;
  offset: number;
  length: number;
}

/** What a run can do beyond plain feeds, to touch no fresh memory at long prompts. */
export interface RunExtras {
  /**
   * Inputs read from files by the thread running the session, into buffers it reuses from run
   * to run (per input name), instead of fresh buffers copied across threads.
   */
  weights?: readonly FileWeight[];
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
  /**
   * Run the session on a worker thread (default true). onnxruntime-node's `run` blocks the thread
   * it is called on; on a worker, the main thread stays free to compress and write the previous
   * batch's npz files while the next batch runs.
   */
  worker?: boolean;
  /**
   * Keep ONNX Runtime's CPU memory arena (default true): freed tensors are kept for reuse by later
   * runs. Turn it off for many sessions used in turn (one per layer), which would otherwise each
   * keep their own peak working memory.
   */
  memArena?: boolean;
  /**
   * Plan each run's memory as one block (ONNX Runtime's memory pattern; default true). Its block
   * is allocated afresh on the second run, so a session run a few times (one shared by several
   * layers) is faster without it: freed tensors are then reused from the arena from the second
   * run on.
   */
  memPattern?: boolean;
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
 * @throws {ActivationsError} `PL_ACTIVATIONS_DEVICE_UNAVAILABLE` when CUDA is asked for but not installed;
 *   `PL_ACTIVATIONS_MODEL_INVALID` when ONNX Runtime cannot load the file.
 */
export function createOrtSession(modelPath: string, opts: OrtSessionOptions = {}): Promise<OrtSession> {
  return openSession(modelPath, opts);
}

async function openSession(
  modelPath: string,
  opts: OrtSessionOptions,
  shared?: SharedWorker,
): Promise<OrtSession> {
  const device = opts.device ?? "cpu";
  if (device === "cuda" && !cudaAvailable()) {
    throw new ActivationsError(
      "PL_ACTIVATIONS_DEVICE_UNAVAILABLE",
      `--device cuda was asked for, but the CUDA execution provider is not installed. ${CUDA_HELP}`,
    );
  }
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: device === "cuda" ? ["cuda", "cpu"] : ["cpu"],
    graphOptimizationLevel: "all",
    logSeverityLevel: 3,
  };
  if (opts.intraOpNumThreads !== undefined) options.intraOpNumThreads = opts.intraOpNumThreads;
  if (opts.memArena === false) {
    options.enableCpuMemArena = false;
    options.enableMemPattern = false;
  }
  if (opts.memPattern === false) options.enableMemPattern = false;
  if (opts.externalDataDir !== undefined) {
    options.extra = { session: { model_external_initializers_file_folder_path: opts.externalDataDir } };
  }
  const classify = (err: unknown): ActivationsError => {
    const msg = err instanceof Error ? err.message : String(err);
    if (device === "cuda" && /cuda|CUDA|provider/.test(msg)) {
      return new ActivationsError(
        "PL_ACTIVATIONS_DEVICE_UNAVAILABLE",
        `ONNX Runtime could not start the CUDA execution provider: ${msg}. ${CUDA_HELP}`,
        { cause: err },
      );
    }
    return new ActivationsError(
      "PL_ACTIVATIONS_MODEL_INVALID",
      `ONNX Runtime cannot load ${modelPath}: ${msg}. Check that it is a complete ONNX model with its external data files beside it.`,
      { cause: err },
    );
  };
  const source = opts.externalDataDir !== undefined ? readBytes(modelPath) : modelPath;
  if (shared) return createWorkerSession(source, options, classify, shared);
  if (opts.worker ?? true) return createWorkerSession(source, options, classify);
  let session: ort.InferenceSession;
  try {
    session =
      typeof source === "string"
        ? await ort.InferenceSession.create(source, options)
        : await ort.InferenceSession.create(source, options);
  } catch (err) {
    throw classify(err);
  }
  return wrapSession(session);
}

/**
 * The worker's code (CommonJS, evaluated): owns ORT sessions (by key), runs them on request and
 * sends the outputs back as transferred buffers.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const fs = require("node:fs");
const ort = require(workerData.ortPath);
const sessions = new Map();
// weight inputs are read into the same buffers every run (by input name)
const weightBufs = new Map();
const readInto = (w) => {
  let buf = weightBufs.get(w.input);
  if (!buf || buf.byteLength !== w.length) {
    buf = new ArrayBuffer(w.length);
    weightBufs.set(w.input, buf);
  }
  const view = new Uint8Array(buf);
  const fd = fs.openSync(w.file, "r");
  try {
    let done = 0;
    while (done < w.length) {
      const n = fs.readSync(fd, view, done, w.length - done, w.offset + done);
      if (n === 0) throw new Error("cannot read weight " + w.input + " from " + w.file + ": " + done + " of " + w.length + " bytes at offset " + w.offset + "; the model changed while in use, run again");
      done += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return new ort.Tensor(w.type, w.type === "float32" ? new Float32Array(buf) : new Uint16Array(buf), w.dims);
};
const meta = (m) => (m.isTensor ? { name: m.name, type: m.type, shape: [...m.shape] } : { name: m.name, type: undefined, shape: undefined });
parentPort.on("message", async (m) => {
  try {
    let session = sessions.get(m.key);
    if (m.op === "create") {
      session = await ort.InferenceSession.create(m.source, m.options);
      sessions.set(m.key, session);
      parentPort.postMessage({ id: m.id, ok: true, inputs: session.inputMetadata.map(meta), outputs: session.outputMetadata.map(meta) });
    } else if (m.op === "run") {
      const feeds = {};
      for (const [name, t] of Object.entries(m.feeds)) feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
      for (const w of m.weights || []) feeds[w.input] = readInto(w);
      const fetches = {};
      for (const name of m.outputs) fetches[name] = null;
      const res = await session.run(feeds, fetches);
      // outputs whose data owns its whole ArrayBuffer move to the main thread without a copy
      const send = (copyAll) => {
        const out = {};
        const transfer = [];
        for (const name of m.outputs) {
          const t = res[name];
          if (!t) continue;
          const own = !copyAll && t.data.byteOffset === 0 && t.data.byteLength === t.data.buffer.byteLength;
          const data = own ? t.data : t.data.slice();
          out[name] = { type: t.type, dims: [...t.dims], data };
          if (!transfer.includes(data.buffer)) transfer.push(data.buffer);
        }
        parentPort.postMessage({ id: m.id, ok: true, out }, transfer);
      };
      try {
        send(false);
      } catch {
        send(true); // a buffer that cannot be transferred (not detachable): copy them all
      }
    } else if (m.op === "release") {
      if (session) await session.release();
      sessions.delete(m.key);
      parentPort.postMessage({ id: m.id, ok: true });
    }
  } catch (e) {
    parentPort.postMessage({ id: m.id, ok: false, message: e && e.message ? e.message : String(e) });
  }
});
`;

interface WorkerReply {
  id: number;
  ok: boolean;
  message?: string;
  inputs?: ValueMeta[];
  outputs?: ValueMeta[];
  out?: Record<string, { type: string; dims: number[]; data: ArrayBufferView }>;
}

/** One worker thread hosting ONNX Runtime sessions; see {@link openOrtWorker}. */
export interface OrtWorker {
  /** Opens a session on this worker (same options and errors as {@link createOrtSession}). */
  create(modelPath: string, opts?: Omit<OrtSessionOptions, "worker">): Promise<OrtSession>;
  /** Ends the thread once every session is disposed (or now, when none is open). */
  close(): Promise<void>;
}

type Call = (msg: Record<string, unknown>, transfer?: ArrayBuffer[]) => Promise<WorkerReply>;

function startWorker(): { call: Call; terminate: () => Promise<number> } {
  const ortPath = createRequire(import.meta.url).resolve("onnxruntime-node");
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ortPath } });
  worker.unref();
  let next = 0;
  const waiting = new Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }>();
  worker.on("message", (r: WorkerReply) => {
    const w = waiting.get(r.id);
    waiting.delete(r.id);
    w?.resolve(r);
  });
  const failAll = (err: Error) => {
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  worker.on("error", failAll);
  worker.on("exit", (code) =>
    failAll(new ActivationsInternalError(`the ONNX Runtime worker exited (code ${code})`)),
  );
  const call: Call = (msg, transfer = []) =>
    new Promise((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ ...msg, id }, transfer);
    }).finally(() => {
      if (waiting.size === 0) worker.unref();
    }) as Promise<WorkerReply>;
  return { call, terminate: () => worker.terminate() };
}

/**
 * Starts one worker thread that hosts several sessions run in turn (e.g. one per layer), so the
 * main thread stays free while any of them runs, without a thread per session.
 */
export function openOrtWorker(): OrtWorker {
  const w = startWorker();
  let key = 0;
  const open = new Set<number>();
  let closing = false;
  const end = async () => {
    if (closing && open.size === 0) await w.terminate();
  };
  return {
    async create(modelPath, opts = {}) {
      const k = key++;
      const s = await openSession(modelPath, opts, {
        call: w.call,
        key: k,
        onDispose: () => {
          open.delete(k);
          return end();
        },
      });
      open.add(k);
      return s;
    },
    async close() {
      closing = true;
      await end();
    },
  };
}

interface SharedWorker {
  call: Call;
  key: number;
  onDispose: () => Promise<void> | void;
}

async function createWorkerSession(
  source: string | Uint8Array,
  options: ort.InferenceSession.SessionOptions,
  classify: (err: unknown) => ActivationsError,
  shared?: SharedWorker,
): Promise<OrtSession> {
  const own = shared === undefined ? startWorker() : undefined;
  const call: Call = shared?.call ?? (own as { call: Call }).call;
  const key = shared?.key ?? 0;
  const finish = async () => {
    if (own) await own.terminate();
    else await shared?.onDispose();
  };
  const created = await call({ op: "create", source, options, key });
  if (!created.ok) {
    await finish();
    throw classify(new Error(created.message));
  }
  return {
    inputs: created.inputs ?? [],
    outputs: created.outputs ?? [],
    async run(feeds, outputNames, extra = {}) {
      const plain: Record<string, { type: string; dims: number[]; data: ArrayBufferView }> = {};
      for (const [name, t] of Object.entries(feeds))
        plain[name] = { type: t.type, dims: t.dims, data: t.data };
      const r = await call({
        op: "run",
        feeds: plain,
        outputs: outputNames,
        key,
        weights: extra.weights ?? [],
      });
      if (!r.ok) {
        throw new ActivationsError(
          "PL_ACTIVATIONS_MODEL_INVALID",
          `ONNX Runtime failed to run the model: ${r.message}.`,
        );
      }
      const out: Record<string, HostTensor> = {};
      for (const [name, t] of Object.entries(r.out ?? {})) out[name] = fromPlain(t);
      return out;
    },
    async dispose() {
      try {
        await call({ op: "release", key });
      } finally {
        await finish();
      }
    },
  };
}

function fromPlain(t: { type: string; dims: number[]; data: ArrayBufferView }): HostTensor {
  return hostTensor(t.type, t.dims, t.data);
}

function meta(m: ort.InferenceSession.ValueMetadata): ValueMeta {
  if (!m.isTensor) return { name: m.name, type: undefined, shape: undefined };
  return { name: m.name, type: m.type, shape: [...m.shape] };
}

function wrapSession(session: ort.InferenceSession): OrtSession {
  return {
    inputs: session.inputMetadata.map(meta),
    outputs: session.outputMetadata.map(meta),
    async run(feeds, outputNames, extra = {}) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = toOrt(t);
      for (const w of extra.weights ?? []) ortFeeds[w.input] = toOrt(readFileWeight(w));
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
  return hostTensor(t.type, [...t.dims], t.data as unknown as ArrayBufferView);
}
