import { open } from "node:fs/promises";
import { ModelsError } from "./errors.ts";

/** The first line of every Git LFS pointer file. */
const LFS_HEADER = "version https://git-lfs.github.com/spec/v1";

/**
 * Throws when `path` is a Git LFS pointer (the small text file git leaves in place of a large file
 * when the repository was cloned without git-lfs) instead of the file itself, naming it outright
 * rather than letting a parser fail on it later ("not a valid ONNX model ... wire type 6").
 *
 * @throws {ModelsError} `PL_MODELS_LFS_POINTER` saying how to fetch the real file.
 */
export async function rejectLfsPointer(path: string): Promise<void> {
  const fh = await open(path, "r").catch(() => undefined);
  if (fh === undefined) return;
  try {
    const buf = new Uint8Array(LFS_HEADER.length);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    if (bytesRead < buf.length || new TextDecoder().decode(buf) !== LFS_HEADER) return;
    const size = (await fh.stat()).size;
    throw new ModelsError(
      "PL_MODELS_LFS_POINTER",
      `${path} is a Git LFS pointer (a ${size}-byte text file standing in for the real file), not the model itself: ` +
        "it was cloned without git-lfs. Run 'git lfs install && git lfs pull' in that clone (or download the model again), then retry.",
    );
  } finally {
    await fh.close();
  }
}
