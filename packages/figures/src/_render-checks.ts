// Checks around rendering one prompt: what counts as done, what a figure function returned,
// which pattern sizes the prompt allows, and which errors are the disk's rather than the figure's.
import { readFileSync } from "node:fs";
import { IndexesError, patternSizes, promptTokensOf } from "@pattern-lens/indexes";
import type { PromptTask } from "./_process-prompt.ts";
import type { FigureContext, FigureOutput, RegisteredFigure } from "./types.ts";

/** Whether `fig`'s outputs for one head exist (an `.error.txt` never counts as done). */
export function isDone(fig: RegisteredFigure, files: Set<string> | undefined): boolean {
  return files !== undefined && fig.fileNames.every((f) => files.has(f));
}

export function describe(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

export function errorText(fig: RegisteredFigure, ctx: FigureContext, err: unknown): string {
  const head = `figure function '${fig.name}' failed on layer ${ctx.layer}, head ${ctx.head} of prompt ${ctx.promptHash}: ${describe(err)}\n`;
  const stack = err instanceof Error && err.stack ? `\n${err.stack}\n` : "";
  return head + stack;
}

/** Checks what a figure function returned against the files it declared; throws a message the user can act on. */
export function checkOutputs(fig: RegisteredFigure, outputs: unknown): { file: string; bytes: Uint8Array }[] {
  if (!Array.isArray(outputs)) throw new Error(`'${fig.name}' returned no list of outputs`);
  const files = (outputs as FigureOutput[]).map((o) => {
    if (o === null || typeof o !== "object" || !(o.bytes instanceof Uint8Array) || o.bytes.length === 0) {
      throw new Error(`'${fig.name}' produced an empty or invalid figure`);
    }
    const file = o.suffix === undefined ? `${fig.name}.${o.fmt}` : `${fig.name}.${o.suffix}.${o.fmt}`;
    return { file, bytes: o.bytes };
  });
  const got = files.map((f) => f.file);
  if (got.length !== fig.fileNames.length || fig.fileNames.some((f) => !got.includes(f))) {
    throw new Error(`'${fig.name}' produced [${got.join(", ")}] but declares [${fig.fileNames.join(", ")}]`);
  }
  return files;
}

/**
 * The pattern sizes the prompt allows, from its prompt.json when there is one (else its
 * prompts.jsonl line), or why prompt.json is unusable.
 */
export function promptSizes(task: PromptTask, jsonPath: string): number[] | string {
  let text: string;
  try {
    text = readFileSync(jsonPath, "utf8");
  } catch (err) {
    if ((err as { code?: unknown }).code !== "ENOENT") return `${jsonPath} is unreadable: ${describe(err)}`;
    return patternSizes({ tokens: task.tokens, token_ids: task.tokenIds });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return `${jsonPath} is not valid JSON (${describe(err)}); save the prompt again with \`pattern-lens activations --force\``;
  }
  const tokens = promptTokensOf(raw, task.hash);
  if (typeof tokens === "string")
    return `${jsonPath}: ${tokens}; save the prompt again with \`pattern-lens activations --force\``;
  return patternSizes(tokens);
}

/** A file system failure while writing figures: the user's to fix (disk full, read-only, permissions). */
export function writeError(dir: string, err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== "string" || code.startsWith("PL_") || !(err as { syscall?: unknown }).syscall)
    return err;
  return new IndexesError(
    "PL_INDEXES_IO",
    `cannot write figures in ${dir} (${describe(err)}). Free disk space or fix the folder's permissions, then run again: finished figures are kept.`,
    { cause: err },
  );
}
