import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeViewerFiles } from "@pattern-lens/viewer/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildViewerBundle } from "#test-support/browser.ts";
import { runCommand } from "../src/program.ts";

let dir: string;
let bundle: string;

beforeAll(async () => {
  bundle = await buildViewerBundle();
  dir = mkdtempSync(join(tmpdir(), "pl-index-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("pattern-lens index", () => {
  it("writes index.html and the bundle into the folder, with no CDN", async () => {
    let out = "";
    let err = "";
    const code = await runCommand(["index", "--path", dir, "--title", "my <run>"], {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
    });
    expect(code).toBe(0);
    expect(err).toContain("has no models.jsonl");
    expect(out).toContain(join(dir, "index.html"));
    const html = readFileSync(join(dir, "index.html"), "utf8");
    expect(html).toContain('<script type="module" src="./pattern-lens-viewer.js"></script>');
    expect(html).toContain('<pattern-lens-viewer src="./" url-state>');
    expect(html).toContain("<title>my &lt;run&gt;</title>");
    expect(html).not.toMatch(/src="https?:/);
    expect(readFileSync(join(dir, "pattern-lens-viewer.js"))).toEqual(readFileSync(bundle));
    // The bundle is self-contained: no bare imports left for a CDN or import map to resolve.
    expect(readFileSync(bundle, "utf8")).not.toMatch(/from\s*["'](lit|@pattern-lens|zod|fflate)/);
  });

  it("says how to build the bundle when it is missing", async () => {
    const err = await writeViewerFiles(dir, { bundlePath: join(dir, "nope.js") }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "PL_VIEWER_BUNDLE_MISSING" });
    expect((err as Error).message).toContain("pnpm --filter @pattern-lens/viewer build");
  });
});
