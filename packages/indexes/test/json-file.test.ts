import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { readJsonFile, readJsonl, writeJsonFile, writeJsonl } from "../src/json-file.ts";
import { PromptMetaSchema } from "../src/schemas.ts";
import { demoPromptDirs } from "./support/reference.ts";
import { rejectsWith, useTempDir } from "./support/temp.ts";

const Line = z.looseObject({ a: z.int(), b: z.array(z.string()).optional() });

describe("JSON and JSONL files", () => {
  const temp = useTempDir();

  it("round-trips records and keeps unknown keys and their order", async () => {
    const p = join(temp(), "x.jsonl");
    const records = [
      { z: 1, a: 1, b: ["ü"] },
      { a: 2, extra: { deep: [1.5, null] } },
    ];
    await writeJsonl(p, records);
    expect(readFileSync(p, "utf8")).toBe(
      '{"z": 1, "a": 1, "b": ["\\u00fc"]}\n{"a": 2, "extra": {"deep": [1.5, null]}}\n',
    );
    const back = await readJsonl(p, Line);
    expect(back).toEqual(records);
    expect(Object.keys(back[0]!)).toEqual(["z", "a", "b"]);
  });

  it("writes prompt.json byte for byte as the Python pattern-lens did", async () => {
    const dir = temp();
    for (const [, src] of demoPromptDirs()) {
      const original = readFileSync(join(src, "prompt.json"), "utf8");
      const meta = await readJsonFile(join(src, "prompt.json"), PromptMetaSchema);
      await writeJsonFile(join(dir, "prompt.json"), meta);
      expect(readFileSync(join(dir, "prompt.json"), "utf8")).toBe(original);
    }
  });

  it("an invalid JSON line gives PL_INDEXES_JSONL_PARSE naming file and 1-based line", async () => {
    const p = join(temp(), "bad.jsonl");
    writeFileSync(p, '{"a": 1}\n\n{"a": 2,}\n');
    const r = await rejectsWith(readJsonl(p, Line));
    expect(r.code).toBe("PL_INDEXES_JSONL_PARSE");
    expect(r.message).toContain(`${p}:3:`);
  });

  it("a schema violation gives PL_INDEXES_SCHEMA naming file, line and issue path", async () => {
    const p = join(temp(), "bad.jsonl");
    writeFileSync(p, '{"a": 1}\r\n{"a": 2, "b": ["x", 7]}\r\n');
    const r = await rejectsWith(readJsonl(p, Line));
    expect(r.code).toBe("PL_INDEXES_SCHEMA");
    expect(r.message).toContain(`${p}:2:`);
    expect(r.message).toContain('"b.1"');
    const j = join(temp(), "cfg.json");
    writeFileSync(j, '{"a": "one"}');
    const r2 = await rejectsWith(readJsonFile(j, Line));
    expect(r2.code).toBe("PL_INDEXES_SCHEMA");
    expect(r2.message).toContain('"a"');
  });

  it("non-UTF-8 text gives PL_INDEXES_NOT_UTF8 naming file and line", async () => {
    const p = join(temp(), "latin1.jsonl");
    writeFileSync(
      p,
      Buffer.concat([
        Buffer.from('{"a": 1}\n{"a": 2, "b": ["caf'),
        Buffer.from([0xe9]),
        Buffer.from('"]}\n'),
      ]),
    );
    const r = await rejectsWith(readJsonl(p, Line));
    expect(r.code).toBe("PL_INDEXES_NOT_UTF8");
    expect(r.message).toContain(`${p}:2:`);
    const j = join(temp(), "x.json");
    writeFileSync(j, Buffer.from([0x7b, 0xff, 0x7d]));
    expect((await rejectsWith(readJsonFile(j, Line))).code).toBe("PL_INDEXES_NOT_UTF8");
  });

  it("bad JSON gives PL_INDEXES_JSON_PARSE and a missing file PL_INDEXES_NOT_FOUND", async () => {
    const j = join(temp(), "x.json");
    writeFileSync(j, "{nope");
    expect((await rejectsWith(readJsonFile(j, Line))).code).toBe("PL_INDEXES_JSON_PARSE");
    const missing = await rejectsWith(readJsonl(join(temp(), "missing.jsonl"), Line));
    expect(missing.code).toBe("PL_INDEXES_NOT_FOUND");
    expect(missing.message).toContain("missing.jsonl");
  });
});
