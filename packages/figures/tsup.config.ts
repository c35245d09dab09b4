import { defineConfig } from "tsup";
import { packageConfig } from "../../tsup.config.base.ts";

// worker.ts is the entry of the worker threads the runner starts (dist/worker.js beside dist/index.js).
export default defineConfig(packageConfig({ index: "src/index.ts", worker: "src/worker.ts" }));
