import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import {
  type DownloadProgress,
  defaultLlama2cCacheDir,
  hubSettingsFromEnv,
  type LocalModel,
  MODEL_ALIASES,
  prepareLocalModel,
  type ResolvedModel,
  resolveModel,
  scanHfCache,
} from "@pattern-lens/models";
import type { CliIo } from "../program.ts";
import { formatBytes, type ProgressBar, startProgress } from "../progress.ts";
import type { RegisterCommand } from "./index.ts";

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/**
 * A byte progress bar for model downloads on stderr (only on a terminal). Pass its `onProgress`
 * to `resolveModel`; call `stop()` when done.
 */
export function downloadProgressBar(): { onProgress: (p: DownloadProgress) => void; stop: () => void } {
  let bar: ProgressBar | undefined;
  return {
    onProgress: (p) => {
      const payload = { done: formatBytes(p.bytes), all: formatBytes(p.total), file: p.file };
      bar ??= startProgress("download |{bar}| {done} / {all} | {file}", p.total, p.bytes, payload);
      bar.setTotal(p.total);
      bar.update(p.bytes, payload);
    },
    stop: () => {
      bar?.stop();
      bar = undefined;
    },
  };
}

/** One line describing a resolved model: what kind, which file, from where. */
export function describeResolvedModel(m: ResolvedModel): string {
  if (m.kind === "llama2c") return `llama2.c checkpoint ${m.checkpoint} (tokenizer ${m.tokenizer})`;
  const from =
    m.source.type === "hub"
      ? ` from ${m.source.repoId}@${m.source.revision} (commit ${m.source.commit.slice(0, 10)})`
      : "";
  return `${m.onnxFile}${from}`;
}

/**
 * Resolves `--model` for a run through `prepareLocalModel` of @pattern-lens/models (downloads with a
 * progress bar, llama2.c conversions cached under `<cacheDir>/llama2c` when a cache dir is given)
 * and returns the `.onnx` path to hand the activations pipeline and the default model name.
 */
export async function modelForRun(
  spec: string,
  options: { onnxFile?: string | undefined; tokenizer?: string | undefined; cacheDir?: string | undefined },
  io?: CliIo,
): Promise<LocalModel> {
  const bar = downloadProgressBar();
  try {
    return await prepareLocalModel(spec, {
      onnxFile: options.onnxFile,
      tokenizer: options.tokenizer,
      cacheDir: options.cacheDir,
      onProgress: bar.onProgress,
      onWarning: (m) => io?.err(`pattern-lens: warning: ${m}\n`),
    });
  } finally {
    bar.stop();
  }
}

interface ModelsFlags {
  json?: boolean;
  cacheDir?: string;
  download?: string;
  onnxFile?: string;
}

/** A converted llama2.c checkpoint in the conversion cache. */
interface ConvertedEntry {
  dir: string;
  checkpoint: string;
  tokenizer: string;
  size: number;
}

async function listConverted(root: string): Promise<ConvertedEntry[]> {
  const out: ConvertedEntry[] = [];
  for (const key of await readdir(root).catch(() => [] as string[])) {
    const dir = join(root, key);
    try {
      const src = JSON.parse(await readFile(join(dir, "llama2c-source.json"), "utf8")) as Record<
        string,
        unknown
      >;
      const onnx = await stat(join(dir, "onnx", "model.onnx")).catch(() => undefined);
      out.push({
        dir,
        checkpoint: String(src.checkpoint ?? "?"),
        tokenizer: String(src.tokenizer ?? "?"),
        size: onnx?.size ?? 0,
      });
    } catch {
      // not a finished conversion
    }
  }
  return out.sort((a, b) => a.checkpoint.localeCompare(b.checkpoint));
}

async function listModels(io: CliIo, flags: ModelsFlags): Promise<void> {
  const settings = hubSettingsFromEnv(
    process.env,
    flags.cacheDir !== undefined ? { cacheDir: flags.cacheDir } : {},
  );
  const cache = await scanHfCache(settings.cacheDir);
  const llama2cDir = defaultLlama2cCacheDir();
  const llama2c = await listConverted(llama2cDir);
  if (flags.json) {
    const all = { aliases: MODEL_ALIASES, cacheDir: settings.cacheDir, cache, llama2cDir, llama2c };
    io.out(`${JSON.stringify(all, null, 2)}\n`);
    return;
  }
  const cachedIds = new Set(cache.map((r) => r.repoId));
  io.out("Aliases for --model (downloaded from the Hugging Face hub; pin a revision with NAME@REV):\n\n");
  io.out(
    `${table([
      ["alias", "repo", "cached", "source"],
      ...MODEL_ALIASES.map((a) => [a.alias, a.repoId, cachedIds.has(a.repoId) ? "yes" : "", a.source]),
    ])}\n\n`,
  );
  io.out(`Hugging Face cache ${settings.cacheDir}:\n\n`);
  if (cache.length === 0) {
    io.out("  (empty)\n");
  } else {
    const rows = [["repo", "revisions", "size"]];
    for (const r of cache) {
      const revs = r.revisions
        .map(
          (v) =>
            `${v.refs.length > 0 ? `${v.refs.join(",")}=` : ""}${v.commit.slice(0, 7)} (${v.files} files)`,
        )
        .join("; ");
      rows.push([r.repoId, revs || "(no snapshot)", formatBytes(r.sizeOnDisk)]);
    }
    io.out(`${table(rows)}\n`);
  }
  if (llama2c.length > 0) {
    io.out(`\nConverted llama2.c checkpoints ${llama2cDir}:\n\n`);
    const rows = [["checkpoint", "tokenizer", "size", "folder"]];
    for (const c of llama2c) rows.push([c.checkpoint, c.tokenizer, formatBytes(c.size), c.dir]);
    io.out(`${table(rows)}\n`);
  }
}

/**
 * `pattern-lens models`: lists the model aliases (alias, repo, source) and what the local Hugging
 * Face cache holds (repo, revisions, size). `--download MODEL` fetches a model into the cache
 * (the files a run needs) and prints where it is.
 */
export const registerModels: RegisterCommand = (program, io) => {
  program
    .command("models")
    .description("list model aliases and the Hugging Face cache; --download fetches a model into the cache")
    .option("--json", "print aliases and cache contents as JSON")
    .option(
      "--cache-dir <dir>",
      "the hub cache (default: HF_HUB_CACHE, HF_HOME/hub, ~/.cache/huggingface/hub)",
    )
    .option("--download <model>", "download an alias or org/name[@revision] into the cache")
    .option("--onnx-file <file>", "with --download: the ONNX variant (e.g. onnx/model_fp16.onnx, quantized)")
    .action(async (flags: ModelsFlags) => {
      if (flags.download === undefined) return listModels(io, flags);
      const bar = downloadProgressBar();
      try {
        const m = await resolveModel(flags.download, {
          onnxFile: flags.onnxFile,
          onProgress: bar.onProgress,
          onWarning: (w) => io.err(`pattern-lens: warning: ${w}\n`),
          ...(flags.cacheDir !== undefined ? { hub: { cacheDir: flags.cacheDir } } : {}),
        });
        bar.stop();
        io.out(`${describeResolvedModel(m)}\n`);
      } finally {
        bar.stop();
      }
    });
};
