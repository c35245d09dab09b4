import { defineConfig } from "tsup";
import { packageConfig } from "../../tsup.config.base.ts";

export default defineConfig([
  packageConfig({ index: "src/index.ts" }),
  // The browser entry (onnxruntime-web); dependencies stay external.
  packageConfig({ browser: "src/browser.ts" }, { platform: "browser", target: "es2022", clean: false }),
]);
