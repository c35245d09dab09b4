import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { patternKey } from "../src/layout.ts";
import type { NpyArray } from "../src/npy-dtype.ts";
import { readNpzFileSync, writeNpzFile } from "../src/npz-file.ts";
import { openPatternLayersSync } from "../src/pattern-reader.ts";
import { checkPatternLayers, type PatternExpectation, patternSizes } from "../src/pattern-shape.ts";
import { toFloat32 } from "../src/to-float32.ts";
import { demoPromptDirs } from "./support/reference.ts";
import { useTempDir } from "./support/temp.ts";

const tmp = useTempDir();

/** A causal uniform pattern per head, scaled by the layer so layers differ. */
function layer(l: number, nHeads: number, n: number): NpyArray {
  const data = new Float32Array(nHeads * n * n);
  for (let h = 0; h < nHeads; h++)
    for (let q = 0; q < n; q++) for (let k = 0; k <= q; k++) data[(h * n + q) * n + k] = (1 + l) / (q + 1);
  return { dtype: "<f4", shape: [1, nHeads, n, n], data };
}

async function archive(layers: NpyArray[], name = "a.npz"): Promise<string> {
  const path = join(tmp(), name);
  await writeNpzFile(path, new Map(layers.map((a, l) => [patternKey(l), a])), { compressLevel: 1 });
  return path;
}

const expect3: PatternExpectation = { nLayers: 3, nHeads: 2, sizes: [5] };

describe("openPatternLayersSync: a prompt's layers checked, then read one at a time", () => {
  for (const keepBytes of [undefined, 0]) {
    it(`gives every layer's values (${keepBytes === 0 ? "read again per layer" : "kept from the check"})`, async () => {
      const want = [0, 1, 2].map((l) => layer(l, 2, 5));
      const opened = openPatternLayersSync(
        await archive(want),
        expect3,
        keepBytes === 0 ? { keepBytes } : {},
      );
      if ("problem" in opened) throw new Error(opened.problem);
      try {
        expect(opened.nLayers).toBe(3);
        for (let l = 0; l < 3; l++) {
          const got = opened.layer(l);
          expect(got.nHeads).toBe(2);
          expect(got.n).toBe(5);
          expect([...got.data]).toEqual([...((want[l] as NpyArray).data as Float32Array)]);
          // kept layers are the same arrays each time; the others are decoded afresh
          expect(opened.layer(l).data === got.data).toBe(keepBytes === undefined);
        }
      } finally {
        opened.close();
      }
    });
  }

  it("refuses a wrong archive whole, whichever layer is wrong, with checkPatternLayers' reasons", async () => {
    const nan = layer(2, 2, 5);
    (nan.data as Float32Array)[7] = Number.NaN;
    const cases: [NpyArray[], RegExp][] = [
      [[layer(0, 2, 5), layer(1, 2, 5), nan], /'blocks\.2\.attn\.hook_pattern' holds NaN at head 0/],
      [[layer(0, 2, 5), layer(1, 2, 5)], /'blocks\.2\.attn\.hook_pattern' is missing/],
      [
        [0, 1, 2, 3].map((l) => layer(l, 2, 5)),
        /has 'blocks\.3\.attn\.hook_pattern', but model_cfg\.json says 3/,
      ],
      [[layer(0, 2, 5), layer(1, 3, 5), layer(2, 2, 5)], /has 3 heads/],
    ];
    for (const [i, [layers, why]] of cases.entries()) {
      for (const keepBytes of [undefined, 0]) {
        const opened = openPatternLayersSync(await archive(layers, `bad${i}.npz`), expect3, {
          ...(keepBytes === 0 ? { keepBytes } : {}),
        });
        expect("problem" in opened && opened.problem).toMatch(why);
      }
    }
  });

  it("onChecked gets each layer as the check reaches it, before a later layer is refused", async () => {
    const nan = layer(2, 2, 5);
    (nan.data as Float32Array)[3] = Number.POSITIVE_INFINITY;
    for (const [layers, refused] of [
      [[0, 1, 2].map((l) => layer(l, 2, 5)), false],
      [[layer(0, 2, 5), layer(1, 2, 5), nan], true],
    ] as const) {
      const seen: [number, number][] = [];
      const opened = openPatternLayersSync(await archive([...layers], `on${refused}.npz`), expect3, {
        keepBytes: 0,
        onChecked: (l, got) => seen.push([l, got.data[0] as number]),
      });
      expect("problem" in opened).toBe(refused);
      if (!("problem" in opened)) opened.close();
      // layer l's first value is 1 + l (query 0 attends to key 0 only, scaled by the layer)
      expect(seen).toEqual(
        refused
          ? [
              [0, 1],
              [1, 2],
            ]
          : [
              [0, 1],
              [1, 2],
              [2, 3],
            ],
      );
    }
  });

  it("a missing file throws PL_INDEXES_NOT_FOUND", () => {
    expect(() => openPatternLayersSync(join(tmp(), "none.npz"), expect3)).toThrow(
      expect.objectContaining({ code: "PL_INDEXES_NOT_FOUND" }),
    );
  });

  it("reads a Python pattern-lens archive of the shared demo as checkPatternLayers does (6 layers x 4 heads)", () => {
    const [, dir] = demoPromptDirs()[0] as [string, string];
    const prompt = JSON.parse(readFileSync(join(dir, "prompt.json"), "utf8"));
    const expect6: PatternExpectation = { nLayers: 6, nHeads: 4, sizes: patternSizes(prompt) };
    const path = join(dir, "activations.npz");
    const whole = checkPatternLayers(readNpzFileSync(path), expect6, toFloat32);
    if ("problem" in whole) throw new Error(whole.problem);
    const opened = openPatternLayersSync(path, expect6, { keepBytes: 0 });
    if ("problem" in opened) throw new Error(opened.problem);
    try {
      for (let l = 0; l < 6; l++) {
        const got = opened.layer(l);
        expect(got.n).toBe(whole.layers[l]?.n);
        expect(Buffer.from(got.data.buffer, got.data.byteOffset, got.data.byteLength)).toEqual(
          Buffer.from(
            whole.layers[l]?.data.buffer as ArrayBuffer,
            whole.layers[l]?.data.byteOffset,
            whole.layers[l]?.data.byteLength,
          ),
        );
      }
    } finally {
      opened.close();
    }
  });
});
