import type { LivePatterns } from "@pattern-lens/activations/browser";
import type { InMemoryPatterns } from "@pattern-lens/viewer";
import { css, html, LitElement, nothing } from "lit";
import type { FromWorker, ToWorker } from "./_protocol.ts";

/** The `detail` of `pattern-lens-patterns`: every layer's `[heads, n, n]` pattern, row-major. */
export interface PatternsDetail {
  /** Tokens without BOS, as `prompt.json` stores them. */
  tokens: string[];
  /** Every id the model saw, BOS first (`n = tokenIds.length`). */
  tokenIds: number[];
  /** One Float32Array `[heads, n, n]` per layer. */
  layers: Float32Array[];
}

/** Times of the last shown prompt, from `performance.now()`. */
export interface LiveTiming {
  /** The input event of the text that was shown (the last keystroke). */
  inputAt: number;
  /** The worker's patterns arrived. */
  resultAt: number;
  /** The pattern view had painted them (after its `pl-load` and the next frame). */
  paintedAt: number;
  /** Milliseconds the worker spent tokenizing and running. */
  runMs: number;
}

/**
 * A text box and the pattern view of `@pattern-lens/viewer`, computed live in the page: the model
 * runs with onnxruntime-web (WASM) in a Worker, so typing never waits for it, and a new text
 * replaces one still waiting (its result is never shown).
 *
 * @example
 * ```html
 * <script type="module" src="./pattern-lens-live.js"></script>
 * <pattern-lens-live model="./model/" text="The cat sat on the mat"></pattern-lens-live>
 * ```
 *
 * @fires pattern-lens-patterns - patterns for the current text are shown; `detail` is a {@link PatternsDetail}.
 * @fires pattern-lens-ready - the model is loaded; `detail` has `nLayers`, `method`, `threads`, `loadMs`.
 * @fires pl-error - loading or a run failed; `detail` has `code` and `message`.
 *
 * @csspart input - the text box.
 * @csspart status - the status line.
 * @csspart pattern - the `<pattern-lens-pattern>` view.
 */
export class PatternLensLive extends LitElement {
  static override properties = {
    model: { type: String },
    text: { type: String },
    threads: { type: Number },
    wasmSrc: { type: String, attribute: "wasm-src" },
    workerSrc: { type: String, attribute: "worker-src" },
    memoryLimit: { type: Number, attribute: "memory-limit" },
    _status: { state: true },
    _error: { state: true },
    _shown: { state: true },
  };

  /** URL of the model folder: `live.json` from `pattern-lens live`, or a hub-layout folder. */
  model = "./model/";
  /** The text (the text box's value). */
  text = "";
  /** WebAssembly threads; 0 (default): 2 when the page is cross-origin isolated, else 1. */
  threads = 0;
  /** URL prefix of onnxruntime-web's `.wasm`/`.mjs` files (default: `ort/` beside this script). */
  wasmSrc = "";
  /** URL of `pattern-lens-live-worker.js` (default: beside this script). */
  workerSrc = "";
  /** WebAssembly memory the model may take, bytes (default 4 GiB). */
  memoryLimit = 0;

  /** Timing of the last shown prompt (for benchmarks). */
  timing: LiveTiming | null = null;

  private _status = "Loading the model…";
  private _error = "";
  private _shown: InMemoryPatterns | null = null;
  private _worker: Worker | undefined;
  private _seq = 0;
  private _inputAt = new Map<number, number>();
  private _threadsUsed = 1;

  static override styles = css`
    :host {
      display: block;
      font: 13px/1.4 system-ui, sans-serif;
    }
    textarea {
      box-sizing: border-box;
      width: 100%;
      min-height: 4.5em;
      font: 14px/1.4 ui-monospace, monospace;
      padding: 0.4rem;
    }
    .status {
      margin: 0.3rem 0 0.6rem;
      opacity: 0.75;
      font-variant-numeric: tabular-nums;
    }
    .error {
      color: #c92a2a;
    }
  `;

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hasUpdated && !this._worker) this._start();
  }

  protected override firstUpdated(): void {
    this._start();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this._worker?.terminate();
    this._worker = undefined;
  }

  /** Sets the text and computes its patterns (as typing does). */
  setText(text: string): void {
    this.text = text;
    this._submit();
  }

  private _threads(): number {
    if (this.threads > 0) return this.threads;
    return globalThis.crossOriginIsolated ? Math.min(2, navigator.hardwareConcurrency || 1) : 1;
  }

  private _start(): void {
    const here = import.meta.url;
    const worker = new Worker(this.workerSrc || new URL("./pattern-lens-live-worker.js", here), {
      type: "module",
    });
    this._worker = worker;
    worker.onmessage = (ev: MessageEvent<FromWorker>) => this._onMessage(ev.data);
    worker.onerror = (ev) =>
      this._fail("PL_LIVE_WORKER", `the worker failed: ${ev.message || "could not start"}`);
    const open: ToWorker = {
      op: "open",
      model: new URL(this.model, document.baseURI).href,
      wasmPaths: new URL(this.wasmSrc || "./ort/", this.wasmSrc ? document.baseURI : here).href,
      threads: this._threads(),
    };
    if (this.memoryLimit > 0) open.memoryLimit = this.memoryLimit;
    worker.postMessage(open);
    if (this.text) this._submit();
  }

  private _fail(code: string, message: string): void {
    this._error = message;
    this.dispatchEvent(
      new CustomEvent("pl-error", { detail: { code, message }, bubbles: true, composed: true }),
    );
  }

  private _submit(): void {
    const id = ++this._seq;
    this._inputAt.set(id, performance.now());
    if (this.text === "") return;
    this._worker?.postMessage({ op: "run", id, text: this.text } satisfies ToWorker);
  }

  private _onMessage(m: FromWorker): void {
    if (m.op === "ready") {
      this._threadsUsed = m.threads;
      this._status = `Model loaded in ${Math.round(m.loadMs)} ms · ${m.nLayers} layers · ${m.method} · ${m.threads} thread${m.threads > 1 ? "s" : ""}`;
      this.dispatchEvent(new CustomEvent("pattern-lens-ready", { detail: m, bubbles: true, composed: true }));
      return;
    }
    if (m.op === "skipped") {
      this._inputAt.delete(m.id);
      return;
    }
    if (m.op === "error") {
      if (m.id !== undefined && m.id !== this._seq) return;
      this._fail(m.code, m.message);
      return;
    }
    if (m.id !== this._seq) {
      this._inputAt.delete(m.id); // a newer text was typed meanwhile: never shown
      return;
    }
    void this._show(m.id, m, m.runMs);
  }

  private async _show(id: number, p: LivePatterns, runMs: number): Promise<void> {
    const resultAt = performance.now();
    const inputAt = this._inputAt.get(id) ?? resultAt;
    this._inputAt.clear();
    this._error = "";
    const detail: PatternsDetail = { tokens: p.tokens, tokenIds: p.tokenIds, layers: p.layers };
    this._shown = detail;
    await this.updateComplete;
    const view = this.renderRoot.querySelector("pattern-lens-pattern");
    if (view) {
      await view.updateComplete;
      await new Promise((r) => requestAnimationFrame(() => r(undefined)));
    }
    if (id !== this._seq) return;
    this.timing = { inputAt, resultAt, paintedAt: performance.now(), runMs };
    this._status = `${p.tokenIds.length} tokens${p.truncated ? " (cut to the context)" : ""} · ${p.layers.length} layers × ${p.nHeads} heads · ${runMs.toFixed(1)} ms in the worker (${this._threadsUsed} thread${this._threadsUsed > 1 ? "s" : ""})`;
    this.dispatchEvent(new CustomEvent("pattern-lens-patterns", { detail, bubbles: true, composed: true }));
  }

  private _onInput = (ev: Event) => {
    this.text = (ev.target as HTMLTextAreaElement).value;
    this._submit();
  };

  protected override render() {
    return html`
      <textarea part="input" aria-label="prompt" placeholder="Type a prompt…" .value=${this.text}
        @input=${this._onInput}></textarea>
      <div class="status" part="status" aria-live="polite">
        ${this._error ? html`<span class="error" role="alert">${this._error}</span>` : this._status}
      </div>
      ${this._shown ? html`<pattern-lens-pattern part="pattern" .patterns=${this._shown}></pattern-lens-pattern>` : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "pattern-lens-live": PatternLensLive;
  }
  interface HTMLElementEventMap {
    "pattern-lens-patterns": CustomEvent<PatternsDetail>;
  }
}
