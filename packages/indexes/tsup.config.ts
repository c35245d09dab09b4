import { defineConfig } from "tsup";
import { packageConfig } from "../../tsup.config.base.ts";

// splitting: the entries share chunks, so there is a single IndexesError class (instanceof works
// across entries) and a single copy of the schemas. The root and ./node entries reach no module
// importing zod at load time (./node loads the schemas lazily when it builds an index), checked by
// test/entries.test.ts.
export default defineConfig(
  packageConfig(
    { index: "src/index.ts", schemas: "src/schemas.ts", node: "src/node.ts" },
    { splitting: true },
  ),
);
