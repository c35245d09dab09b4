import { defineConfig } from "tsup";
import { packageConfig } from "../../tsup.config.base.ts";

// Private: @pattern-lens/figures and @pattern-lens/metrics bundle it into their own dist.
// ./registry is browser-safe (metrics' root entry uses it).
export default defineConfig(
  packageConfig({ index: "src/index.ts", registry: "src/registry.ts" }, { splitting: true }),
);
