import { defineConfig } from "tsup";
import { packageConfig } from "../../tsup.config.base.ts";

// splitting: the root and ./node entries share one chunk, so there is a single registry.
export default defineConfig(
  packageConfig({ index: "src/index.ts", node: "src/node.ts", worker: "src/worker.ts" }, { splitting: true }),
);
