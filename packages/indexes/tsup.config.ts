import { defineConfig } from "tsup";
import { packageConfig } from "../../tsup.config.base.ts";

// splitting: the entries share chunks, so there is a single IndexesError class (instanceof works
// across entries) and a single copy of the schemas. ./arrays reaches no module importing zod, so
// its chunks do not either (checked by test/arrays-entry.test.ts).
export default defineConfig(
  packageConfig({ index: "src/index.ts", node: "src/node.ts", arrays: "src/arrays.ts" }, { splitting: true }),
);
