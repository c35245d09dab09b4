import { describe, expect, it } from "vitest";
import { sanitizeName } from "../src/sanitize-name.ts";

describe("sanitizeName", () => {
  it("turns / into - and other unsafe characters into _", () => {
    expect(sanitizeName("EleutherAI/pythia-14m")).toBe("EleutherAI-pythia-14m");
    expect(sanitizeName("pythia-14m")).toBe("pythia-14m");
    expect(sanitizeName("a b:c*d?e")).toBe("a_b_c_d_e");
    expect(sanitizeName("org/model.v1_2")).toBe("org-model.v1_2");
    expect(sanitizeName("café🧠")).toBe("caf__");
    expect(sanitizeName("a\\b")).toBe("a_b");
  });
});
