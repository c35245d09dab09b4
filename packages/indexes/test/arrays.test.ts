import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as arrays from "../src/arrays.ts";
import * as root from "../src/index.ts";
import * as node from "../src/node.ts";

const src = resolve(dirname(fileURLToPath(import.meta.url)), "..", "src");

/** Every module `file` reaches through runtime imports (`import type` and `type`-only lines skipped). */
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

describe("the ./arrays entry", () => {
  it("reaches no module that imports zod, so a worker thread importing it skips zod's start-up", () => {
    const graph = runtimeImports(join(src, "arrays.ts"));
    expect(graph.size).toBeGreaterThan(5);
    const withZod = [...graph].filter(([, specs]) => specs.includes("zod")).map(([f]) => f);
    expect(withZod).toEqual([]);
    // the check itself sees zod where it is imported
    const rootGraph = runtimeImports(join(src, "index.ts"));
    expect([...rootGraph].some(([, specs]) => specs.includes("zod"))).toBe(true);
  });

  it("exports the same functions as the root and ./node entries", () => {
    expect(arrays.readNpzFile).toBe(node.readNpzFile);
    expect(arrays.readNpzFileSync).toBe(node.readNpzFileSync);
    expect(arrays.decodeNpz).toBe(root.decodeNpz);
    expect(arrays.toFloat32).toBe(root.toFloat32);
    expect(arrays.patternKey(3)).toBe("blocks.3.attn.hook_pattern");
    expect(new arrays.IndexesError("PL_INDEXES_IO", "x")).toBeInstanceOf(root.IndexesError);
  });
});
