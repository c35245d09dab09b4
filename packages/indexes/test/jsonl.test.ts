import { describe, expect, it } from "vitest";
import { z } from "zod";
import { IndexesError } from "../src/errors.ts";
import { stringifyJsonl } from "../src/jsonl.ts";
import { parseJsonl } from "../src/parse.ts";

const Line = z.looseObject({ a: z.int() });

function caught(f: () => unknown): IndexesError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(IndexesError);
    return e as IndexesError;
  }
  throw new Error("expected an error");
}

describe("parseJsonl / stringifyJsonl (browser-safe)", () => {
  it("parses lines, skipping blank ones, and round-trips", () => {
    const text = stringifyJsonl([{ a: 1, b: "é" }, { a: 2 }]);
    expect(text).toBe('{"a": 1, "b": "\\u00e9"}\n{"a": 2}\n');
    expect(parseJsonl(`\n${text}\n  \n`, Line, "x.jsonl")).toEqual([{ a: 1, b: "é" }, { a: 2 }]);
    expect(stringifyJsonl([])).toBe("");
    expect(parseJsonl("", Line)).toEqual([]);
  });

  it("names the source and the 1-based line in errors, keeping the cause", () => {
    const bad = caught(() => parseJsonl('{"a": 1}\n{"a": \n', Line, "http://h/prompts.jsonl"));
    expect(bad.code).toBe("PL_INDEXES_JSONL_PARSE");
    expect(bad.message).toMatch(/^http:\/\/h\/prompts\.jsonl:2: not valid JSON/);
    expect(bad.cause).toBeInstanceOf(SyntaxError);
    const schema = caught(() => parseJsonl('{"a": 1}\n{"a": 1}\n{"a": "x"}', Line, "f.jsonl"));
    expect(schema.code).toBe("PL_INDEXES_SCHEMA");
    expect(schema.message).toMatch(/^f\.jsonl:3: .*at "a"/);
  });
});
