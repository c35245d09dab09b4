import { defineConfig } from "tsup";
import { packageConfig } from "../../tsup.config.base.ts";

// splitting: the root and ./node entries share one chunk, so there is a single IndexesError class
// (instanceof works across entries) and a single copy of the schemas.
export default defineConfig(
  packageConfig({ index: "src/index.ts", node: "src/node.ts" }, { splitting: true }),
);
