/**
 * Node-only file IO for ONNX models: load, save (atomically, keeping external data reachable)
 * and an external-data resolver that reads the files beside a model.
 */
import { createHash } from "node:crypto";
import { closeSync, createReadStream, existsSync, openSync, readSync, statSync } from "node:fs";
import { copyFile, link, mkdir, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, normalize, relative, resolve, sep } from "node:path";
import { decodeModel, encodeModelChunks } from "./codec.ts";
import { OnnxError } from "./errors.ts";
import {
  type ExternalDataInfo,
  type ExternalDataResolver,
  externalDataInfo,
  forEachModelTensor,
  setExternalDataEntry,
} from "./external-data.ts";
import type { ModelProto, TensorProto } from "./types.ts";

/**
 * Reads and decodes an `.onnx` file.
 * @throws {OnnxError} `PL_ONNX_NOT_FOUND` when the file is missing, `PL_ONNX_CORRUPT` when it is not ONNX.
 */
export async function loadModel(path: string): Promise<ModelProto> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new OnnxError("PL_ONNX_NOT_FOUND", `cannot read ONNX model ${path}: ${(cause as Error).message}`, {
      cause,
    });
  }
  try {
    return decodeModel(bytes);
  } catch (cause) {
    if (cause instanceof OnnxError) {
      throw new OnnxError(cause.code, `${path}: ${cause.message}`, { cause });
    }
    throw cause;
  }
}

/** True when `location` stays inside the model folder (relative, no `..` escape). */
export function isSafeExternalLocation(location: string): boolean {
  if (location === "" || isAbsolute(location) || location.startsWith("/") || location.includes("\\"))
    return false;
  const n = normalize(location);
  return n !== ".." && !n.startsWith(`..${sep}`) && !isAbsolute(n);
}

/**
 * A resolver that reads external tensor data from files in `modelDir` (synchronously, only the
 * bytes asked for). Call `close()` when done to release file handles.
 */
export function externalDataResolver(modelDir: string): ExternalDataResolver & { close(): void } {
  const fds = new Map<string, number>();
  const fn = (info: ExternalDataInfo, tensor: TensorProto): Uint8Array => {
    const path = resolve(modelDir, info.location);
    let fd = fds.get(path);
    try {
      if (fd === undefined) {
        fd = openSync(path, "r");
        fds.set(path, fd);
      }
      const length = info.length ?? statSync(path).size - info.offset;
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, out, done, length - done, info.offset + done);
        if (n === 0) break;
        done += n;
      }
      if (done !== length) {
        throw new Error(`file ends after ${done} of ${length} bytes at offset ${info.offset}`);
      }
      return out;
    } catch (cause) {
      throw new OnnxError(
        "PL_ONNX_EXTERNAL_DATA",
        `cannot read external data of tensor "${tensor.name ?? ""}" from ${path}: ${(cause as Error).message}. Keep the model's data files beside it.`,
        { cause },
      );
    }
  };
  return Object.assign(fn, {
    close() {
      for (const fd of fds.values()) closeSync(fd);
      fds.clear();
    },
  });
}

/** How {@link saveModel} makes external data files reachable from the new model folder. */
export type ExternalDataMode = "link" | "symlink" | "copy";

/** Options of {@link saveModel}. */
export interface SaveModelOptions {
  /**
   * The folder the model was loaded from; its external data locations are relative to it. Needed
   * whenever the model has external data and is saved into another folder.
   */
  sourceDir?: string;
  /**
   * `link` (default): a hard link, else a copy (hard links fail across file systems); `copy`:
   * always copy; `symlink`: a symbolic link, else a copy. ONNX Runtime 1.30 resolves symbolic
   * links and rejects a data file whose real path is outside the model's folder, so `symlink`
   * only suits other readers (or targets inside the same folder).
   */
  externalData?: ExternalDataMode;
}

async function placeFile(src: string, dest: string, mode: ExternalDataMode): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  if (mode === "link") {
    try {
      await link(src, dest);
      return;
    } catch {
      // cross-device or not permitted: copy
    }
  }
  if (mode === "symlink") {
    try {
      await symlink(resolve(src), dest);
      return;
    } catch {
      // symlinks not permitted: copy
    }
  }
  await copyFile(src, dest);
}

/**
 * Encodes and writes a model atomically (temp file, then rename). External data stays reachable:
 * each data file the model refers to is linked or copied into the new folder when it is not there
 * already, and locations that are absolute or escape the model folder (which ONNX Runtime 1.30
 * rejects) are rewritten to the file's base name.
 * @throws {OnnxError} `PL_ONNX_EXTERNAL_DATA` when a data file is missing.
 */
export async function saveModel(
  model: ModelProto,
  path: string,
  options: SaveModelOptions = {},
): Promise<void> {
  const targetDir = dirname(resolve(path));
  const sourceDir = options.sourceDir === undefined ? targetDir : resolve(options.sourceDir);
  const mode = options.externalData ?? "link";
  const moved = new Map<string, string>();
  const tensors: [TensorProto, string][] = [];
  forEachModelTensor(model, (t) => {
    const info = externalDataInfo(t);
    if (info !== undefined) tensors.push([t, info.location]);
  });
  for (const [, location] of tensors) {
    if (moved.has(location)) continue;
    const src = resolve(sourceDir, location);
    const newLoc = isSafeExternalLocation(location) ? location : basename(location);
    const dest = resolve(targetDir, newLoc);
    moved.set(location, newLoc);
    if (dest === src) continue;
    if (!existsSync(src)) {
      throw new OnnxError(
        "PL_ONNX_EXTERNAL_DATA",
        `external data file ${src} (location "${location}") is missing; pass sourceDir = the folder the model came from`,
      );
    }
    if (existsSync(dest)) {
      if (statSync(dest).size === statSync(src).size) continue;
      await rm(dest);
    }
    await placeFile(src, dest, mode);
  }
  for (const [t, location] of tensors) {
    const newLoc = moved.get(location)!;
    if (newLoc !== location) setExternalDataEntry(t, "location", newLoc);
  }
  const chunks = encodeModelChunks(model);
  await mkdir(targetDir, { recursive: true });
  const tmp = join(targetDir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await writeFile(tmp, chunks);
    await rename(tmp, path);
  } catch (cause) {
    await rm(tmp, { force: true });
    throw cause;
  }
}

/** The location of `file` relative to `modelDir`, as an external-data entry wants it. */
export function externalLocationFor(modelDir: string, file: string): string {
  return relative(resolve(modelDir), resolve(file)).split(sep).join("/");
}

/**
 * The sha256 of a file, streamed, as lower-case hex. Keys the instrumented-model cache
 * (@pattern-lens/activations) and checks hub downloads (@pattern-lens/models).
 */
export async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}
