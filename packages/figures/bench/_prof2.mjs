import { readdirSync, rmSync } from "node:fs";
import { runFigures } from "@pattern-lens/figures";

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const save = process.env.SAVE;
for (let r = 0; r < 4; r++) {
  for (const h of readdirSync(`${save}/pythia-14m/prompts`))
    for (let l = 0; l < 6; l++)
      rmSync(`${save}/pythia-14m/prompts/${h}/L${l}`, { recursive: true, force: true });
  const c0 = cpu();
  const s = await runFigures({ savePath: save, model: "pythia-14m", figureFuncs: "raw", jobs: 1 });
  const c = cpu() - c0;
  console.log(
    s.written,
    "figures",
    (s.written / (s.elapsedMs / 1000)).toFixed(0),
    "fig/s wall",
    (s.written / (c / 1000)).toFixed(0),
    "fig per cpu-s",
  );
}
