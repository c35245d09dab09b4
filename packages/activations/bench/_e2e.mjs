import { rmSync } from "node:fs";
import { activationsMain } from "../dist/index.js";

const save = "/tmp/pl/g2save";
rmSync(save, { recursive: true, force: true });
const t = performance.now();
const samples = [];
const iv = setInterval(
  () =>
    samples.push([
      ((performance.now() - t) / 1000).toFixed(1),
      (process.memoryUsage().rss / 1e6).toFixed(0),
      (process.memoryUsage().arrayBuffers / 1e6).toFixed(0),
    ]),
  250,
);
const c0 = process.cpuUsage();
const s = await activationsMain({
  model: "/tmp/pl/g2m",
  prompts: "/work/shared/prompts/pile_100.jsonl",
  minChars: 500,
  maxChars: 600,
  nSamples: 32,
  cacheDir: "/tmp/pl/g2s/cache2",
  savePath: save,
  force: true,
  dtype: process.env.DT ?? "float32",
  compressLevel: Number(process.env.CL ?? 0),
  compressStrategy: process.env.CS ?? "rle",
  batchSize: Number(process.env.BS ?? 32),
  onStart: () => console.log("model open after", ((performance.now() - t) / 1000).toFixed(2), "s"),
  ...(process.env.TH ? { intraOpNumThreads: Number(process.env.TH) } : {}),
});
const c = process.cpuUsage(c0);
clearInterval(iv);
console.log(
  samples
    .filter((_, i) => i % 4 === 0)
    .map((x) => x.join("/"))
    .join("  "),
);
console.log(
  `dtype ${process.env.DT ?? "float32"} level ${process.env.CL ?? 0} ${process.env.CS ?? "rle"} bs ${process.env.BS ?? 32}: ${s.tokens} tok in ${(s.elapsedMs / 1000).toFixed(2)} s = ${(s.tokens / (s.elapsedMs / 1000)).toFixed(0)} tok/s; cpu ${((c.user + c.system) / 1e6).toFixed(1)} s; maxRSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
);
