/** The messages between `<pattern-lens-live>` and its Worker (structured-cloned; layers transferred). */

/** Page → worker: load a model (once per worker). */
export interface OpenMessage {
  op: "open";
  /** Absolute URL of the model folder (`live.json`, or hub layout). */
  model: string;
  /** Absolute URL prefix of onnxruntime-web's WASM files. */
  wasmPaths: string;
  threads: number;
  memoryLimit?: number;
}

/** Page → worker: patterns for a text. A newer `run` replaces one not yet started. */
export interface RunMessage {
  op: "run";
  id: number;
  text: string;
}

/** Worker → page: the model is loaded. */
export interface ReadyMessage {
  op: "ready";
  nLayers: number;
  method: string;
  nCtx: number | undefined;
  threads: number;
  loadMs: number;
}

/** Worker → page: patterns for run `id`. */
export interface PatternsMessage {
  op: "patterns";
  id: number;
  tokens: string[];
  tokenIds: number[];
  layers: Float32Array[];
  nHeads: number;
  truncated: boolean;
  /** Milliseconds spent tokenizing and running in the worker. */
  runMs: number;
}

/** Worker → page: run `id` was dropped for a newer one before it started. */
export interface SkippedMessage {
  op: "skipped";
  id: number;
}

/** Worker → page: loading (no `id`) or a run failed. */
export interface ErrorMessage {
  op: "error";
  id?: number;
  code: string;
  message: string;
}

export type ToWorker = OpenMessage | RunMessage;
export type FromWorker = ReadyMessage | PatternsMessage | SkippedMessage | ErrorMessage;
