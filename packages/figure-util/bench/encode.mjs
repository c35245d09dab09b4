// Benchmark: matrix -> RGB -> PNG for one head, the `raw` figure's path. Prints figures per second
// for a few PNG encoder settings; never fails on time. Run `pnpm bench` (builds first).
import { performance } from "node:perf_hooks";
import { encodePng, headPattern, matrixToRgb, pngToSvg, svgToSvgz } from "../dist/index.js";

/** Causal softmax-like rows of random logits, [heads, n, n] float32. */
function synthetic(n, heads, seed = 1) {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s / 2 ** 32;
  };
  const data = new Float32Array(heads * n * n);
  for (let h = 0; h < heads; h++) {
    for (let q = 0; q < n; q++) {
      let sum = 0;
      for (let k = 0; k <= q; k++) {
        const v = Math.exp(4 * rand());
        data[(h * n + q) * n + k] = v;
        sum += v;
      }
      for (let k = 0; k <= q; k++) data[(h * n + q) * n + k] /= sum;
    }
  }
  return data;
}

function measure(label, n, heads, data, fn, seconds = 1) {
  let count = 0;
  let bytes = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    for (let h = 0; h < heads; h++) bytes += fn(headPattern(data, n, h));
    count += heads;
  }
  const secs = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  // figures per CPU-second is steadier than wall-clock rate on a shared machine
  console.log(
    `${label.padEnd(46)} n=${String(n).padStart(3)}  ${(count / secs).toFixed(0).padStart(6)} figures/s wall  ${(count / cpuSecs).toFixed(0).padStart(6)} figures/CPU-s  ${(bytes / count).toFixed(0).padStart(6)} B/figure`,
  );
}

const style = { normalize: true, cmap: "Blues" };
for (const n of [30, 128]) {
  const heads = 16;
  const data = synthetic(n, heads);
  measure("matrixToRgb only", n, heads, data, (p) => matrixToRgb(p, style).data.length);
  measure(
    "png, pngjs defaults (level 9, adaptive)",
    n,
    heads,
    data,
    (p) => encodePng(matrixToRgb(p, style)).length,
  );
  measure(
    "png, level 6, adaptive filter",
    n,
    heads,
    data,
    (p) => encodePng(matrixToRgb(p, style), { deflateLevel: 6 }).length,
  );
  measure(
    "png, level 1, filter 1 (sub)",
    n,
    heads,
    data,
    (p) => encodePng(matrixToRgb(p, style), { deflateLevel: 1, filterType: 1 }).length,
  );
  measure(
    "png, level 1, filter 1, zlib default strategy",
    n,
    heads,
    data,
    (p) => encodePng(matrixToRgb(p, style), { deflateLevel: 1, filterType: 1, deflateStrategy: 0 }).length,
  );
  measure("svgz (png level 1 filter 1 inside)", n, heads, data, (p) => {
    const img = matrixToRgb(p, style);
    return svgToSvgz(pngToSvg(encodePng(img, { deflateLevel: 1, filterType: 1 }), img.width, img.height))
      .length;
  });
}
