// <pattern-lens-live> benchmark in real Chromium (Debian's /usr/bin/chromium through playwright-core).
// Needs the built packages (`pnpm build`; `pnpm bench` builds first). Prints figures, never fails on time.
//
// Model: ../shared/models/gpt2-tiny-torch; prompt: 64 tokens (BOS included). Page served by this
// package's server (COOP/COEP, so WASM threads work), onnxruntime-web 1.30 WASM backend.
// 1. keystroke: the prompt minus its last character is shown, then the last character is typed:
//    time from that keystroke's input event to the patterns painted by the pattern view
//    (the element's `timing`: input -> worker result -> after pl-load and the next frame).
// 2. typing: the whole prompt typed key by key with no pause; time from the last keystroke to the
//    painted patterns (runs for earlier keystrokes may still be in flight and are replaced).
// Both for 2 threads (the default on an isolated page) and 1 thread, runs alternating.
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadHfTokenizer, tokenizePrompt } from "@pattern-lens/activations";
import { chromium } from "playwright-core";
import { liveRoutes, prepareLiveModel, startLiveServer } from "../dist/node.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const here = fileURLToPath(new URL(".", import.meta.url));
const shared = process.env.PATTERN_LENS_SHARED ?? join(here, "../../../../shared");
const modelDir = join(shared, "models/gpt2-tiny-torch");
const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (x) => `${x.toFixed(1)} ms`;

/** A text of exactly `n` tokens with BOS, from a fixed paragraph. */
function promptOf(n) {
  const tok = loadHfTokenizer(modelDir, { bosTokenId: 50256 });
  const para =
    "The old lighthouse keeper climbed the spiral stairs every evening at dusk, carrying a lantern and a notebook in which he wrote down the ships he saw, the colour of the sea, the direction of the wind and anything else that seemed worth remembering in the morning. His daughter, who had grown up on the island, could tell the weather from the shape of the clouds long before he could.";
  for (let k = 1; k <= para.length; k++) {
    const text = para.slice(0, k);
    if (text.endsWith(" ")) continue;
    const ids = tokenizePrompt(tok, text, { prependBos: true }).tokenIds;
    if (ids.length === n) return text;
  }
  throw new Error(`no prefix of the paragraph has exactly ${n} tokens`);
}

async function openPage(browser, url) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
  await page.goto(url);
  const ready = await page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const el = document.querySelector("pattern-lens-live");
        el.addEventListener("pattern-lens-ready", (e) => resolve(e.detail), { once: true });
        el.addEventListener("pl-error", (e) => reject(new Error(e.detail.message)), { once: true });
      }),
  );
  return { page, ready };
}

/** Waits until the element shows `text`; returns its timing. */
const shown = (page, text) =>
  page
    .waitForFunction(
      (t) => {
        const el = document.querySelector("pattern-lens-live");
        return el.timing &&
          el.text === t &&
          el.shadowRoot.querySelector(".status").textContent.includes("tokens")
          ? el.timing
          : null;
      },
      text,
      { timeout: 60_000, polling: 50 },
    )
    .then((h) => h.jsonValue());

async function keystroke(page, text) {
  const box = page.locator("pattern-lens-live textarea");
  await box.fill(text.slice(0, -1));
  await page.evaluate(() => {
    document.querySelector("pattern-lens-live").timing = null;
  });
  await box.dispatchEvent("input");
  await shown(page, text.slice(0, -1));
  await page.evaluate(() => {
    document.querySelector("pattern-lens-live").timing = null;
  });
  await box.press("End");
  await box.pressSequentially(text.slice(-1));
  return shown(page, text);
}

async function typing(page, text) {
  const box = page.locator("pattern-lens-live textarea");
  await box.fill("");
  await page.evaluate(() => {
    document.querySelector("pattern-lens-live").timing = null;
  });
  await box.pressSequentially(text);
  return shown(page, text);
}

const tmp = mkdtempSync(join(tmpdir(), "pl-live-bench-"));
const servers = [];
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ARGS });
try {
  const text = promptOf(64);
  const folder = await prepareLiveModel(join(modelDir, "onnx/model.onnx"), { cacheDir: tmp });
  const pages = {};
  for (const threads of [2, 1]) {
    const srv = await startLiveServer({ routes: liveRoutes(folder, { threads }), port: 0 });
    servers.push(srv);
    pages[threads] = await openPage(browser, srv.url);
  }
  console.log(
    `live bench: gpt2-tiny-torch, ${text.length} chars = 64 tokens, ${RUNS} runs each (alternating), ${cpus().length} cores, load ${loadavg()[0].toFixed(2)}`,
  );
  for (const t of [2, 1])
    console.log(
      `  threads ${t}: model loaded in ${ms(pages[t].ready.loadMs)} (worker reports ${pages[t].ready.threads})`,
    );
  const res = { 2: { key: [], type: [], run: [], paint: [] }, 1: { key: [], type: [], run: [], paint: [] } };
  for (const t of [2, 1]) await keystroke(pages[t].page, text); // warm-up
  for (let i = 0; i < RUNS; i++) {
    for (const t of i % 2 ? [1, 2] : [2, 1]) {
      const k = await keystroke(pages[t].page, text);
      res[t].key.push(k.paintedAt - k.inputAt);
      res[t].run.push(k.runMs);
      res[t].paint.push(k.paintedAt - k.resultAt);
      const y = await typing(pages[t].page, text);
      res[t].type.push(y.paintedAt - y.inputAt);
    }
  }
  for (const t of [2, 1]) {
    const r = res[t];
    console.log(
      `  threads ${t}: last keystroke -> painted ${ms(median(r.key))} (median; min ${ms(Math.min(...r.key))}, max ${ms(Math.max(...r.key))}); worker run ${ms(median(r.run))}; result -> painted ${ms(median(r.paint))}; while typing at full speed ${ms(median(r.type))}`,
    );
  }
  const shot = process.env.BENCH_SCREENSHOT;
  if (shot) {
    await pages[2].page.screenshot({ path: shot, fullPage: true });
    console.log(`  screenshot: ${shot}`);
  }
} finally {
  await browser.close();
  for (const s of servers) await s.close();
  rmSync(tmp, { recursive: true, force: true });
}
