/**
 * `pattern-lens activations --model stories260K.bin` (issue 5): the CLI classifies the llama2.c
 * checkpoint with resolveModel, finds tok512.bin beside it, converts it (cached under --cache-dir)
 * and writes a valid data folder.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readNpzFile } from "@pattern-lens/indexes/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sharedPath } from "#test-support/shared.ts";
import { runCommand } from "../src/program.ts";

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "pl-llama2c-e2e-"));
});
afterAll(async () => rm(tmp, { recursive: true, force: true }));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

describe("pattern-lens activations --model <llama2.c checkpoint>", () => {
  it("converts stories260K.bin with tok512.bin found beside it and saves every layer's patterns", async () => {
    const save = join(tmp, "save");
    const args = [
      "activations",
      "--model",
      sharedPath("models", "stories260K", "stories260K.bin"),
      "--prompts",
      sharedPath("prompts", "pile_5.jsonl"),
      "--n-samples",
      "2",
      "--max-chars",
      "200",
      "--save-path",
      save,
      "--no-index-html",
      "--cache-dir",
      join(tmp, "cache"),
    ];
    const c = capture();
    expect(await runCommand(args, c.io)).toBe(0);
    expect(await readdir(join(tmp, "cache", "llama2c"))).toHaveLength(1);
    const cfg = JSON.parse(await readFile(join(save, "stories260K", "model_cfg.json"), "utf8"));
    expect(cfg).toMatchObject({ model_name: "stories260K", n_layers: 5, n_heads: 8 });
    const models = (await readFile(join(save, "models.jsonl"), "utf8")).trim().split("\n");
    expect(models.map((l) => JSON.parse(l).model_name)).toEqual(["stories260K"]);
    const hashes = await readdir(join(save, "stories260K", "prompts"));
    expect(hashes).toHaveLength(2);
    for (const h of hashes) {
      const meta = JSON.parse(await readFile(join(save, "stories260K", "prompts", h, "prompt.json"), "utf8"));
      expect(meta.token_ids[0]).toBe(1); // BOS
      const npz = await readNpzFile(join(save, "stories260K", "prompts", h, "activations.npz"));
      expect([...npz.keys()].sort()).toEqual([0, 1, 2, 3, 4].map((l) => `blocks.${l}.attn.hook_pattern`));
      const n = meta.token_ids.length;
      expect(npz.get("blocks.0.attn.hook_pattern")?.shape).toEqual([1, 8, n, n]);
    }
    // a second run reuses the converted model and skips the saved prompts
    const again = capture();
    expect(await runCommand(args, again.io)).toBe(0);
    expect(again.out.join("")).toContain("2 skipped");
  });
});
