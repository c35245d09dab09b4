import { describe, expect, it } from "vitest";
import pkg from "../package.json" with { type: "json" };
import { describeError, EXIT_INTERNAL_ERROR, EXIT_USER_ERROR } from "../src/errors.ts";
import { runCommand } from "../src/program.ts";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

describe("pattern-lens CLI router", () => {
  it("prints help with --help and exits 0", async () => {
    const c = capture();
    expect(await runCommand(["--help"], c.io)).toBe(0);
    expect(c.out.join("")).toContain("Usage: pattern-lens");
  });

  it("prints the package version with --version", async () => {
    const c = capture();
    expect(await runCommand(["--version"], c.io)).toBe(0);
    expect(c.out.join("").trim()).toBe(pkg.version);
  });

  it("rejects an unknown command with exit 2 and lists the commands", async () => {
    const c = capture();
    expect(await runCommand(["frobnicate"], c.io)).toBe(2);
    const text = c.err.join("");
    expect(text).toContain("unknown command 'frobnicate'");
    expect(text).toContain("Commands:");
  });
});

describe("describeError", () => {
  it("prints PL_ errors as one line with exit 2", () => {
    const e = Object.assign(new Error("file x is missing; run y"), { code: "PL_INDEXES_SCHEMA" });
    expect(describeError(e)).toEqual({
      message: "pattern-lens: error [PL_INDEXES_SCHEMA]: file x is missing; run y",
      exitCode: EXIT_USER_ERROR,
    });
  });
  it("treats other errors as internal bugs", () => {
    const r = describeError(new TypeError("boom"));
    expect(r.exitCode).toBe(EXIT_INTERNAL_ERROR);
    expect(r.message).toContain("internal error");
    expect(r.message).toContain("TypeError: boom");
  });
});
