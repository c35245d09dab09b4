// Screenshots of both views on the shared demo folder (and the 2,048-token synthetic prompt),
// for looking at by hand: `pnpm --filter @pattern-lens/viewer shots [out-dir]` after a build.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { writeViewerFiles } from "../dist/node.js";
import { serve } from "./serve.mjs";
import { synth } from "./synth.mjs";

const out = process.argv[2] ?? join(tmpdir(), "pattern-lens-viewer-shots");
const here = fileURLToPath(new URL(".", import.meta.url));
const shared = process.env.PATTERN_LENS_SHARED ?? join(here, "../../../../shared");
const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
];
const M = "pythia-14m";
const P = "sCw9tqGtgecntuFkGO7kVw";

const dir = mkdtempSync(join(tmpdir(), "pl-viewer-shots-"));
mkdirSync(out, { recursive: true });
try {
  cpSync(join(shared, "reference/pattern-lens-demo"), dir, { recursive: true });
  await writeViewerFiles(dir);
  const { hash } = synth(dir);
  const hashes = readFileSync(join(dir, M, "prompts.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l).hash);
  const server = await serve(dir);
  const url = `http://127.0.0.1:${server.address().port}/`;
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ARGS });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const settle = async () => {
    await page.waitForFunction(() => {
      const root = document.querySelector("pattern-lens-viewer")?.shadowRoot;
      const imgs = root
        ? [...root.querySelectorAll("figure.card img")].filter(
            (i) => i.getBoundingClientRect().top < innerHeight,
          )
        : [];
      return imgs.every((i) => i.complete);
    });
    await page.waitForTimeout(300);
  };
  const shot = async (name) => {
    await page.screenshot({ path: join(out, name) });
    console.log(join(out, name));
  };
  const go = async (frag) => {
    await page.goto("about:blank");
    await page.goto(`${url}#${frag}`);
    await page.locator("pattern-lens-viewer header h1").waitFor();
  };
  const hoverCell = async (n, q, k, index = 0, click = false) => {
    const box = await page.locator("pattern-lens-pattern .stack").nth(index).boundingBox();
    const x = box.x + ((k + 0.5) / n) * box.width;
    const y = box.y + ((q + 0.5) / n) * box.height;
    if (click) await page.mouse.click(x, y);
    else await page.mouse.move(x, y);
    await page.waitForTimeout(200);
  };

  await go("");
  await settle();
  await shot("browse-default.png");

  await go(
    `m=${M}&p=${hashes.slice(0, 4).join(",")}&f=raw&h=${M}:L*H*&row=12&color=layer&sort=layer&dark=1&ds=&tmin=40`,
  );
  await settle();
  await shot("browse-dark-colour-by-layer.png");
  await page.locator("pattern-lens-viewer .grid").scrollIntoViewIfNeeded();
  await settle();
  await shot("browse-dark-grid.png");

  await go(`m=${M}&p=${P}&f=raw&h=${M}:L2-4H3&open=${M}:${P}:2:1`);
  await page.locator("pattern-lens-pattern .stack").first().waitFor();
  await hoverCell(82, 60, 56, 0, true);
  await shot("pattern-locked.png");

  await page.locator("pattern-lens-pattern").evaluate((el) =>
    Object.assign(el, {
      compareLayer: 3,
      compareHead: 2,
      compareMode: "side",
      colormap: "viridis",
      scale: "log",
    }),
  );
  await page.waitForTimeout(300);
  await hoverCell(82, 40, 12, 1);
  await shot("pattern-compare-side-log-viridis.png");

  await page.locator("pattern-lens-pattern").evaluate((el) => Object.assign(el, { compareMode: "diff" }));
  await page.waitForTimeout(300);
  await hoverCell(82, 40, 12);
  await shot("pattern-difference.png");

  await page.goto(`${url}bench-pattern.html`);
  await page.locator("pattern-lens-pattern .stack").waitFor();
  await page
    .locator("pattern-lens-pattern")
    .evaluate((el) => Object.assign(el, { scale: "log", colormap: "magma" }));
  await page.waitForTimeout(500);
  await hoverCell(2048, 1500, 700);
  await shot("pattern-2048-tokens.png");
  console.log(`synthetic prompt ${hash}`);

  await browser.close();
  server.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
