import { describe, expect, it } from "vitest";
import { findAlias, MODEL_ALIASES, ModelsError, parseHubSpec, REPO_ID_PATTERN } from "../src/index.ts";

describe("parseHubSpec", () => {
  it("maps aliases to their repos, keeping a pinned revision", () => {
    expect(parseHubSpec("gpt2")).toEqual({ repoId: "Xenova/gpt2", revision: "main", alias: "gpt2" });
    expect(parseHubSpec("pythia-14m@abc")).toEqual({
      repoId: "Xenova/pythia-14m",
      revision: "abc",
      alias: "pythia-14m",
    });
    expect(parseHubSpec("tiny-stories-1m").alias).toBe("tiny-stories-1M");
  });
  it("takes org/name[@revision] as a repo id", () => {
    expect(parseHubSpec("EleutherAI/pythia-14m")).toEqual({
      repoId: "EleutherAI/pythia-14m",
      revision: "main",
    });
    expect(parseHubSpec("org/name@v1.0")).toEqual({ repoId: "org/name", revision: "v1.0" });
    expect(parseHubSpec("org/name@refs/pr/1")).toEqual({ repoId: "org/name", revision: "refs/pr/1" });
  });
  it("rejects what is neither, with PL_MODELS_NOT_FOUND", () => {
    for (const s of ["nosuchalias", "./missing.onnx", "a/b/c", "org/name@", "x.bin"]) {
      let err: unknown;
      try {
        parseHubSpec(s);
      } catch (e) {
        err = e;
      }
      expect(err, s).toBeInstanceOf(ModelsError);
      expect((err as ModelsError).code).toBe("PL_MODELS_NOT_FOUND");
    }
    expect(() => parseHubSpec("nosuchalias")).toThrow(/gpt2/);
  });
});

describe("MODEL_ALIASES", () => {
  it("has the aliases the issue names, each a repo id with a source URL", () => {
    for (const a of ["gpt2", "distilgpt2", "pythia-14m", "tiny-stories-1M", "llama2.c-stories15M"]) {
      expect(findAlias(a)?.alias).toBe(a);
    }
    const names = new Set<string>();
    for (const a of MODEL_ALIASES) {
      expect(REPO_ID_PATTERN.test(a.repoId), a.repoId).toBe(true);
      expect(a.source).toMatch(/^https:\/\/huggingface\.co\//);
      expect(names.has(a.alias.toLowerCase())).toBe(false);
      names.add(a.alias.toLowerCase());
    }
  });
});
