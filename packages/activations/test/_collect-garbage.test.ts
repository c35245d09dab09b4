import { describe, expect, it } from "vitest";
import { collectGarbage } from "../src/_collect-garbage.ts";

describe("collectGarbage", () => {
  it("frees an unreachable 64 MB ArrayBuffer at once (external memory drops by it)", async () => {
    const size = 64 * 1024 * 1024;
    let buf: ArrayBuffer | undefined = new ArrayBuffer(size);
    new Uint8Array(buf).fill(1); // touched, so it is real memory
    const ref = new WeakRef(buf);
    await new Promise((r) => setTimeout(r, 0)); // a WeakRef holds its target until the job ends
    const before = process.memoryUsage().arrayBuffers;
    buf = undefined;
    collectGarbage();
    const after = process.memoryUsage().arrayBuffers;
    expect(ref.deref()).toBeUndefined();
    expect(before - after).toBeGreaterThanOrEqual(size);
  });
});
