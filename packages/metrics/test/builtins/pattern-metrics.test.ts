import { describe, expect, it } from "vitest";
import {
  duplicateToken,
  entropy,
  firstToken,
  induction,
  type MetricContext,
  type MetricDefinition,
  type MetricOptions,
  meanDistance,
  previousToken,
  self,
} from "../../src/index.ts";
import { fromRows, identity, previous, uniform } from "../_patterns.ts";

const NONE: MetricOptions = { excludeBos: false, excludeCurrentToken: false };

function run(m: MetricDefinition, pattern: Float32Array, tokenIds: number[], options: MetricOptions = NONE) {
  const n = tokenIds.length;
  const ctx: MetricContext = { pattern, n, tokenIds, tokens: [], bosOffset: 1, layer: 0, head: 0, options };
  return m.fn(ctx);
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("position metrics on exact patterns", () => {
  it("identity: self 1, previous 0, first 0, distance 0, entropy 0", () => {
    const p = identity(6);
    expect(run(self, p, ids(6))).toBe(1);
    expect(run(previousToken, p, ids(6))).toBe(0);
    expect(run(firstToken, p, ids(6))).toBe(0);
    expect(run(meanDistance, p, ids(6))).toBe(0);
    expect(run(entropy, p, ids(6))).toBe(0);
  });

  it("subdiagonal: previous 1, distance 1", () => {
    const p = previous(6);
    expect(run(previousToken, p, ids(6))).toBe(1);
    expect(run(meanDistance, p, ids(6))).toBe(1);
    expect(run(self, p, ids(6))).toBe(0);
  });

  it("uniform rows: first token = mean 1/(i+1), distance = mean i/2, entropy = mean ln(i+1)", () => {
    const n = 5;
    const p = uniform(n);
    const rows = [1, 2, 3, 4];
    const mean = (f: (i: number) => number) => rows.reduce((s, i) => s + f(i), 0) / rows.length;
    expect(run(firstToken, p, ids(n))).toBeCloseTo(
      mean((i) => 1 / (i + 1)),
      6,
    );
    expect(run(previousToken, p, ids(n))).toBeCloseTo(
      mean((i) => 1 / (i + 1)),
      6,
    );
    expect(run(entropy, p, ids(n))).toBeCloseTo(
      mean((i) => Math.log(i + 1)),
      6,
    );
    // mass-weighted over rows; each row has mass 1, so the mean of the row means i/2
    expect(run(meanDistance, p, ids(n))).toBeCloseTo(
      mean((i) => i / 2),
      6,
    );
  });
});

describe("token metrics", () => {
  // BOS a b c a b c: positions 4,5,6 repeat 1,2,3
  const toks = [100, 1, 2, 3, 1, 2, 3];
  const n = toks.length;

  it("a perfect induction pattern scores 1 on induction, 0 on duplicate", () => {
    // rows 4,5,6 attend to 2,3,4 (the token after the earlier copy); other rows to BOS
    const p = fromRows(
      (i) => Array.from({ length: i + 1 }, (_, j) => (i >= 4 ? (j === i - 2 ? 1 : 0) : j === 0 ? 1 : 0)),
      n,
    );
    expect(run(induction, p, toks)).toBe(1);
    expect(run(duplicateToken, p, toks)).toBe(0);
  });

  it("a perfect duplicate pattern scores 1 on duplicate", () => {
    const p = fromRows(
      (i) => Array.from({ length: i + 1 }, (_, j) => (i >= 4 ? (j === i - 3 ? 1 : 0) : j === 0 ? 1 : 0)),
      n,
    );
    expect(run(duplicateToken, p, toks)).toBe(1);
    expect(run(induction, p, toks)).toBe(0);
  });

  it("only rows with a target count: half the mass on the target gives 0.5", () => {
    const p = fromRows(
      (i) =>
        Array.from({ length: i + 1 }, (_, j) =>
          i >= 4 ? (j === i - 2 || j === 0 ? 0.5 : 0) : j === 0 ? 1 : 0,
        ),
      n,
    );
    expect(run(induction, p, toks)).toBeCloseTo(0.5, 6);
    // excluding BOS renormalises over the remaining keys: all of the rest is on the target
    expect(run(induction, p, toks, { excludeBos: true, excludeCurrentToken: false })).toBeCloseTo(1, 6);
  });

  it("is undefined on prompts where no token repeats", () => {
    expect(run(induction, uniform(4), [9, 1, 2, 3])).toBeUndefined();
    expect(run(duplicateToken, uniform(4), [9, 1, 2, 3])).toBeUndefined();
  });

  it("induction counts the current position when the previous token equals the current one", () => {
    // BOS x x: row 2's token x occurred at 1, the token after it is position 2 itself
    const p = identity(3);
    expect(run(induction, p, [9, 5, 5])).toBe(1);
    expect(run(induction, p, [9, 5, 5], { excludeBos: false, excludeCurrentToken: true })).toBeUndefined();
  });
});

describe("exclude options", () => {
  it("exclude BOS: previous-token mass is relative to the non-BOS mass; row 1 drops out", () => {
    const n = 5;
    // rows: half on BOS, half on i-1
    const p = fromRows(
      (i) =>
        Array.from({ length: i + 1 }, (_, j) =>
          i === 0 ? 1 : i === 1 ? (j === 0 ? 1 : 0) : j === 0 || j === i - 1 ? 0.5 : 0,
        ),
      n,
    );
    expect(run(previousToken, p, ids(n))).toBeCloseTo((1 + 0.5 * 3) / 4, 6);
    expect(run(previousToken, p, ids(n), { excludeBos: true, excludeCurrentToken: false })).toBeCloseTo(1, 6);
    // first_token ignores exclude-bos
    expect(run(firstToken, p, ids(n), { excludeBos: true, excludeCurrentToken: false })).toBeCloseTo(
      run(firstToken, p, ids(n)) as number,
      6,
    );
  });

  it("exclude current token: a head split between itself and the previous token is a previous-token head", () => {
    const n = 5;
    const p = fromRows(
      (i) => Array.from({ length: i + 1 }, (_, j) => (i === 0 ? 1 : j === i || j === i - 1 ? 0.5 : 0)),
      n,
    );
    expect(run(previousToken, p, ids(n))).toBeCloseTo(0.5, 6);
    expect(run(previousToken, p, ids(n), { excludeBos: false, excludeCurrentToken: true })).toBeCloseTo(1, 6);
    expect(run(self, p, ids(n), { excludeBos: false, excludeCurrentToken: true })).toBeCloseTo(0.5, 6);
    expect(run(meanDistance, p, ids(n), { excludeBos: false, excludeCurrentToken: true })).toBeCloseTo(1, 6);
    expect(run(entropy, p, ids(n), { excludeBos: false, excludeCurrentToken: true })).toBeCloseTo(0, 6);
  });
});
