import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { decodeNpz, toFloat32 } from "@pattern-lens/indexes";
import ndarray from "ndarray";
import { describe, expect, it } from "vitest";
import { sharedPath } from "#test-support/shared.ts";
import {
  decodePng,
  defineMatrixFigure,
  defineMultiFigure,
  definePlotFigure,
  type FigureContext,
  FigureError,
  headPattern,
  Plot,
  renderMatrix,
} from "../src/index.ts";

const ctx: FigureContext = { tokens: ["x", "y", "z"], layer: 0, head: 0, modelName: "m", promptHash: "h" };
const p3 = ndarray(new Float32Array([1, 0, 0, 0.5, 0.5, 0, 0.25, 0.25, 0.5]), [3, 3]);

async function codeOf(run: () => unknown): Promise<string | undefined> {
  try {
    await run();
  } catch (e) {
    expect(e).toBeInstanceOf(FigureError);
    return (e as FigureError).code;
  }
  return undefined;
}

describe("defineMatrixFigure", () => {
  const raw = defineMatrixFigure(
    { name: "raw", doc: "raw attention matrix", fmt: "png", normalize: true, cmap: "Blues" },
    (pattern) => pattern,
  );

  it("exposes plain metadata for a registry", () => {
    expect(raw.toJSON()).toEqual({
      name: "raw",
      doc: "raw attention matrix",
      fmt: "png",
      kind: "matrix",
      suffixes: [],
      fileNames: ["raw.png"],
      code: "(pattern) => pattern",
    });
    expect(JSON.parse(JSON.stringify(raw)).name).toBe("raw");
  });

  it("reproduces a reference raw.png of the shared demo", async () => {
    const dir = sharedPath(
      "reference",
      "pattern-lens-demo",
      "pythia-14m",
      "prompts",
      "-jMUADxBxpgekgJr-4G6FA",
    );
    const arr = readPatterns(join(dir, "activations.npz")).get("blocks.3.attn.hook_pattern")!;
    const n = arr.shape[3]!;
    const outs = await raw.render(headPattern(arr.data, n, 2), { ...ctx, layer: 3, head: 2 });
    expect(outs.length).toBe(1);
    expect(outs[0]!.fmt).toBe("png");
    const ours = decodePng(outs[0]!.bytes);
    const ref = decodePng(readFileSync(join(dir, "L3", "H2", "raw.png")));
    expect([ours.width, ours.height, ours.colorType]).toEqual([n, n, 2]);
    expect(Buffer.compare(Buffer.from(ours.data), Buffer.from(ref.data))).toBe(0);
  });

  it("svg and svgz hold the same PNG as png", async () => {
    const f = (fmt: "png" | "svg" | "svgz") =>
      defineMatrixFigure({ name: "r", fmt, normalize: true, cmap: "Blues" }, (p) => p);
    const [png] = await f("png").render(p3, ctx);
    const [svg] = await f("svg").render(p3, ctx);
    const [svgz] = await f("svgz").render(p3, ctx);
    const text = new TextDecoder().decode(svg!.bytes);
    expect(text).toContain('width="3" height="3" viewBox="0 0 3 3"');
    expect(text).toContain(`base64,${Buffer.from(png!.bytes).toString("base64")}"`);
    expect(gunzipSync(svgz!.bytes).toString("utf8")).toBe(text);
  });

  it("passes the context and accepts async functions and plain { data, shape } results", async () => {
    const seen: FigureContext[] = [];
    const f = defineMatrixFigure({ name: "first-row", fmt: "png", cmap: "Greys" }, async (p, c) => {
      seen.push(c);
      return { data: [p.get(0, 0), p.get(0, 1), p.get(0, 2)], shape: [1, 3] };
    });
    const [out] = await f.render(p3, ctx);
    expect(seen).toEqual([ctx]);
    const img = decodePng(out!.bytes);
    expect([img.width, img.height]).toEqual([3, 1]);
    expect(Array.from(img.data.subarray(0, 4))).toEqual([0, 0, 0, 255]); // Greys at 1
    expect(Array.from(img.data.subarray(4, 8))).toEqual([255, 255, 255, 255]); // Greys at 0
  });

  it("bad results and definitions fail with codes; the user's error is kept as cause", async () => {
    const boom = new Error("boom");
    const thrower = defineMatrixFigure({ name: "t", fmt: "png" }, () => {
      throw boom;
    });
    try {
      await thrower.render(p3, ctx);
      expect.unreachable();
    } catch (e) {
      expect((e as FigureError).code).toBe("PL_FIGURE_RESULT");
      expect((e as Error).message).toContain("boom");
      expect((e as Error).cause).toBe(boom);
    }
    const nan = defineMatrixFigure({ name: "n", fmt: "png", normalize: true }, () => ({
      data: [0, Number.NaN],
      shape: [1, 2],
    }));
    expect(await codeOf(() => nan.render(p3, ctx))).toBe("PL_FIGURE_NAN");
    // the first NaN is named, wherever the min and max are
    const nan2 = defineMatrixFigure({ name: "n2", fmt: "png", normalize: true }, () => ({
      data: [5, 4, 3, Number.NaN, 1, Number.NaN],
      shape: [2, 3],
    }));
    await expect(nan2.render(p3, ctx)).rejects.toThrow("first at row 1, column 0");
    const flat = defineMatrixFigure({ name: "f", fmt: "png" }, () => ({ data: [0, 1], shape: [2] }));
    expect(await codeOf(() => flat.render(p3, ctx))).toBe("PL_FIGURE_NOT_2D");
    const out = defineMatrixFigure({ name: "o", fmt: "png" }, () => ({ data: [0, 2], shape: [1, 2] }));
    expect(await codeOf(() => out.render(p3, ctx))).toBe("PL_FIGURE_RANGE");
    const notMatrix = defineMatrixFigure({ name: "x", fmt: "png" }, () => 3 as never);
    expect(await codeOf(() => notMatrix.render(p3, ctx))).toBe("PL_FIGURE_NOT_2D");
    expect(await codeOf(() => defineMatrixFigure({ name: "a/b", fmt: "png" }, (p) => p))).toBe(
      "PL_FIGURE_DEFINITION",
    );
    expect(await codeOf(() => defineMatrixFigure({ name: "a", fmt: "jpg" as never }, (p) => p))).toBe(
      "PL_FIGURE_FORMAT",
    );
    expect(await codeOf(() => defineMatrixFigure({ name: "a", fmt: "png", cmap: "nope" }, (p) => p))).toBe(
      "PL_FIGURE_UNKNOWN_CMAP",
    );
    expect(await codeOf(() => definePlotFigure({ name: "a", fmt: "png" as never }, () => ({})))).toBe(
      "PL_FIGURE_FORMAT",
    );
  });

  it("renderMatrix gives the bytes render gives", async () => {
    const [out] = await raw.render(p3, ctx);
    expect(
      Buffer.compare(
        Buffer.from(renderMatrix(p3, { normalize: true, cmap: "Blues" }, "png")),
        Buffer.from(out!.bytes),
      ),
    ).toBe(0);
  });
});

describe("defineMultiFigure", () => {
  const multi = defineMultiFigure(
    {
      name: "views",
      doc: "two views",
      fmt: "svg",
      names: ["pattern", "rows"],
      cmap: "viridis",
      normalize: true,
    },
    (p) => ({
      rows: { plot: { marks: [Plot.lineY([p.get(0, 0), p.get(1, 0), p.get(2, 0)])] } },
      pattern: { matrix: p, cmap: "Reds" },
    }),
  );

  it("declares its files and renders one output per declared name, in order", async () => {
    expect(multi.kind).toBe("multi");
    expect(multi.fileNames).toEqual(["views.pattern.svg", "views.rows.svg"]);
    const outs = await multi.render(p3, ctx);
    expect(outs.map((o) => [o.suffix, o.fmt])).toEqual([
      ["pattern", "svg"],
      ["rows", "svg"],
    ]);
    const matrixSvg = new TextDecoder().decode(outs[0]!.bytes);
    expect(matrixSvg).toContain('viewBox="0 0 3 3"');
    const b64 = /base64,([^"]+)"/.exec(matrixSvg)![1]!;
    const img = decodePng(new Uint8Array(Buffer.from(b64, "base64")));
    expect(Array.from(img.data.subarray(0, 3))).toEqual([103, 0, 12]); // Reds at 1 (per-part cmap wins)
    expect(new TextDecoder().decode(outs[1]!.bytes)).toContain('aria-label="y-axis tick"');
  });

  it("missing or undeclared parts, plots as png, and bad names fail with codes", async () => {
    const missing = defineMultiFigure({ name: "m", fmt: "png", names: ["a", "b"] }, (p) => ({
      a: { matrix: p },
    }));
    expect(await codeOf(() => missing.render(p3, ctx))).toBe("PL_FIGURE_RESULT");
    const extra = defineMultiFigure({ name: "m", fmt: "png", names: ["a"] }, (p) => ({
      a: { matrix: p },
      b: { matrix: p },
    }));
    expect(await codeOf(() => extra.render(p3, ctx))).toBe("PL_FIGURE_RESULT");
    const plotPng = defineMultiFigure({ name: "m", fmt: "png", names: ["a"] }, () => ({
      a: { plot: { marks: [] } },
    }));
    expect(await codeOf(() => plotPng.render(p3, ctx))).toBe("PL_FIGURE_FORMAT");
    expect(
      await codeOf(() => defineMultiFigure({ name: "m", fmt: "png", names: ["a", "a"] }, () => ({}))),
    ).toBe("PL_FIGURE_DEFINITION");
    expect(await codeOf(() => defineMultiFigure({ name: "m", fmt: "png", names: [] }, () => ({})))).toBe(
      "PL_FIGURE_DEFINITION",
    );
  });
});

/** The attention patterns of one activations.npz, as float32 (a test-only import of @pattern-lens/indexes). */
function readPatterns(path: string): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [key, arr] of decodeNpz(new Uint8Array(readFileSync(path))))
    out.set(key, { shape: arr.shape, data: toFloat32(arr) });
  return out;
}
