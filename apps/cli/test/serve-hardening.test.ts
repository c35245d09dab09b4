/// <reference lib="dom" />
// serve and the viewer against data folders someone else wrote: no open redirect, a
// Content-Security-Policy the viewer works under (real Chromium), and one damaged line of
// figures.jsonl / head_metrics.jsonl skipped and listed instead of blanking the viewer.
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeViewerFiles } from "@pattern-lens/viewer/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildViewerBundle, launchChromium, type TestBrowser } from "#test-support/browser.ts";
import { runCli } from "#test-support/cli-child.ts";
import { sharedPath } from "#test-support/shared.ts";
import {
  CONTENT_SECURITY_POLICY,
  type StaticServer,
  startStaticServer,
} from "../src/server/static-server.ts";
import { MODEL, removeTempFolders, tempFolder } from "./support/data-folder.ts";

let dir: string;
let srv: StaticServer;
let browser: TestBrowser;

beforeAll(async () => {
  await buildViewerBundle();
  dir = tempFolder("pl-serve-hard-");
  cpSync(sharedPath("reference", "pattern-lens-demo"), dir, { recursive: true });
  await writeViewerFiles(dir);
  srv = await startStaticServer({ root: dir, port: 0 });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await srv?.close();
  removeTempFolders();
});

describe("serve", () => {
  it("GET //pythia-14m redirects to /pythia-14m/ on the same host, never to //host", async () => {
    for (const path of [`//${MODEL}`, `///${MODEL}`, `/${MODEL}`]) {
      const res = await fetch(new URL(srv.url).origin + path, { redirect: "manual" });
      expect(res.status).toBe(301);
      expect(res.headers.get("location")).toBe(`/${MODEL}/`);
    }
  });

  it("every response carries the Content-Security-Policy (files, errors)", async () => {
    for (const path of ["", "index.html", "models.jsonl", "nope", "../etc/passwd"]) {
      const res = await fetch(srv.url + path);
      expect(res.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
    }
  });

  it("the viewer runs under the policy in Chromium: no violation, figures shown; a damaged figures.jsonl line and head_metrics.jsonl are listed, not blanking it", async () => {
    const figures = join(dir, "figures.jsonl");
    const good = readFileSync(figures, "utf8");
    writeFileSync(
      figures,
      `${good}{"name": "broken", "func_\n{"name": "../../x", "func_name": "x", "figure_save_fmt": "png"}\n`,
    );
    writeFileSync(join(dir, MODEL, "head_metrics.jsonl"), "not json at all\n");
    const page = await browser.context.newPage();
    const violations: string[] = [];
    page.on("console", (m) => {
      if (/Content.Security.Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) => {
        console.error(`Content-Security-Policy violation: ${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    await page.goto(srv.url);
    await page.locator("pattern-lens-viewer header h1").waitFor();
    // the good figure function is there, the two bad lines are listed
    await expect.poll(() => page.locator("pattern-lens-viewer figure.card img").count()).toBeGreaterThan(0);
    const warnings = page.locator("pattern-lens-viewer details.data-warnings");
    await expect(warnings.locator("summary").textContent()).resolves.toMatch(/3 damaged lines/);
    await warnings.locator("summary").click();
    const text = (await warnings.textContent()) ?? "";
    expect(text).toContain("figures.jsonl line");
    expect(text).toContain('"../../x"');
    expect(text).toContain("head_metrics.jsonl line 1");
    const loaded = await page.evaluate(() => {
      const root = document.querySelector("pattern-lens-viewer")!.shadowRoot!;
      return [...root.querySelectorAll("figure.card img")].filter(
        (i) => (i as HTMLImageElement).naturalWidth > 0,
      ).length;
    });
    expect(loaded).toBeGreaterThan(0);
    // zod (head_metrics.jsonl lines) probes once whether `new Function` is allowed and falls back
    // to its plain path when the policy says no: that probe is the one report expected
    expect(violations.filter((v) => !v.includes("script-src eval"))).toEqual([]);
    await page.close();
    writeFileSync(figures, good);
  });
});

describe("demo", () => {
  it("a port in use is reported at once (PL_SERVE_PORT_IN_USE, exit 2), before any pipeline step", async () => {
    const save = join(tempFolder(), "demo-data");
    const r = await runCli([
      "demo",
      "--save-path",
      save,
      "--port",
      String(srv.port),
      "--cache-dir",
      join(tempFolder(), "c"),
    ]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("[PL_SERVE_PORT_IN_USE]");
    expect(r.stdout).not.toContain("demo: activations");
  });
});
