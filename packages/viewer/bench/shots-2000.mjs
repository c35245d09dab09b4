// Screenshots of a 2,000-token GPT-2-small-shaped prompt (bench/synth-model.mjs) in the pattern view,
// served by the real `pattern-lens serve`: the whole pattern, zoomed in with token labels on both
// axes and the minimap, and zoomed further on an induction head's stripe.
// `node bench/shots-2000.mjs [out-dir]` after `pnpm build`. The data folder is kept in
// $PL_SYNTH_DIR (default <tmp>/pattern-lens-viewer-synth-2000) to be reused.
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { writeViewerFiles } from "../dist/node.js";
import { cliServe } from "./cli-serve.mjs";
import { synthModel } from "./synth-model.mjs";

const out = process.argv[2] ?? join(tmpdir(), "pattern-lens-viewer-shots");
const dataDir = process.env.PL_SYNTH_DIR ?? join(tmpdir(), "pattern-lens-viewer-synth-2000");
mkdirSync(out, { recursive: true });
const { model, hash } = await synthModel(dataDir);
await writeViewerFiles(dataDir);
const server = await cliServe(dataDir);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
  const shot = async (name) => {
    await page.waitForFunction(
      () =>
        !document
          .querySelector("pattern-lens-viewer")
          ?.shadowRoot?.querySelector("pattern-lens-pattern")
          ?.shadowRoot?.querySelector(".toolbar .hint")
          ?.textContent?.includes("Loading"),
      undefined,
      { timeout: 120_000 },
    );
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(out, name) });
    console.log(join(out, name));
  };
  const el = page.locator("pattern-lens-pattern");
  const open = async (layer, head, dark = false) => {
    await page.goto("about:blank"); // a new fragment alone would keep the pattern element as it was
    await page.goto(
      `${server.url}#m=${model}&p=${hash}&f=&h=${model}:L0H0&open=${model}:${hash}:${layer}:${head}${dark ? "&dark=1" : ""}`,
    );
    await el.locator(".stack").waitFor({ timeout: 120_000 });
  };
  await open(5, 3);
  const hover = async (q, k) => {
    const vp = await el.evaluate((e) => e.viewport);
    const box = await el.locator(".stack").boundingBox();
    await page.mouse.move(
      box.x + ((k + 0.5 - vp.x) / vp.span) * box.width,
      box.y + ((q + 0.5 - vp.y) / vp.span) * box.height,
    );
  };
  await hover(1500, 1100);
  await shot("p2000-full.png");
  await el.evaluate((e) => Object.assign(e, { viewport: { x: 1480, y: 1480, span: 40 } }));
  await hover(1500, 1499);
  await shot("p2000-zoom40-labels.png");
  await el.evaluate((e) => Object.assign(e, { viewport: { x: 0, y: 0, span: 36 } }));
  await hover(14, 9);
  await shot("p2000-zoom36-start-emoji.png");
  // an induction head (kind 3 in synth-model.mjs): layer 0 head 3, the stripe at q - 999
  await el.evaluate((e) => Object.assign(e, { layer: 0, head: 3, viewport: { x: 960, y: 1960, span: 40 } }));
  await hover(1985, 987);
  await shot("p2000-induction-zoom.png");
  await el.evaluate((e) => Object.assign(e, { viewport: { x: 200, y: 1200, span: 400 } })); // the stripe crosses it
  await hover(1400, 402);
  await shot("p2000-zoom400-ticks.png");
  // the same zoomed views in dark mode
  await open(5, 3, true);
  await el.evaluate((e) => Object.assign(e, { viewport: { x: 1480, y: 1480, span: 40 } }));
  await hover(1500, 1499);
  await shot("p2000-zoom40-labels-dark.png");
  await el.evaluate((e) => Object.assign(e, { layer: 0, head: 3, viewport: { x: 960, y: 1960, span: 40 } }));
  await hover(1985, 987);
  await shot("p2000-induction-zoom-dark.png");
} finally {
  await browser.close();
  await server.close();
}
