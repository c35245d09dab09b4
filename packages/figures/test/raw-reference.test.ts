import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodePng } from "@pattern-lens/figure-util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunFiguresSummary, runFigures } from "../src/index.ts";
import { copyDemoInputs, DEMO_MODEL, demoDir } from "./support/data.ts";

describe("built-in raw reproduces the Python pattern-lens raw.png", () => {
  let save: string;
  let summary: RunFiguresSummary;
  beforeAll(async () => {
    save = copyDemoInputs();
    summary = await runFigures({ savePath: save, model: DEMO_MODEL, figureFuncs: "raw", jobs: 1 });
  });
  afterAll(() => {});

  it("writes all 768 heads", () => {
    expect(summary).toMatchObject({ written: 768, skipped: 0, failed: 0, prompts: 32, promptsSkipped: [] });
  });

  it("every one of the 768 raw.png equals the original pixel for pixel", () => {
    const ref = join(demoDir(), DEMO_MODEL, "prompts");
    let compared = 0;
    const mismatches: string[] = [];
    for (const hash of readdirSync(ref)) {
      for (let l = 0; l < 6; l++) {
        for (let h = 0; h < 4; h++) {
          const rel = join(hash, `L${l}`, `H${h}`, "raw.png");
          const want = decodePng(readFileSync(join(ref, rel)));
          const got = decodePng(readFileSync(join(save, DEMO_MODEL, "prompts", rel)));
          // ours: 8-bit palette PNGs (Blues as PLTE); theirs: 8-bit RGB. Compared as decoded pixels.
          expect([got.colorType, got.bitDepth]).toEqual([3, 8]);
          if (
            got.width !== want.width ||
            got.height !== want.height ||
            !Buffer.from(got.data).equals(Buffer.from(want.data))
          ) {
            mismatches.push(rel);
          }
          compared++;
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(compared).toBe(768);
  });
});
