/// <reference lib="dom" />
// page.evaluate callbacks run in the browser: they need the DOM types.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildViewerBundle, launchChromium, type TestBrowser } from "#test-support/browser.ts";

let browser: TestBrowser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe("<pattern-lens-pattern> .patterns (in-memory data)", () => {
  it("shows patterns held in memory: exact values, tokens with BOS, head switching, no fetch", async () => {
    const bundle = readFileSync(await buildViewerBundle(), "utf8");
    const page = await browser.context.newPage();
    const fetched: string[] = [];
    page.on("request", (r) => fetched.push(r.url()));
    await page.setContent("<!doctype html><body></body>");
    await page.addScriptTag({ content: bundle, type: "module" });
    const got = await page.evaluate(async () => {
      const el = document.createElement("pattern-lens-pattern") as HTMLElement & {
        patterns: unknown;
        head: number;
        layer: number;
        lockCell(q: number, k: number): void;
        selectedCell: { value: number; queryToken: string; keyToken: string } | null;
        updateComplete: Promise<unknown>;
      };
      const n = 3;
      const heads = 2;
      const layer = (base: number) => {
        const a = new Float32Array(heads * n * n);
        for (let i = 0; i < a.length; i++) a[i] = base + i / 1000;
        return a;
      };
      const loaded = new Promise<number>((r) =>
        el.addEventListener("pl-load", (e) => r((e as CustomEvent).detail.n)),
      );
      el.patterns = {
        tokens: ["Ġcat", "Ġsat"],
        tokenIds: [50256, 9246, 3332],
        layers: [layer(0.1), layer(0.5)],
      };
      document.body.append(el);
      const nLoaded = await loaded;
      el.lockCell(2, 1);
      const a = el.selectedCell;
      el.layer = 1;
      el.head = 1;
      await el.updateComplete;
      el.lockCell(1, 0);
      const b = el.selectedCell;
      const tokens = [...(el.shadowRoot?.querySelectorAll(".tokens .tok") ?? [])].map((t) => t.textContent);
      return { nLoaded, a, b, tokens };
    });
    expect(got.nLoaded).toBe(3);
    expect(got.a?.value).toBe(Math.fround(0.1 + 7 / 1000));
    expect(got.a?.queryToken).toBe("␣sat");
    expect(got.a?.keyToken).toBe("␣cat");
    expect(got.b?.value).toBe(Math.fround(0.5 + 12 / 1000));
    expect(got.tokens).toEqual(["⟨BOS⟩", "␣cat", "␣sat"]);
    expect(fetched.filter((u) => u.startsWith("http"))).toEqual([]);
    await page.close();
  });
});
