import { defineConfig } from "tsup";
import { packageConfig } from "../../tsup.config.base.ts";
import { bundleOptions } from "./bundle.config.ts";

export default defineConfig([
  packageConfig(
    { index: "src/index.ts", define: "src/define.ts" },
    { platform: "browser", target: "es2022", splitting: true, clean: false },
  ),
  packageConfig({ node: "src/node.ts" }, { platform: "node", clean: false }),
  bundleOptions(),
]);
