import { readdir, stat } from "node:fs/promises";
import { basename, dirname, extname, join, resolve } from "node:path";
import { externalDataLocations } from "./_onnx-external-data.ts";
import { ModelsError } from "./errors.ts";
import { type DownloadProgress, fetchHubModel } from "./hub-model.ts";
import { type HubEnv, type HubSettings, hubSettingsFromEnv } from "./hub-settings.ts";
import { rejectLfsPointer } from "./lfs-pointer.ts";
import { parseHubSpec } from "./model-spec.ts";
import { chooseOnnxFile } from "./onnx-choice.ts";

/** Where a resolved model came from. */
export type ModelSource =
  | { type: "local" }
  | {
      type: "hub";
      /** `org/name` */
      repoId: string;
      /** The revision asked for (`main` unless pinned with `@`). */
      revision: string;
      /** The commit it resolved to. */
      commit: string;
      /** The alias typed, when one was. */
      alias?: string;
    };

/** Files of a model folder in hub layout that the activations pipeline reads when present. */
export interface HubLayoutFiles {
  /** `config.json` */
  configFile?: string;
  /** `tokenizer.json` */
  tokenizerFile?: string;
  /** `tokenizer_config.json` */
  tokenizerConfigFile?: string;
  /** `special_tokens_map.json` */
  specialTokensMapFile?: string;
}

/** A folder in hub layout (local, or a snapshot in the hub cache). All paths are absolute. */
export interface OnnxFolderModel extends HubLayoutFiles {
  kind: "onnx-folder";
  /** A default model folder name for the data layout: alias, repo name or folder name (unsanitised). */
  name: string;
  /** The model root (holds config.json, tokenizer.json, onnx/). */
  dir: string;
  /** The ONNX graph to run. */
  onnxFile: string;
  /** Its external-data files (present on disk). */
  externalData: string[];
  source: ModelSource;
}

/**
 * A bare `.onnx` file. Tokenizer and config files, if any, sit beside it, or in the parent folder
 * when the file is in a hub-layout `onnx/` folder.
 */
export interface OnnxFileModel extends HubLayoutFiles {
  kind: "onnx-file";
  /** The file's stem. */
  name: string;
  /** The folder holding its tokenizer/config files (its own folder, or the parent of `onnx/`). */
  dir: string;
  onnxFile: string;
  externalData: string[];
  source: { type: "local" };
}

/** A llama2.c checkpoint and its tokenizer `.bin`, to be converted by `@pattern-lens/models`' llama2c module. */
export interface Llama2cModel {
  kind: "llama2c";
  /** The checkpoint's stem, e.g. `stories260K`. */
  name: string;
  checkpoint: string;
  tokenizer: string;
  source: { type: "local" };
}

/** What `--model` resolved to. Switch on `kind`. */
export type ResolvedModel = OnnxFolderModel | OnnxFileModel | Llama2cModel;

/** Options of {@link resolveModel}. */
export interface ResolveModelOptions {
  /** `--onnx-file`: which graph of a folder or repo to run (path or short name like `model_fp16`). */
  onnxFile?: string | undefined;
  /** `--tokenizer`: the tokenizer `.bin` of a llama2.c checkpoint. */
  tokenizer?: string | undefined;
  /** Where relative paths start (default `process.cwd()`). */
  cwd?: string | undefined;
  /** Environment for `HF_*` variables (default `process.env`). */
  env?: HubEnv | undefined;
  /** Explicit hub settings; win over `env`. */
  hub?: Partial<HubSettings> | undefined;
  /** Download progress in bytes (the CLI draws the bar). */
  onProgress?: ((p: DownloadProgress) => void) | undefined;
  /** Resume attempts per file within one call (default 3). */
  retries?: number | undefined;
  /** Pause before retry n, times n (default 500 ms). */
  retryDelayMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Told when the hub cannot be reached and a complete cached copy is used instead. */
  onWarning?: ((message: string) => void) | undefined;
}

async function statOrUndefined(p: string) {
  return stat(p).catch(() => undefined);
}

async function existing(p: string): Promise<string | undefined> {
  return (await statOrUndefined(p))?.isFile() ? p : undefined;
}

async function hubLayoutFiles(dir: string): Promise<HubLayoutFiles> {
  const out: HubLayoutFiles = {};
  const c = await existing(join(dir, "config.json"));
  if (c) out.configFile = c;
  const t = await existing(join(dir, "tokenizer.json"));
  if (t) out.tokenizerFile = t;
  const tc = await existing(join(dir, "tokenizer_config.json"));
  if (tc) out.tokenizerConfigFile = tc;
  const s = await existing(join(dir, "special_tokens_map.json"));
  if (s) out.specialTokensMapFile = s;
  return out;
}

async function localExternalData(onnxFile: string): Promise<string[]> {
  const dir = dirname(onnxFile);
  const out: string[] = [];
  for (const loc of await externalDataLocations(onnxFile)) {
    const p = resolve(dir, loc);
    if ((await existing(p)) === undefined) {
      throw new ModelsError(
        "PL_MODELS_INVALID",
        `${onnxFile} keeps weights in external data "${loc}", which is missing: expected ${p}.`,
      );
    }
    out.push(p);
  }
  return out;
}

async function findLlama2cTokenizer(
  checkpoint: string,
  given: string | undefined,
  cwd: string,
): Promise<string> {
  if (given !== undefined) {
    const p = resolve(cwd, given);
    if ((await existing(p)) === undefined) {
      throw new ModelsError("PL_MODELS_TOKENIZER_MISSING", `--tokenizer ${given}: no such file (${p}).`);
    }
    return p;
  }
  const dir = dirname(checkpoint);
  const beside = await existing(join(dir, "tokenizer.bin"));
  if (beside) return beside;
  const toks = (await readdir(dir))
    .filter((f) => /^tok.*\.bin$/i.test(f) && join(dir, f) !== checkpoint)
    .sort();
  if (toks.length === 1) return join(dir, toks[0]!);
  throw new ModelsError(
    "PL_MODELS_TOKENIZER_MISSING",
    toks.length === 0
      ? `no tokenizer .bin beside the llama2.c checkpoint ${checkpoint} (looked for tokenizer.bin and tok*.bin); pass --tokenizer FILE.`
      : `several tokenizer files beside ${checkpoint} (${toks.join(", ")}); choose one with --tokenizer.`,
  );
}

async function folderFiles(dir: string): Promise<string[]> {
  const top = await readdir(dir, { withFileTypes: true });
  const files = top.filter((e) => !e.isDirectory()).map((e) => e.name);
  if (top.some((e) => e.isDirectory() && e.name === "onnx")) {
    files.push(...(await readdir(join(dir, "onnx"))).map((f) => `onnx/${f}`));
  }
  return files;
}

/**
 * Turns a `--model` value into files the activations pipeline can open:
 * - a local `.onnx` file → `onnx-file`;
 * - a local folder in hub layout (`config.json`, `tokenizer.json`, `onnx/model.onnx` or
 *   `onnx/decoder_model.onnx`, external data beside the graph) → `onnx-folder`;
 * - a llama2.c checkpoint `.bin` → `llama2c`, with its tokenizer from `options.tokenizer` or found
 *   beside it (`tokenizer.bin`, `tok*.bin`); conversion is the llama2c module's job;
 * - an alias (`gpt2`, `pythia-14m`, ... see `MODEL_ALIASES`) or a hub repo id `org/name[@revision]`
 *   → downloaded into the shared Hugging Face cache (only the files a run needs) → `onnx-folder`
 *   pointing into `snapshots/<commit>/`.
 *
 * A value that exists on disk is always taken as a path.
 *
 * @throws {ModelsError} `PL_MODELS_NOT_FOUND`, `PL_MODELS_INVALID`, `PL_MODELS_TOKENIZER_MISSING`,
 *   `PL_MODELS_HUB_OFFLINE_MISSING`; {@link HubError} for hub failures (`PL_MODELS_HUB_AUTH`, `PL_HUB_*_NOT_FOUND`,
 *   `PL_MODELS_HUB_SERVER`, `PL_MODELS_HUB_NETWORK`, `PL_MODELS_HUB_INTEGRITY`).
 * @example
 * const m = await resolveModel("gpt2", { onProgress: (p) => bar.update(p.bytes) });
 * if (m.kind !== "llama2c") console.log(m.onnxFile);
 */
export async function resolveModel(spec: string, options: ResolveModelOptions = {}): Promise<ResolvedModel> {
  const cwd = options.cwd ?? process.cwd();
  const path = resolve(cwd, spec.startsWith("~/") ? join(process.env.HOME ?? "~", spec.slice(2)) : spec);
  const st = spec.trim() === "" ? undefined : await statOrUndefined(path);
  if (st?.isFile()) {
    const ext = extname(path).toLowerCase();
    if (ext === ".onnx" || ext === ".bin") await rejectLfsPointer(path);
    if (ext === ".onnx") {
      // A graph inside a hub-layout onnx/ folder takes its tokenizer and config from the parent.
      const fileDir = dirname(path);
      const parent = dirname(fileDir);
      const dir =
        basename(fileDir) === "onnx" &&
        !(await existing(join(fileDir, "tokenizer.json"))) &&
        (await existing(join(parent, "tokenizer.json")))
          ? parent
          : fileDir;
      return {
        kind: "onnx-file",
        name: basename(path, extname(path)),
        dir,
        onnxFile: path,
        externalData: await localExternalData(path),
        ...(await hubLayoutFiles(dir)),
        source: { type: "local" },
      };
    }
    if (ext === ".bin") {
      return {
        kind: "llama2c",
        name: basename(path, extname(path)),
        checkpoint: path,
        tokenizer: await findLlama2cTokenizer(path, options.tokenizer, cwd),
        source: { type: "local" },
      };
    }
    throw new ModelsError(
      "PL_MODELS_INVALID",
      `--model ${spec}: ${ext ? `a ${ext} file` : "a file without an extension"} is not a model; give an .onnx file, a llama2.c .bin checkpoint or a model folder.`,
    );
  }
  if (st?.isDirectory()) {
    const onnx = chooseOnnxFile(await folderFiles(path), options.onnxFile, `the folder ${path}`);
    const onnxFile = join(path, ...onnx.split("/"));
    await rejectLfsPointer(onnxFile);
    return {
      kind: "onnx-folder",
      name: basename(path),
      dir: path,
      onnxFile,
      externalData: await localExternalData(onnxFile),
      ...(await hubLayoutFiles(path)),
      source: { type: "local" },
    };
  }
  const hubSpec = parseHubSpec(spec);
  const settings = hubSettingsFromEnv(options.env ?? process.env, options.hub ?? {});
  const snap = await fetchHubModel(settings, hubSpec.repoId, hubSpec.revision, {
    onnxFile: options.onnxFile,
    onProgress: options.onProgress,
    retries: options.retries,
    retryDelayMs: options.retryDelayMs,
    signal: options.signal,
    onWarning: options.onWarning,
  });
  const dir = snap.snapshotDir;
  return {
    kind: "onnx-folder",
    name: hubSpec.alias ?? (hubSpec.repoId.split("/").pop() as string),
    dir,
    onnxFile: join(dir, ...snap.onnxFile.split("/")),
    externalData: snap.externalData.map((p) => join(dir, ...p.split("/"))),
    ...(await hubLayoutFiles(dir)),
    source: {
      type: "hub",
      repoId: hubSpec.repoId,
      revision: hubSpec.revision,
      commit: snap.commit,
      ...(hubSpec.alias !== undefined ? { alias: hubSpec.alias } : {}),
    },
  };
}
