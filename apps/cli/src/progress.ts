import { SingleBar } from "cli-progress";

/** Formats seconds as `1m05s` / `12s`; `?` when unknown. */
export function duration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return "?";
  const m = Math.floor(s / 60);
  const sec = Math.round(s % 60);
  return m > 0 ? `${m}m${String(sec).padStart(2, "0")}s` : `${sec}s`;
}

/** Formats a byte count as `512 B`, `1.5 kB`, `12.3 MB`, `1.02 GB` (powers of 1000, as the hub shows sizes). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let v = n;
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[i]}`;
}

/** Items per second since `startMs`, printed without a misleading `0` for slow items (`0.25`). */
export function formatRate(done: number, startMs: number): { rate: number; text: string } {
  const rate = done / Math.max(1e-3, (performance.now() - startMs) / 1000);
  return { rate, text: rate >= 10 ? rate.toFixed(0) : rate >= 1 ? rate.toFixed(1) : rate.toFixed(2) };
}

/** A progress bar on stderr, shown only on a terminal; every method is a no-op otherwise. */
export interface ProgressBar {
  update(value: number, payload?: Record<string, string>): void;
  setTotal(total: number): void;
  /** Removes the bar (call before printing anything else to stderr). */
  stop(): void;
}

/**
 * Starts the one kind of progress bar the CLI shows (`format` in cli-progress syntax, e.g.
 * `"figures |{bar}| {value}/{total} | {rate} fig/s"`), on stderr and only when it is a terminal.
 */
export function startProgress(
  format: string,
  total: number,
  start = 0,
  payload: Record<string, string> = {},
): ProgressBar {
  if (!process.stderr.isTTY) return { update: () => {}, setTotal: () => {}, stop: () => {} };
  let bar: SingleBar | undefined = new SingleBar({
    format,
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: true,
  });
  bar.start(total, start, payload);
  return {
    update: (value, p) => bar?.update(value, p ?? {}),
    setTotal: (t) => bar?.setTotal(t),
    stop: () => {
      bar?.stop();
      bar = undefined;
    },
  };
}
