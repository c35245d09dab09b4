import { describe, expect, it } from "vitest";
import { createRegistry } from "../src/registry.ts";

interface Entry {
  name: string;
  v: number;
}

describe("createRegistry", () => {
  it("shares one set of entries per key across copies, built-ins first, loading recorded", async () => {
    let calls = 0;
    const builtins = () => {
      calls++;
      return [{ name: "b", v: 0 }];
    };
    const a = createRegistry<Entry>("test-registry-a", builtins);
    const b = createRegistry<Entry>("test-registry-a", builtins); // a second copy of a package
    expect(calls).toBe(0); // lazily
    a.set({ name: "x", v: 1 });
    expect(b.list().map((e) => e.name)).toEqual(["b", "x"]);
    expect(calls).toBe(1);
    b.set({ name: "b", v: 2 }); // replaced in its place
    expect(a.list()).toEqual([
      { name: "b", v: 2 },
      { name: "x", v: 1 },
    ]);
    expect(await a.loadingFrom("/m.ts", async () => b.loading)).toBe("/m.ts");
    expect(a.loading).toBeUndefined();
    a.reset();
    expect(b.list()).toEqual([{ name: "b", v: 0 }]);
    expect(createRegistry<Entry>("test-registry-other", () => []).list()).toEqual([]);
  });
});
