import { defineConfig } from "tsup";
import { packageConfig } from "../../tsup.config.base.ts";
import { bundleOptions, workerSourcePlugin } from "./bundle.config.ts";

export default defineConfig([
  // The library: lit stays a dependency; shared chunks keep one class per element.
  packageConfig(
    { index: "src/index.ts", define: "src/define.ts" },
    {
      platform: "browser",
      target: "es2022",
      splitting: true,
      clean: false,
      esbuildPlugins: [workerSourcePlugin()],
    },
  ),
  // Node-only helpers (writing the viewer into a data folder).
  packageConfig({ node: "src/node.ts" }, { platform: "node", clean: false }),
  // The single-file bundle for pages without a build step (lit included).
  bundleOptions(),
]);
