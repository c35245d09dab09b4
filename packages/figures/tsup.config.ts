import { defineConfig } from "tsup";
import { packageConfig } from "../../tsup.config.base.ts";

// worker.ts is the entry of the worker threads the runner starts (dist/worker.js beside dist/index.js).
// splitting: the two entries share chunks (one registry), and the worker's static imports stay
// the worker's own: without it, the runner's zod-bearing imports were hoisted into worker.js.
export default defineConfig(
  packageConfig({ index: "src/index.ts", worker: "src/worker.ts" }, { splitting: true }),
);
