/**
 * `pattern-lens demo`: the embedded model through activations (ONNX Runtime), figures and
 * metrics into a fresh data folder, then the viewer served over HTTP.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodePng } from "@pattern-lens/figure-util";
import { describe, expect, it } from "vitest";
import { runCommand } from "../src/program.ts";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

// the serve test reuses the first test's folder (everything already computed)
const root = mkdtempSync(join(tmpdir(), "pl-cli-demo-"));
const save = join(root, "data");

describe("pattern-lens demo", () => {
  it("`demo -- --no-serve` (as pnpm passes it) writes activations, figures, metrics and the viewer, and a rerun recomputes nothing", async () => {
    const c = capture();
    const code = await runCommand(
      ["demo", "--", "--save-path", save, "--no-serve", "--jobs", "1", "--cache-dir", join(root, "cache")],
      c.io,
    );
    expect(code, c.err.join("")).toBe(0);
    const out = c.out.join("");
    expect(out).toContain("activations: 14 computed, 0 skipped");
    expect(out).toMatch(/induction\s+best L1H0 \(1\.000\)/);
    expect(out).toMatch(/previous_token\s+best L0H0 \(1\.000\)/);
    const m = join(save, "pattern-lens-demo");
    for (const f of ["model_cfg.json", "prompts.jsonl", "head_metrics.jsonl"])
      expect(existsSync(join(m, f)), f).toBe(true);
    for (const f of ["index.html", "models.jsonl", "figures.jsonl"])
      expect(existsSync(join(save, f)), f).toBe(true);
    // every prompt has the induction head's raw figure, one pixel per token (BOS included)
    const lines = readFileSync(join(m, "prompts.jsonl"), "utf8").trim().split("\n");
    expect(lines).toHaveLength(14);
    for (const line of lines) {
      const p = JSON.parse(line) as { hash: string; n_tokens: number };
      const png = decodePng(readFileSync(join(m, "prompts", p.hash, "L1", "H0", "raw.png")));
      expect([png.width, png.height]).toEqual([p.n_tokens + 1, p.n_tokens + 1]);
    }

    const again = capture();
    expect(
      await runCommand(
        ["demo", "--save-path", save, "--no-serve", "--jobs", "1", "--cache-dir", join(root, "cache")],
        again.io,
      ),
    ).toBe(0);
    expect(again.out.join("")).toContain("activations: 0 computed, 14 skipped");
  });

  it("serves the data folder and prints the URL until interrupted", async () => {
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: () => {} };
    const done = runCommand(
      ["demo", "--save-path", save, "--port", "0", "--jobs", "1", "--cache-dir", join(root, "cache")],
      io,
    );
    let url: string | undefined;
    for (let i = 0; i < 600 && url === undefined; i++) {
      await new Promise((r) => setTimeout(r, 100));
      url = /viewer at (http:\/\/\S+)/.exec(out.join(""))?.[1];
    }
    expect(url, out.join("")).toBeDefined();
    const base = url!.endsWith("/") ? url! : `${url}/`;
    const page = await fetch(base);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("pattern-lens");
    const metrics = await fetch(`${base}pattern-lens-demo/head_metrics.jsonl`);
    expect(metrics.status).toBe(200);
    expect((await metrics.text()).trim().split("\n")).toHaveLength(56);
    process.emit("SIGINT");
    expect(await done).toBe(0);
    expect(out.join("")).toContain("Stopped (SIGINT)");
  });
});
