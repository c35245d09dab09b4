import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as root from "../src/index.ts";
import * as node from "../src/node.ts";
import * as schemas from "../src/schemas.ts";

const src = resolve(dirname(fileURLToPath(import.meta.url)), "..", "src");

/**
 * Every module `file` reaches through static runtime imports (`import type`, `type`-only lines and
 * dynamic `import()` skipped).
 */
function runtimeImports(file: string, seen = new Map<string, string[]>()): Map<string, string[]> {
  if (seen.has(file)) return seen;
  const text = readFileSync(file, "utf8");
  const specs: string[] = [];
  for (const m of text.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+"([^"]+)";/gms)) {
    if (m[2]) continue;
    const body = m[0];
    // `import { type A, type B } from` is erased too
    const names = /\{([^}]*)\}/s.exec(body)?.[1];
    if (names?.split(",").every((n) => n.trim() === "" || n.trim().startsWith("type "))) continue;
    specs.push(m[3] as string);
  }
  seen.set(file, specs);
  for (const s of specs) if (s.startsWith("./")) runtimeImports(join(dirname(file), s), seen);
  return seen;
}

function zodImporters(entry: string): string[] {
  const graph = runtimeImports(join(src, entry));
  expect(graph.size).toBeGreaterThan(3);
  return [...graph].filter(([, specs]) => specs.includes("zod")).map(([f]) => f);
}

describe("the entries of @pattern-lens/indexes", () => {
  it("root and ./node reach no module that imports zod; ./schemas does", () => {
    expect(zodImporters("index.ts")).toEqual([]);
    expect(zodImporters("node.ts")).toEqual([]);
    // the check itself sees zod where it is imported
    expect(zodImporters("schemas.ts").length).toBeGreaterThan(0);
  });

  it("root exports no schema, ./schemas exports them and the parsers", () => {
    expect(Object.keys(root).filter((k) => k.endsWith("Schema") || k.startsWith("parse"))).toEqual([]);
    expect(typeof schemas.ModelCfgSchema.safeParse).toBe("function");
    expect(typeof schemas.HeadMetricLineSchema.safeParse).toBe("function");
    expect(typeof schemas.parseJsonl).toBe("function");
  });

  it("shares one error class across entries", () => {
    expect(node.IndexesError).toBe(root.IndexesError);
    expect(() => schemas.parseJson("{", schemas.ModelCfgSchema)).toThrow(root.IndexesError);
  });
});
