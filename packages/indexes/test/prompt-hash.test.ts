import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { sharedPath } from "#test-support/shared.ts";
import { md5 } from "../src/_md5.ts";
import { promptHash } from "../src/prompt-hash.ts";

function nodeHash(text: string): string {
  return createHash("md5").update(text, "utf8").digest("base64url");
}

describe("md5", () => {
  it("matches node:crypto for every length 0..200 and multi-block inputs", () => {
    for (let n = 0; n <= 200; n++) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 31 + n) & 0xff);
      expect(Buffer.from(md5(bytes)).toString("hex")).toBe(createHash("md5").update(bytes).digest("hex"));
    }
    const big = new Uint8Array(100_003).map((_, i) => (i * 7) & 0xff);
    expect(Buffer.from(md5(big)).toString("hex")).toBe(createHash("md5").update(big).digest("hex"));
  });

  it("gives the RFC 1321 test vectors", () => {
    const hex = (s: string) => Buffer.from(md5(new TextEncoder().encode(s))).toString("hex");
    expect(hex("")).toBe("d41d8cd98f00b204e9800998ecf8427e");
    expect(hex("abc")).toBe("900150983cd24fb0d6963f7d28e17f72");
    expect(hex("message digest")).toBe("f96b697d7cb7938d525a2f31aaf161d0");
  });
});

describe("promptHash", () => {
  it("is URL-safe base64 of the MD5 of the UTF-8 text, 22 chars, no padding", () => {
    for (const text of ["", "hello", "naïve café ☕ 🧠", "a/b+c?", "\n\t", "x".repeat(10_000)]) {
      const h = promptHash(text);
      expect(h).toBe(nodeHash(text));
      expect(h).toMatch(/^[A-Za-z0-9_-]{22}$/);
    }
    expect(promptHash("hello")).toBe("XUFAKrxLKna5cZ2REBfFkg");
  });

  it("recomputes every prompt folder name of the reference demo", () => {
    const dir = sharedPath("reference", "pattern-lens-demo", "pythia-14m", "prompts");
    const hashes = readdirSync(dir);
    expect(hashes.length).toBe(32);
    // the folder name is the hash of prompt.json's text (checked in reference-demo.test.ts);
    // here: hashes with "-" and "_" exist, so the URL-safe alphabet is exercised.
    expect(hashes.some((h) => h.includes("-"))).toBe(true);
  });
});
