// npz write/read throughput for one layer's attention pattern, [1, 12, 1024, 1024] float32
// (48 MiB; causal softmax rows, so the upper triangle is zeros as in real patterns).
// Runs against the built dist (`pnpm build` first; `pnpm bench` does that through turbo).
// Prints figures only; never fails on time. MB/s = uncompressed array bytes / 1e6 / seconds.

import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeNpz, encodeNpz, float32ToFloat16Bits, patternKey } from "../dist/index.js";
import { readBytesFile, readNpzFile, writeNpzFile } from "../dist/node.js";

const HEADS = 12;
const N = 1024;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);

function causalPattern() {
  const data = new Float32Array(HEADS * N * N);
  let seed = 1;
  for (let h = 0; h < HEADS; h++) {
    for (let i = 0; i < N; i++) {
      const row = (h * N + i) * N;
      let sum = 0;
      for (let j = 0; j <= i; j++) {
        seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
        const v = Math.exp(-((seed >>> 8) / 2 ** 24) * 8);
        data[row + j] = v;
        sum += v;
      }
      for (let j = 0; j <= i; j++) data[row + j] /= sum;
    }
  }
  return data;
}

async function time(fn) {
  const runs = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = process.hrtime.bigint();
    await fn();
    runs.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  runs.sort((a, b) => a - b);
  return runs[Math.floor(runs.length / 2)];
}

/** Peak growth of ArrayBuffer + Buffer memory (sampled every 2 ms) while `fn` runs. */
async function peakExtraMemory(fn) {
  globalThis.gc?.();
  const base = process.memoryUsage().arrayBuffers;
  let peak = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
  }, 2);
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, process.memoryUsage().arrayBuffers - base);
}

const f32 = causalPattern();
const arrays = {
  "<f4": { [patternKey(0)]: { dtype: "<f4", shape: [1, HEADS, N, N], data: f32 } },
  "<f2": { [patternKey(0)]: { dtype: "<f2", shape: [1, HEADS, N, N], data: float32ToFloat16Bits(f32) } },
};
const dir = mkdtempSync(join(tmpdir(), "pl-npz-bench-"));
const rows = [];
try {
  for (const dtype of ["<f4", "<f2"]) {
    const entries = arrays[dtype];
    const mb = entries[patternKey(0)].data.byteLength / 1e6;
    for (const level of [0, 1, 6]) {
      const path = join(dir, `x-${level}.npz`);
      const write = await time(() => writeNpzFile(path, entries, { compressLevel: level }));
      const peak = await peakExtraMemory(() => writeNpzFile(path, entries, { compressLevel: level }));
      const size = statSync(path).size;
      const read = await time(() => readNpzFile(path));
      const bytes = await readBytesFile(path);
      const enc = await time(() => encodeNpz(entries, { compressLevel: level }));
      const dec = await time(() => decodeNpz(bytes));
      rows.push({
        dtype,
        level: level === 0 ? "stored" : `deflate-${level}`,
        "file MB": (size / 1e6).toFixed(1),
        ratio: (size / 1e6 / mb).toFixed(3),
        "writeNpzFile MB/s": (mb / write).toFixed(0),
        "write peak extra MB": (peak / 1e6).toFixed(1),
        "readNpzFile MB/s": (mb / read).toFixed(0),
        "encodeNpz MB/s": (mb / enc).toFixed(0),
        "decodeNpz MB/s": (mb / dec).toFixed(0),
      });
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`npz [1, ${HEADS}, ${N}, ${N}], median of ${REPEATS} runs, node ${process.version}`);
console.table(rows);
