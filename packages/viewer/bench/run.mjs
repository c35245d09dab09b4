// Viewer benchmarks in real Chromium (Debian's /usr/bin/chromium through playwright-core), every
// page served by the real `pattern-lens serve` (apps/cli, which answers Range requests).
// Needs the built packages (`pnpm build`). Prints figures, never fails on time.
//
// 1. browse: time from navigation to the first full grid of the shared demo's 768 figures
//    (32 prompts x 24 heads, 32 per row in a 1400x2000 window: every image loaded and decoded),
//    and to the first screen at the default 6 per row.
// 2. pattern, 2,000 tokens, GPT-2-small shape (bench/synth-model.mjs: 12 x 12 heads, a 1.1 GB
//    activations.npz): navigation to the first head painted (head 0 and head 11 of layer 5: the last
//    head needs the whole layer inflated), and switching heads within the loaded layer.
// 3. pattern: hover at 2,048 tokens on a synthesised activations.npz, with real (CDP) mouse moves:
//    from the event reaching the page to the end of the frame showing the readout, the row/column
//    highlight, the axes and the token panel's shading (benchPattern says how).
// 4. grid: a 32 x 32 model (bench/synth-big.mjs): the head grid and the metrics heatmap painted after
//    navigation, and frame intervals while they scroll (both virtualised).
// BENCH_RUNS (default 5) runs of each, new browser context (empty HTTP cache) per run.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { writeViewerFiles } from "../dist/node.js";
import { cliServe } from "./cli-serve.mjs";
import { synth } from "./synth.mjs";
import { synthBigModel } from "./synth-big.mjs";
import { synthModel } from "./synth-model.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const here = fileURLToPath(new URL(".", import.meta.url));
const shared = process.env.PATTERN_LENS_SHARED ?? join(here, "../../../../shared");
const demo = join(shared, "reference/pattern-lens-demo");
const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const ms = (x) => `${x.toFixed(1)} ms`;

async function benchBrowse(browser, url, hashes) {
  const grid = [];
  const screen = [];
  const plain = [];
  const frag = `#m=pythia-14m&p=${hashes.join(",")}&f=raw&h=pythia-14m:L*H*`;
  for (let i = 0; i < RUNS; i++) {
    for (const [perRow, height, out] of [
      [32, 2000, grid],
      [6, 1000, screen],
      [0, 2000, plain],
    ]) {
      const ctx = await browser.newContext({ viewport: { width: 1400, height } });
      const page = await ctx.newPage();
      await page.goto(perRow === 0 ? `${url}plain.html` : `${url}${frag}&row=${perRow}`);
      const t = await page.evaluate(
        (want) =>
          new Promise((resolve) => {
            const check = () => {
              const viewer = document.querySelector("pattern-lens-viewer");
              const root = viewer ? viewer.shadowRoot : document;
              const imgs = root ? [...root.querySelectorAll(viewer ? "figure.card img" : "img")] : [];
              const inView =
                want === 0 ? imgs.filter((im) => im.getBoundingClientRect().top < innerHeight) : imgs;
              const done =
                inView.length >= (want || 1) && inView.every((im) => im.complete && im.naturalWidth > 0);
              if (done) Promise.all(inView.map((im) => im.decode())).then(() => resolve(performance.now()));
              else requestAnimationFrame(check);
            };
            check();
          }),
        perRow === 6 ? 0 : 768,
      );
      out.push(t);
      if (process.env.BENCH_VERBOSE) console.log(`  browse ${perRow}/row run ${i}: ${t.toFixed(0)} ms`);
      await ctx.close();
    }
  }
  return { grid, screen, plain };
}

/**
 * Hover at 2,048 tokens with real input (CDP mouse moves, which Chromium dispatches once per frame,
 * at its start, as it does a real mouse's). For each move: from the handler (the event reaching
 * the page) to the end of the frame that shows it (the element's paint callback, then style,
 * layout, paint and commit: a task queued from a requestAnimationFrame callback runs after them);
 * and from the event's timeStamp (input received), which adds the wait for that frame to begin.
 */
async function benchPattern(browser, url) {
  const loads = [];
  const hovers = [];
  const waits = [];
  const updates = [];
  for (let i = 0; i < RUNS; i++) {
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 1200 } });
    const page = await ctx.newPage();
    await page.goto(`${url}bench-pattern.html`);
    const loaded = await page.evaluate(async () => {
      const el = document.querySelector("pattern-lens-pattern");
      await new Promise((res) => el.addEventListener("pl-load", res, { once: true }));
      const t = performance.now();
      const stack = el.shadowRoot.querySelector(".stack");
      window.__hovers = [];
      stack.addEventListener(
        "mousemove",
        (ev) => {
          const h0 = performance.now();
          const t0 = ev.timeStamp;
          const upd = el.updateComplete.then(() => performance.now() - h0);
          requestAnimationFrame(() =>
            setTimeout(async () => {
              const done = performance.now();
              window.__hovers.push({ work: done - h0, total: done - t0, update: await upd });
            }, 0),
          );
        },
        { capture: true },
      ); // before the element's own listener
      await new Promise((res) => requestAnimationFrame(res));
      return t;
    });
    loads.push(loaded);
    const box = await page.locator("pattern-lens-pattern .stack").boundingBox();
    const n = 2048;
    let seed = 7;
    for (let j = 0; j < 60; j++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const q = seed % n;
      const k = Math.floor((q * ((seed >> 8) % 1000)) / 1000);
      await page.mouse.move(box.x + ((k + 0.5) / n) * box.width, box.y + ((q + 0.5) / n) * box.height);
      await page.waitForFunction((count) => window.__hovers.length > count, j, { polling: "raf" });
      // Mouse coordinates are whole CSS pixels: at 2,048 tokens on 768 px, a pixel spans ~3 cells.
      const c = await page.evaluate(() => document.querySelector("pattern-lens-pattern").selectedCell);
      if (!c || Math.abs(c.query - q) > 3 || Math.abs(c.key - k) > 3) {
        throw new Error(`hover landed on ${c?.query},${c?.key}, not near ${q},${k}`);
      }
    }
    const r = await page.evaluate(() => window.__hovers);
    if (r.length !== 60) throw new Error(`${r.length} hovers recorded, not 60`);
    hovers.push(...r.map((x) => x.work));
    waits.push(...r.map((x) => x.total));
    updates.push(...r.map((x) => x.update));
    await ctx.close();
  }
  return { loads, hovers, waits, updates };
}

/**
 * A 32 x 32 model (1,024 heads): navigation to the head grid (browse view) and to the metrics
 * heatmap painted with their first cells, then frame times while each scrolls (60 frames, a
 * scroll step per frame, down and to the right): time between requestAnimationFrame callbacks.
 */
async function benchGrid(browser, url, model) {
  const out = { grid: [], heat: [], gridFrames: [], heatFrames: [], gridCells: 0, heatCells: 0 };
  for (let i = 0; i < RUNS; i++) {
    for (const [frag, sel, paint, frames, cells] of [
      [`m=${model}&h=${model}:L0H0`, "pattern-lens-viewer", "grid", "gridFrames", "gridCells"],
      ["tab=metrics&mt=induction", "pattern-lens-metrics", "heat", "heatFrames", "heatCells"],
    ]) {
      const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
      const page = await ctx.newPage();
      await page.goto(`${url}#${frag}`);
      const r = await page.evaluate(async (host) => {
        const find = () => {
          const v = document.querySelector("pattern-lens-viewer")?.shadowRoot;
          const root = host === "pattern-lens-viewer" ? v : v?.querySelector(host)?.shadowRoot;
          return root?.querySelector("pattern-lens-head-grid");
        };
        const frame = () => new Promise((res) => requestAnimationFrame(res));
        let g = find();
        while (!g?.querySelector(".cell")) {
          await frame();
          g = find();
        }
        await frame(); // the frame with the cells was painted before this callback
        const painted = performance.now();
        const sc = g.querySelector(".vgrid");
        const times = [];
        let last = await frame();
        for (let j = 0; j < 60; j++) {
          sc.scrollBy(6, 12);
          const t = await frame();
          times.push(t - last);
          last = t;
        }
        return { painted, times, cells: g.querySelectorAll(".cell").length };
      }, sel);
      out[paint].push(r.painted);
      out[frames].push(...r.times);
      out[cells] = r.cells;
      await ctx.close();
    }
  }
  return out;
}

/** Navigation to a 2,000-token head painted, and head switches within its layer. */
async function bench2000(browser, url, model, hash) {
  const first = [];
  const last = [];
  const switches = [];
  for (let i = 0; i < RUNS; i++) {
    for (const [head, out] of [
      [0, first],
      [11, last],
    ]) {
      const ctx = await browser.newContext({ viewport: { width: 1400, height: 1200 } });
      const page = await ctx.newPage();
      await page.goto(`${url}bench-2000.html?model=${model}&prompt=${hash}&layer=5&head=${head}`);
      const t = await page.evaluate(async () => {
        const el = document.querySelector("pattern-lens-pattern");
        await new Promise((res) => el.addEventListener("pl-load", res, { once: true }));
        await new Promise((res) => requestAnimationFrame(res));
        return performance.now();
      });
      out.push(t);
      if (head === 11) {
        // the layer is in memory: switch to each other head, time to its painted frame
        const sw = await page.evaluate(async () => {
          const el = document.querySelector("pattern-lens-pattern");
          const frame = () => new Promise((res) => requestAnimationFrame(res));
          const times = [];
          for (const h of [3, 7, 1, 10, 5, 0, 8, 2]) {
            await frame();
            const t0 = performance.now();
            el.head = h;
            await el.updateComplete;
            await frame(); // the heatmap was painted before this frame
            times.push(performance.now() - t0);
          }
          return times;
        });
        switches.push(...sw);
      }
      if (process.env.BENCH_VERBOSE) console.log(`  2000 tokens head ${head} run ${i}: ${t.toFixed(0)} ms`);
      await ctx.close();
    }
  }
  return { first, last, switches };
}

// BENCH_ONLY=browse,2000,hover,grid (comma-separated) runs only those parts; all of them by default.
const only = new Set((process.env.BENCH_ONLY ?? "").split(",").filter(Boolean));
const want = (part) => only.size === 0 || only.has(part);
const list = (xs) => xs.map((x) => x.toFixed(0)).join(", ");
const dir = mkdtempSync(join(tmpdir(), "pl-viewer-bench-"));
const synthDir = process.env.PL_SYNTH_DIR ?? join(tmpdir(), "pattern-lens-viewer-synth-2000");
const servers = [];
try {
  cpSync(demo, dir, { recursive: true });
  await writeViewerFiles(dir);
  const hashes = readFileSync(join(dir, "pythia-14m/prompts.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l).hash);
  const { bytes } = synth(dir);
  // Baseline: the same 768 images as plain <img> tags, no viewer.
  const tags = hashes.flatMap((h) =>
    Array.from(
      { length: 24 },
      (_, i) => `<img src="pythia-14m/prompts/${h}/L${i >> 2}/H${i & 3}/raw.png" width="40" height="40">`,
    ),
  );
  writeFileSync(join(dir, "plain.html"), `<!doctype html><body>${tags.join("")}</body>`);
  const server = await cliServe(dir);
  servers.push(server);
  const url = server.url;
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ARGS });
  const lines = [];
  if (want("2000")) {
    const big = await synthModel(synthDir); // reused when it exists (~3 min to make)
    await writeViewerFiles(synthDir);
    // `pattern-lens serve` sends a CSP that refuses inline scripts: the page loads its script from a file.
    writeFileSync(
      join(synthDir, "bench-2000.js"),
      `import "./pattern-lens-viewer.js";
const el = document.createElement("pattern-lens-pattern");
for (const [k, v] of new URLSearchParams(location.search)) el.setAttribute(k, v);
document.body.append(el);
`,
    );
    writeFileSync(
      join(synthDir, "bench-2000.html"),
      `<!doctype html><meta charset="utf-8"><body><script type="module" src="./bench-2000.js"></script>`,
    );
    const bigServer = await cliServe(synthDir);
    servers.push(bigServer);
    const b2 = await bench2000(browser, bigServer.url, big.model, big.hash);
    lines.push(
      `  pattern 2,000 tokens (12x12 heads, 1.1 GB npz): navigation -> L5H0 painted: median ${ms(median(b2.first))} [${list(b2.first)}] (target <= 1,500 ms)`,
      `  pattern 2,000 tokens: navigation -> L5H11 painted (whole layer inflated): median ${ms(median(b2.last))} [${list(b2.last)}]`,
      `  pattern 2,000 tokens: head switch within the layer -> painted frame: median ${ms(median(b2.switches))}, p95 ${ms(pct(b2.switches, 0.95))} (${b2.switches.length} switches; target <= 100 ms)`,
    );
  }
  if (want("grid")) {
    const bigDir = process.env.PL_SYNTH_BIG_DIR ?? join(tmpdir(), "pattern-lens-viewer-synth-32x32");
    const bigModel = await synthBigModel(bigDir);
    await writeViewerFiles(bigDir);
    const gridServer = await cliServe(bigDir);
    servers.push(gridServer);
    const g = await benchGrid(browser, gridServer.url, bigModel.model);
    lines.push(
      `  32x32 heads: navigation -> head grid painted: median ${ms(median(g.grid))} [${list(g.grid)}] (${g.gridCells} of 1,024 cells in the DOM after scrolling)`,
      `  32x32 heads: head grid scrolling, frame interval: median ${ms(median(g.gridFrames))}, p95 ${ms(pct(g.gridFrames, 0.95))}, max ${ms(Math.max(...g.gridFrames))} (${g.gridFrames.length} frames)`,
      `  32x32 heads: navigation -> metrics heatmap painted: median ${ms(median(g.heat))} [${list(g.heat)}] (${g.heatCells} of 1,024 cells in the DOM after scrolling)`,
      `  32x32 heads: metrics heatmap scrolling, frame interval: median ${ms(median(g.heatFrames))}, p95 ${ms(pct(g.heatFrames, 0.95))}, max ${ms(Math.max(...g.heatFrames))} (${g.heatFrames.length} frames)`,
    );
  }
  if (want("browse")) {
    const { grid, screen, plain } = await benchBrowse(browser, url, hashes);
    lines.push(
      `  browse: first full grid of ${hashes.length * 24} demo figures (32/row): median ${ms(median(grid))} [${list(grid)}]`,
      `  baseline: the same 768 PNGs as plain <img> tags, no viewer: median ${ms(median(plain))} [${list(plain)}]`,
      `  browse: first screen (6/row, 1400x1000):          median ${ms(median(screen))} [${list(screen)}] (target <= 1,000 ms)`,
    );
  }
  if (want("hover")) {
    const { loads, hovers, waits, updates } = await benchPattern(browser, url);
    lines.push(
      `  pattern 2,048 tokens: load (fetch ${(bytes / 1e6).toFixed(1)} MB npz, inflate, draw): median ${ms(median(loads))}`,
      `  pattern 2,048 tokens: hover -> readout in the DOM: median ${ms(median(updates))}, p95 ${ms(pct(updates, 0.95))}`,
      `  pattern 2,048 tokens: hover -> highlight, axes and token panel painted (event handled -> frame done): median ${ms(median(hovers))}, p95 ${ms(pct(hovers, 0.95))} (${hovers.length} hovers; target <= 16 ms)`,
      `  pattern 2,048 tokens: the same from the input's timestamp (adds the wait for the next frame, <= 1 frame): median ${ms(median(waits))}, p95 ${ms(pct(waits, 0.95))}`,
    );
  }
  await browser.close();
  console.log(`viewer bench (${RUNS} runs each, Chromium headless, pattern-lens serve on 127.0.0.1)`);
  for (const l of lines) console.log(l);
  console.log(
    `  load average at the end: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(", ")} on ${cpus().length} cores`,
  );
} finally {
  for (const s of servers) await s.close();
  rmSync(dir, { recursive: true, force: true });
}
