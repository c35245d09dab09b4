import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import setup from "./support/global-setup.ts";

const saved = { shared: process.env.PATTERN_LENS_SHARED, tmp: process.env.TMPDIR };
afterEach(() => {
  if (saved.shared === undefined) delete process.env.PATTERN_LENS_SHARED;
  else process.env.PATTERN_LENS_SHARED = saved.shared;
  process.env.TMPDIR = saved.tmp;
});

describe("the test run's global setup", () => {
  it("stops a run without shared/ with one message saying where it was looked for and what to do", () => {
    process.env.PATTERN_LENS_SHARED = "/nonexistent/shared";
    expect(() => setup()).toThrow(
      /the shared reference data is not at \/nonexistent\/shared\.[\s\S]*not part of\s+this repository[\s\S]*PATTERN_LENS_SHARED/,
    );
  });

  it("gives the run its own TMPDIR and removes it at the end", () => {
    const teardown = setup();
    const runTmp = tmpdir();
    expect(runTmp).toMatch(/pl-test-run-/);
    expect(existsSync(runTmp)).toBe(true);
    teardown();
    expect(existsSync(runTmp)).toBe(false);
    expect(process.env.TMPDIR).toBe(saved.tmp);
  });
});
