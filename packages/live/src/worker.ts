/**
 * The Worker of `<pattern-lens-live>` (bundled as `pattern-lens-live-worker.js`): opens the model
 * with onnxruntime-web and answers `run` messages. Runs are coalesced: a `run` that arrives while
 * another runs replaces any that has not started, so after a burst of keystrokes only the newest
 * text is computed next.
 */
import {
  fetchLiveModel,
  type LiveModel,
  livePatterns,
  openLiveModel,
} from "@pattern-lens/activations/browser";
import type { FromWorker, OpenMessage, RunMessage, ToWorker } from "./_protocol.ts";

const scope = globalThis as unknown as {
  postMessage(m: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((ev: MessageEvent<ToWorker>) => void) | null;
};

let model: Promise<LiveModel> | undefined;
let pending: RunMessage | undefined;
let busy = false;

const fail = (err: unknown, id?: number): void => {
  const e = err as { code?: string; message?: string };
  const m: FromWorker = {
    op: "error",
    code: e.code ?? "INTERNAL_LIVE",
    message: e.message ?? String(err),
  };
  if (id !== undefined) m.id = id;
  scope.postMessage(m);
};

async function open(msg: OpenMessage): Promise<LiveModel> {
  const t0 = performance.now();
  const src = await fetchLiveModel(
    msg.model,
    msg.memoryLimit !== undefined ? { memoryLimit: msg.memoryLimit } : {},
  );
  const m = await openLiveModel(src, { wasmPaths: msg.wasmPaths, numThreads: msg.threads });
  scope.postMessage({
    op: "ready",
    nLayers: m.plan.outputs.length,
    method: m.plan.method,
    nCtx: m.nCtx,
    threads: msg.threads,
    loadMs: performance.now() - t0,
  });
  return m;
}

/** A typed array that owns its whole (non-shared) buffer, so it can be transferred. */
function own(a: Float32Array): Float32Array {
  const whole = a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer;
  return whole ? a : a.slice();
}

async function drain(): Promise<void> {
  if (busy || !model) return;
  busy = true;
  try {
    while (pending) {
      const job = pending;
      pending = undefined;
      try {
        const m = await model;
        const t0 = performance.now();
        const p = await livePatterns(m, job.text);
        const layers = p.layers.map(own);
        scope.postMessage(
          { op: "patterns", id: job.id, ...p, layers, runMs: performance.now() - t0 },
          layers.map((l) => l.buffer as ArrayBuffer),
        );
      } catch (err) {
        fail(err, job.id);
      }
      // let runs that arrived meanwhile replace each other before the next one starts
      await new Promise((r) => setTimeout(r, 0));
    }
  } finally {
    busy = false;
  }
}

scope.onmessage = (ev) => {
  const msg = ev.data;
  if (msg.op === "open") {
    model ??= open(msg);
    model.catch((err) => fail(err));
    void model.then(drain, () => undefined);
    return;
  }
  if (pending) scope.postMessage({ op: "skipped", id: pending.id });
  pending = msg;
  void drain();
};
