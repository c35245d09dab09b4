import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveModel } from "../src/index.ts";

const root = mkdtempSync(join(tmpdir(), "pl-models-lfs-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const POINTER =
  "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 124600000\n";

describe("a model cloned without git-lfs", () => {
  it("a folder whose onnx/model.onnx is an LFS pointer is named outright, with the fix", async () => {
    const dir = join(root, "gpt2-clone");
    mkdirSync(join(dir, "onnx"), { recursive: true });
    writeFileSync(join(dir, "onnx", "model.onnx"), POINTER);
    writeFileSync(join(dir, "tokenizer.json"), "{}");
    const err = await resolveModel(dir).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "PL_MODELS_LFS_POINTER" });
    expect((err as Error).message).toContain(`${join(dir, "onnx", "model.onnx")} is a Git LFS pointer`);
    expect((err as Error).message).toContain("git lfs install && git lfs pull");
  });

  it("so is an .onnx file given directly; a real (non-pointer) file passes the check", async () => {
    const file = join(root, "model.onnx");
    writeFileSync(file, POINTER);
    await expect(resolveModel(file)).rejects.toMatchObject({ code: "PL_MODELS_LFS_POINTER" });
    writeFileSync(file, new Uint8Array([8, 7, 18, 4]));
    await expect(resolveModel(file)).resolves.toMatchObject({ kind: "onnx-file" });
  });
});
