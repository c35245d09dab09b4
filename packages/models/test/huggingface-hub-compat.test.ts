import { readdir, readFile, readlink } from "node:fs/promises";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sharedPath } from "#test-support/shared.ts";
import { resolveModel } from "../src/index.ts";
import { tempDir } from "./_helpers.ts";
import { type MockHub, mockFilesFromDir, startMockHub } from "./fixtures/mock-hub.ts";

let hub: MockHub;
let cache: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  const files = mockFilesFromDir(sharedPath("models", "gpt2-tiny-torch"), (p) => !p.startsWith("reference/"));
  hub = await startMockHub([{ repoId: "org/gpt2-tiny", commits: [{ refs: ["main"], files }] }]);
  cache = await tempDir("pl-hf-compat-");
});
afterAll(async () => {
  await hub.close();
  await cache.cleanup();
});

/** `type path [-> link]` lines like `find -printf '%y %P %l'`, sorted. */
async function tree(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.name === ".locks") continue; // lock files: each tool has its own
      const p = join(dir, e.name);
      const rel = relative(root, p);
      if (e.isSymbolicLink()) out.push(`l ${rel} ${await readlink(p)}`);
      else if (e.isDirectory()) {
        out.push(`d ${rel}`);
        await walk(p);
      } else out.push(`f ${rel}`);
    }
  };
  await walk(root);
  return out.sort();
}

describe("compatibility with huggingface_hub", () => {
  it("writes exactly the cache tree huggingface_hub 2.0.0 wrote for the same files from the same hub", async () => {
    const expected = (
      await readFile(join(import.meta.dirname, "fixtures", "huggingface-hub-2.0.0-tree.txt"), "utf8")
    )
      .split("\n")
      .filter((l) => l !== "" && !l.startsWith("#"))
      .sort();
    await resolveModel("org/gpt2-tiny", { env: { HF_ENDPOINT: hub.url, HF_HUB_CACHE: cache.dir } });
    expect(await tree(cache.dir)).toEqual(expected);
    expect(await readFile(join(cache.dir, "models--org--gpt2-tiny", "refs", "main"), "utf8")).toBe(
      "39098011de9ca845f04a54a3993011238391e251",
    );
  });
});
