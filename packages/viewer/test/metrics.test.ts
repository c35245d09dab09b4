import { describe, expect, it } from "vitest";
import {
  argmaxHead,
  formatMetricFilter,
  type HeadMetric,
  headPasses,
  indexMetrics,
  metricMatrix,
  metricNames,
  parseHeadMetrics,
  parseMetricFilter,
  sharedRange,
  sortHeadMetrics,
} from "../src/metrics.ts";
import { decodeState, defaultState, encodeState, type ViewerState } from "../src/url-state.ts";

const row = (
  model: string,
  layer: number,
  head: number,
  metric: string,
  mean: number | null,
): HeadMetric => ({
  model,
  layer,
  head,
  metric,
  mean,
  std: mean === null ? null : 0.1,
  count: mean === null ? 0 : 4,
  excluded: mean === null ? 4 : 0,
});

const ROWS: HeadMetric[] = [
  row("a", 0, 0, "induction", 0.1),
  row("a", 0, 1, "induction", 0.9),
  row("a", 1, 0, "induction", null),
  row("a", 1, 1, "induction", 0.5),
  row("a", 0, 0, "self", 0.8),
  row("a", 0, 1, "self", 0.05),
  row("a", 1, 0, "self", 0.3),
  row("a", 1, 1, "self", 0.2),
  row("b", 0, 0, "induction", 0.95),
];

describe("parseHeadMetrics", () => {
  it("reads head_metrics.jsonl lines, null means included", () => {
    const text = [
      '{"layer":1,"head":0,"metric":"induction","mean":0.998,"std":0.001,"count":14,"excluded":0,"exclude_bos":false,"exclude_current_token":false}',
      "",
      '{"layer":0,"head":2,"metric":"induction","mean":null,"std":null,"count":0,"excluded":14}',
    ].join("\n");
    expect(parseHeadMetrics(text, "demo")).toEqual([
      {
        model: "demo",
        layer: 1,
        head: 0,
        metric: "induction",
        mean: 0.998,
        std: 0.001,
        count: 14,
        excluded: 0,
      },
      {
        model: "demo",
        layer: 0,
        head: 2,
        metric: "induction",
        mean: null,
        std: null,
        count: 0,
        excluded: 14,
      },
    ]);
  });

  it("names the record of a line that is not a head metric", () => {
    expect(() =>
      parseHeadMetrics(
        '{"layer":0,"head":0,"metric":"x","mean":1,"std":0,"count":1,"excluded":0}\n{"layer":-1}',
        "m",
        "u/head_metrics.jsonl",
      ),
    ).toThrow(
      expect.objectContaining({
        code: "PL_VIEWER_DATA",
        message: expect.stringContaining("u/head_metrics.jsonl record 2"),
      }),
    );
    expect(() => parseHeadMetrics("{oops", "m")).toThrow(expect.objectContaining({ code: "PL_VIEWER_DATA" }));
  });
});

describe("parseMetricFilter", () => {
  it("parses clauses with every operator and separator", () => {
    const r = parseMetricFilter("induction > 0.4, self<=.1 && first_token>=1e-2 and entropy < 2 & x != -3");
    expect(r).toEqual({
      ok: true,
      clauses: [
        { metric: "induction", op: ">", value: 0.4 },
        { metric: "self", op: "<=", value: 0.1 },
        { metric: "first_token", op: ">=", value: 0.01 },
        { metric: "entropy", op: "<", value: 2 },
        { metric: "x", op: "!=", value: -3 },
      ],
    });
    expect(parseMetricFilter("self == 1")).toEqual({
      ok: true,
      clauses: [{ metric: "self", op: "=", value: 1 }],
    });
    expect(parseMetricFilter("  ")).toEqual({ ok: true, clauses: [] });
  });

  it("rejects malformed clauses and unknown metrics, naming them", () => {
    expect(parseMetricFilter("induction >")).toEqual({
      ok: false,
      error: "'induction >' is not like induction > 0.4",
    });
    expect(parseMetricFilter("> 0.4")).toMatchObject({ ok: false });
    expect(parseMetricFilter("induction ~ 0.4")).toMatchObject({ ok: false });
    expect(parseMetricFilter("inductoin > 0.4", ["induction", "self"])).toEqual({
      ok: false,
      error: "no metric 'inductoin' (known: induction, self)",
    });
  });

  it("round-trips through formatMetricFilter", () => {
    const r = parseMetricFilter("induction>0.4,self<=0.1");
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(formatMetricFilter(r.clauses)).toBe("induction > 0.4, self <= 0.1");
    expect(parseMetricFilter(formatMetricFilter(r.clauses))).toEqual(r);
  });
});

describe("headPasses", () => {
  const index = indexMetrics(ROWS);
  const clauses = (t: string) => {
    const r = parseMetricFilter(t);
    if (!r.ok) throw new Error(r.error);
    return r.clauses;
  };

  it("keeps the heads whose means pass every clause", () => {
    const pass = (t: string) =>
      [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ]
        .filter(([l, h]) => headPasses(index, "a", l!, h!, clauses(t)))
        .map(([l, h]) => `L${l}H${h}`);
    expect(pass("induction > 0.4")).toEqual(["L0H1", "L1H1"]);
    expect(pass("induction > 0.4, self > 0.1")).toEqual(["L1H1"]);
    expect(pass("self >= 0.3")).toEqual(["L0H0", "L1H0"]);
    expect(pass("")).toEqual(["L0H0", "L0H1", "L1H0", "L1H1"]);
  });

  it("fails heads with an undefined or missing value, and other models' heads by their own values", () => {
    expect(headPasses(index, "a", 1, 0, clauses("induction < 10"))).toBe(false);
    expect(headPasses(index, "b", 0, 0, clauses("self < 10"))).toBe(false);
    expect(headPasses(index, "b", 0, 0, clauses("induction > 0.9"))).toBe(true);
    expect(headPasses(index, "nope", 0, 0, clauses("induction > 0"))).toBe(false);
  });
});

describe("sortHeadMetrics", () => {
  const ind = ROWS.filter((r) => r.metric === "induction");
  const keys = (rs: HeadMetric[]) => rs.map((r) => `${r.model}L${r.layer}H${r.head}`);

  it("sorts by mean both ways with nulls last", () => {
    expect(keys(sortHeadMetrics(ind, "mean", "desc"))).toEqual(["bL0H0", "aL0H1", "aL1H1", "aL0H0", "aL1H0"]);
    expect(keys(sortHeadMetrics(ind, "mean", "asc"))).toEqual(["aL0H0", "aL1H1", "aL0H1", "bL0H0", "aL1H0"]);
  });

  it("sorts by model in the given model order, then layer and head; ties by position", () => {
    expect(keys(sortHeadMetrics(ind, "model", "asc", ["b", "a"]))).toEqual([
      "bL0H0",
      "aL0H0",
      "aL0H1",
      "aL1H0",
      "aL1H1",
    ]);
    expect(keys(sortHeadMetrics(ind, "model", "desc"))).toEqual([
      "bL0H0",
      "aL0H0",
      "aL0H1",
      "aL1H0",
      "aL1H1",
    ]);
    expect(keys(sortHeadMetrics(ind, "count", "desc"))).toEqual([
      "aL0H0",
      "aL0H1",
      "aL1H1",
      "bL0H0",
      "aL1H0",
    ]);
    expect(keys(sortHeadMetrics(ind, "head", "desc"))).toEqual(["aL0H1", "aL1H1", "aL0H0", "aL1H0", "bL0H0"]);
  });

  it("does not modify its input", () => {
    const before = keys(ind);
    sortHeadMetrics(ind, "mean", "desc");
    expect(keys(ind)).toEqual(before);
  });
});

describe("heatmap matrices", () => {
  it("lays out means by layer and head with NaN for undefined ones", () => {
    const m = metricMatrix(ROWS, "a", "induction", 2, 2);
    expect([...m].map((v) => (Number.isNaN(v) ? "nan" : v))).toEqual([0.1, 0.9, "nan", 0.5]);
    expect(argmaxHead(m, 2)).toEqual({ layer: 0, head: 1 });
    expect(argmaxHead(new Float64Array([Number.NaN]), 1)).toBeNull();
  });

  it("shares one range across models", () => {
    const a = metricMatrix(ROWS, "a", "induction", 2, 2);
    const b = metricMatrix(ROWS, "b", "induction", 1, 1);
    expect(sharedRange([a, b])).toEqual({ min: 0.1, max: 0.95 });
    expect(sharedRange([new Float64Array([Number.NaN])])).toBeNull();
  });

  it("lists metric names in order of appearance", () => {
    expect(metricNames(ROWS)).toEqual(["induction", "self"]);
  });
});

describe("URL state of the metrics view", () => {
  it("round-trips tab, metric, sort and filter", () => {
    const s: ViewerState = {
      ...defaultState(),
      models: ["demo"],
      tab: "metrics",
      metric: "induction",
      metricSort: "layer",
      metricSortDir: "asc",
      metricFilter: "induction > 0.4, self < 0.1",
    };
    const frag = encodeState(s);
    expect(frag).toContain("tab=metrics");
    expect(frag).toContain("mt=induction");
    expect(frag).toContain("ms=layer%3Aasc");
    expect(decodeState(`#${frag}`)).toEqual(s);
  });

  it("leaves defaults out so older URLs stay the same", () => {
    expect(encodeState({ ...defaultState(), tab: "browse", metricSort: "mean", metricSortDir: "desc" })).toBe(
      "",
    );
    const d = decodeState("m=x");
    expect(d.tab).toBeUndefined();
    expect(d.metricFilter).toBeUndefined();
    expect(decodeState("ms=mean%3Aasc")).toMatchObject({ metricSort: "mean", metricSortDir: "asc" });
    expect(decodeState("ms=%3Abogus")).toMatchObject({ metricSort: "mean", metricSortDir: "desc" });
  });
});
