import { runFigures } from "@pattern-lens/figures";

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const c0 = cpu();
const s = await runFigures({
  savePath: process.env.SAVE ?? "/tmp/pl-bench-synth-v1-64",
  model: "synthetic",
  figureFuncs: "raw",
  jobs: 1,
  force: true,
  nSamples: 8,
});
const c = cpu() - c0;
console.log(
  s.written,
  "figures",
  (s.elapsedMs / 1000).toFixed(2),
  "s wall",
  (c / 1000).toFixed(2),
  "s cpu",
  (s.written / (c / 1000)).toFixed(0),
  "fig per cpu-s",
);
