import { describe, expect, it } from "vitest";
import { DEMO_CONFIG, demoEncode, demoPrompts, randomSequence } from "../../src/index.ts";

describe("demo prompts", () => {
  it("random sequences have distinct characters and are deterministic", () => {
    const s = randomSequence(36, 3);
    expect(new Set(s).size).toBe(36);
    expect(randomSequence(36, 3)).toBe(s);
    expect(randomSequence(36, 4)).not.toBe(s);
    expect(() => randomSequence(37, 1)).toThrow(RangeError);
  });

  it("include repeated random sequences and fit the context with BOS", () => {
    const ps = demoPrompts();
    const rep = ps.filter((p) => p.meta.kind === "repeated-random");
    expect(rep).toHaveLength(8);
    for (const p of rep) {
      const r = p.meta.repeats!;
      const unit = p.text.slice(0, p.text.length / r);
      expect(unit.repeat(r)).toBe(p.text);
    }
    for (const p of ps) {
      const ids = demoEncode(p.text);
      expect(ids.length + 1).toBeLessThanOrEqual(DEMO_CONFIG.nCtx);
      expect(ids).not.toContain(1); // no <unk>
    }
    expect(demoPrompts()).toEqual(ps);
  });
});
