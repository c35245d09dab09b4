import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { decodeModel } from "@pattern-lens/onnx";
import { sha256File } from "@pattern-lens/onnx/node";
import { describe, expect, it } from "vitest";
import { INSTRUMENT_VERSION, prepareInstrumentedModel } from "../src/index.ts";
import { tempDir } from "./_helpers.ts";
import { tinyModel } from "./_tiny-model.ts";

describe("prepareInstrumentedModel", () => {
  it("caches the instrumented copy by sha256 and version, and reuses it", async () => {
    const cacheDir = tempDir();
    const model = join(tempDir(), "m.onnx");
    writeFileSync(model, tinyModel("softmax"));
    const sha = await sha256File(model);
    const a = await prepareInstrumentedModel(model, { cacheDir });
    expect(a.sha256).toBe(sha);
    expect(a.path).toBe(
      join(cacheDir, "instrumented", `${sha.slice(0, 32)}-v${INSTRUMENT_VERSION}`, "model.onnx"),
    );
    expect(JSON.parse(readFileSync(join(dirname(a.path), "plan.json"), "utf8")).plan.method).toBe("softmax");
    // inline weights moved to the copy's own data file, which ONNX Runtime maps
    expect(a.externalDataDir).toBe(dirname(a.path));
    const data = statSync(join(dirname(a.path), "model.onnx.data")).size;
    const inits = decodeModel(new Uint8Array(readFileSync(a.path))).graph?.initializer ?? [];
    const moved = inits.filter((t) => t.dataLocation === 1);
    expect(moved.length).toBeGreaterThan(0);
    for (const t of inits) expect(t.dataLocation === 1).toBe((t.rawData?.length ?? 1024) >= 1024);
    const ends = moved.map((t) => {
      const at = (k: string) => Number(t.externalData.find((e) => e.key === k)?.value);
      expect(at("offset") % 4096).toBe(0);
      return at("offset") + at("length");
    });
    expect(Math.max(...ends)).toBe(data);
    const mtime = statSync(a.path).mtimeMs;
    const b = await prepareInstrumentedModel(model, { cacheDir });
    expect(b).toEqual(a);
    expect(statSync(b.path).mtimeMs).toBe(mtime);
    // a different model gets its own entry
    writeFileSync(model, tinyModel("attentions"));
    const c = await prepareInstrumentedModel(model, { cacheDir });
    expect(c.path).not.toBe(a.path);
    expect(c.plan.method).toBe("attentions-output");
    expect(existsSync(a.path)).toBe(true);
  });
});
