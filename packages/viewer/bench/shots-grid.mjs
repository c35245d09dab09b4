// Screenshots of a 32-layer x 32-head model (bench/synth-big.mjs) served by the real
// `pattern-lens serve`: the browse view's head grid (scrolled to the middle, a few heads selected)
// and the metrics heatmap, light and dark.
// `node bench/shots-grid.mjs [out-dir]` after `pnpm build`. The data folder is kept in
// $PL_SYNTH_BIG_DIR (default <tmp>/pattern-lens-viewer-synth-32x32) to be reused.
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { writeViewerFiles } from "../dist/node.js";
import { cliServe } from "./cli-serve.mjs";
import { synthBigModel } from "./synth-big.mjs";

const out = process.argv[2] ?? join(tmpdir(), "pattern-lens-viewer-shots");
const dataDir = process.env.PL_SYNTH_BIG_DIR ?? join(tmpdir(), "pattern-lens-viewer-synth-32x32");
mkdirSync(out, { recursive: true });
const { model } = await synthBigModel(dataDir);
await writeViewerFiles(dataDir);
const server = await cliServe(dataDir);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
  const grid = (host) =>
    page.locator(
      host ? `${host} pattern-lens-head-grid` : "pattern-lens-viewer .heads pattern-lens-head-grid",
    );
  const shot = async (name) => {
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(out, name) });
    console.log(join(out, name));
  };
  for (const dark of [false, true]) {
    const d = dark ? "&dark=1" : "";
    await page.goto(`${server.url}#m=${model}&h=${model}:L0H0,L12-14H20${d}`);
    await grid().locator("button.cell").first().waitFor();
    await grid()
      .locator(".vgrid")
      .evaluate((s) => s.scrollTo(14 * 31, 10 * 25));
    await shot(`grid-32x32-heads${dark ? "-dark" : ""}.png`);
    await page.goto(`${server.url}#tab=metrics&mt=induction${d}`);
    await grid("pattern-lens-metrics").locator(".cell").first().waitFor();
    await shot(`grid-32x32-metrics${dark ? "-dark" : ""}.png`);
  }
} finally {
  await browser.close();
  await server.close();
}
