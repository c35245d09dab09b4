/**
 * Loads what the pattern view shows, and only that: the layer on screen, as one member of
 * `activations.npz` fetched with HTTP Range requests and inflated in a Worker, handed over head by
 * head as it streams in. A server that ignores Range gets one whole-file download instead.
 */
import { activationsPath, patternKey } from "@pattern-lens/indexes";
import { type LayerSink, openRemoteNpzCached, readLayer } from "./_npz-range.ts";
import type { WorkerReply, WorkerRequest } from "./_worker-protocol.ts";
import { WORKER_SOURCE } from "./_worker-source.ts";
import { dataUrl } from "./data.ts";
import { ViewerError } from "./errors.ts";

/** The layers an `activations.npz` holds. */
export interface NpzDirectory {
  /** Layer indices with a `blocks.<l>.attn.hook_pattern` member, ascending. */
  layers: number[];
  /** False when the server ignored Range and the whole file was downloaded. */
  ranged: boolean;
}

/** One layer's heads, arriving one by one. */
export interface LayerHeads {
  /** Resolves once the member's header is read (`n`, `nHeads` set). */
  readonly ready: Promise<void>;
  /** Resolves when every head is in and the CRC-32 matched. */
  readonly done: Promise<void>;
  /** Positions (0 until ready). */
  n: number;
  /** Heads (0 until ready). */
  nHeads: number;
  /** The heads in memory, row-major `n`×`n` float32. */
  heads: (Float32Array | undefined)[];
  /** Resolves with head `h` as soon as it is in. */
  head(h: number): Promise<Float32Array>;
}

type Handler = (r: WorkerReply) => void;
let worker: Worker | null | undefined;
let nextId = 1;
const handlers = new Map<number, Handler>();

/** The shared Worker, or `null` where none can start (no bundled source, CSP): then the main thread reads. */
function getWorker(): Worker | null {
  if (worker !== undefined) return worker;
  worker = null;
  if (!WORKER_SOURCE || typeof Worker === "undefined") return worker;
  try {
    const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
    const w = new Worker(url);
    w.onmessage = (e: MessageEvent<WorkerReply>) => handlers.get(e.data.id)?.(e.data);
    worker = w;
  } catch {
    worker = null;
  }
  return worker;
}

type Request = { type: "open"; url: string } | { type: "layer"; url: string; member: string };

function ask(req: Request, onReply: Handler): void {
  const w = getWorker()!;
  const id = nextId++;
  handlers.set(id, (r) => {
    if (r.type === "done" || r.type === "error" || r.type === "dir") handlers.delete(id);
    onReply(r);
  });
  w.postMessage({ ...req, id } as WorkerRequest);
}

const dirs = new Map<string, Promise<NpzDirectory>>();

function toError(r: { code: string; message: string }): ViewerError {
  const code = r.code === "PL_VIEWER_FETCH" ? "PL_VIEWER_FETCH" : "PL_VIEWER_DATA";
  return new ViewerError(code, r.message);
}

/** Reads the zip directory of a prompt's `activations.npz` (the file's last 64 kB). */
export function openActivations(base: string, model: string, hash: string): Promise<NpzDirectory> {
  const url = dataUrl(base, activationsPath("", model, hash));
  let p = dirs.get(url);
  if (p) return p;
  const fromNames = (names: string[], ranged: boolean): NpzDirectory => ({
    layers: names
      .map((n) => /^blocks\.(\d+)\.attn\.hook_pattern\.npy$/.exec(n)?.[1])
      .filter((x): x is string => x !== undefined)
      .map(Number)
      .sort((a, b) => a - b),
    ranged,
  });
  p = getWorker()
    ? new Promise<NpzDirectory>((resolve, reject) =>
        ask({ type: "open", url }, (r) => {
          if (r.type === "dir") resolve(fromNames(r.names, r.ranged));
          else if (r.type === "error") reject(toError(r));
        }),
      )
    : openRemoteNpzCached(url).then((npz) =>
        fromNames(
          npz.entries.map((e) => e.name),
          npz.whole === undefined,
        ),
      );
  p.catch(() => dirs.delete(url));
  dirs.set(url, p);
  while (dirs.size > 64) dirs.delete(dirs.keys().next().value as string);
  return p;
}

class Layer implements LayerHeads {
  n = 0;
  nHeads = 0;
  heads: (Float32Array | undefined)[] = [];
  readonly ready: Promise<void>;
  readonly done: Promise<void>;
  failed: Error | undefined;
  private waiters = new Map<number, { resolve: (d: Float32Array) => void; reject: (e: Error) => void }[]>();
  private onReady!: () => void;
  private onDone!: () => void;
  private failReady!: (e: Error) => void;
  private failDone!: (e: Error) => void;

  constructor() {
    this.ready = new Promise((res, rej) => {
      this.onReady = res;
      this.failReady = rej;
    });
    this.done = new Promise((res, rej) => {
      this.onDone = res;
      this.failDone = rej;
    });
    this.ready.catch(() => undefined);
    this.done.catch(() => undefined);
  }

  sink: LayerSink = {
    header: ({ nHeads, n }) => {
      this.n = n;
      this.nHeads = nHeads;
      this.heads = new Array(nHeads).fill(undefined);
      this.onReady();
    },
    head: (h, data) => {
      this.heads[h] = data;
      for (const w of this.waiters.get(h) ?? []) w.resolve(data);
      this.waiters.delete(h);
    },
  };

  finish(err?: Error): void {
    if (err) {
      this.failed = err;
      this.failReady(err);
      this.failDone(err);
      this.failAll(err);
    } else {
      this.onDone();
      this.failAll(
        new ViewerError("PL_VIEWER_DATA", "activations.npz: the layer has fewer heads than asked for"),
      );
    }
  }

  private failAll(e: Error): void {
    for (const ws of this.waiters.values()) for (const w of ws) w.reject(e);
    this.waiters.clear();
  }

  head(h: number): Promise<Float32Array> {
    const d = this.heads[h];
    if (d) return Promise.resolve(d);
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(h) ?? [];
      list.push({ resolve, reject });
      this.waiters.set(h, list);
    });
  }

  bytes(): number {
    return this.n * this.n * this.nHeads * 4;
  }
}

const layers = new Map<string, Layer>();
/** Layers kept in memory: up to this many bytes (a 2,000-token GPT-2-small layer is 192 MB), at least two. */
const CACHE_BYTES = 600e6;

/**
 * Loads one layer of a prompt's patterns (cached: the last layers up to ~600 MB stay in memory).
 * Heads resolve one by one as the member streams in, so head 0 paints before head 11 is read.
 *
 * @example
 * ```ts
 * const layer = loadLayer("./data/", "gpt2", hash, 5);
 * const head3 = await layer.head(3); // Float32Array n*n, exact values
 * ```
 */
export function loadLayer(base: string, model: string, hash: string, layer: number): LayerHeads {
  const url = dataUrl(base, activationsPath("", model, hash));
  const key = `${url}#${layer}`;
  const hit = layers.get(key);
  if (hit && !hit.failed) {
    layers.delete(key);
    layers.set(key, hit);
    return hit;
  }
  const l = new Layer();
  const member = `${patternKey(layer)}.npy`;
  if (getWorker()) {
    ask({ type: "layer", url, member }, (r) => {
      if (r.type === "header") l.sink.header(r);
      else if (r.type === "head") l.sink.head(r.h, r.data);
      else if (r.type === "done") l.finish();
      else if (r.type === "error") l.finish(toError(r));
    });
  } else {
    openRemoteNpzCached(url)
      .then((npz) => readLayer(npz, member, l.sink))
      .then(
        () => l.finish(),
        (e: unknown) => l.finish(e instanceof Error ? e : new Error(String(e))),
      );
  }
  layers.set(key, l);
  let total = 0;
  for (const x of layers.values()) total += x.bytes();
  for (const [k, x] of layers) {
    if (total <= CACHE_BYTES || layers.size <= 2) break;
    total -= x.bytes();
    layers.delete(k);
  }
  return l;
}
