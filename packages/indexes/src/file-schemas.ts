import { z } from "zod";
import { isSafeName } from "./safe-name.ts";

// Every schema is a loose object: keys we do not know are kept as they are, so files written by
// the Python pattern-lens (or a newer version of ours) round-trip untouched.

/**
 * Provenance that the TypeScript pattern-lens adds to the files it writes (`pattern_lens` key).
 * Optional everywhere: Python-written files do not have it.
 */
export const ProvenanceSchema = z.looseObject({
  /** Which implementation wrote the file, e.g. `"pattern-lens-ts"`. */
  implementation: z.string().optional(),
  /** Its version. */
  version: z.string().optional(),
});

/** Provenance block inferred from {@link ProvenanceSchema}. */
export type Provenance = z.infer<typeof ProvenanceSchema>;

const optionalInt = z.int().nullable().optional();

/**
 * A name that becomes a path segment: a prompt hash, a model folder, a figure name (see
 * `isSafeName`). Checked when the file is read, before any path is built from it.
 */
export const SafeNameSchema = z
  .string()
  .refine(isSafeName, "not a plain folder name (1-200 of A-Z a-z 0-9 . _ -, not starting with a dot)");

/**
 * `<save>/<model>/model_cfg.json`: the model's configuration (a TransformerLens
 * `HookedTransformerConfig` dict when Python wrote it). Only `model_name`, `n_layers` and
 * `n_heads` are required; the other common fields are typed when present; every other key is kept.
 */
export const ModelCfgSchema = z.looseObject({
  model_name: z.string(),
  n_layers: z.int().nonnegative(),
  n_heads: z.int().positive(),
  d_model: optionalInt,
  d_head: optionalInt,
  n_ctx: optionalInt,
  d_vocab: optionalInt,
  d_mlp: optionalInt,
  n_key_value_heads: optionalInt,
  act_fn: z.string().nullable().optional(),
  tokenizer_name: z.string().nullable().optional(),
  original_architecture: z.string().nullable().optional(),
  pattern_lens: ProvenanceSchema.optional(),
});

/** Contents of `model_cfg.json`, inferred from {@link ModelCfgSchema}. */
export type ModelCfg = z.infer<typeof ModelCfgSchema>;

/**
 * One line of `<save>/models.jsonl`: the model's `model_cfg` plus `sanitized_name`, the model's
 * folder name. Old lines without `sanitized_name` are accepted: it is filled in from
 * `model_name` on parse (older versions named the folder after the raw model name).
 */
export const ModelsIndexLineSchema = ModelCfgSchema.extend({
  sanitized_name: SafeNameSchema.optional(),
}).transform((line) => ({ ...line, sanitized_name: line.sanitized_name ?? line.model_name }));

/** A parsed `models.jsonl` line: `sanitized_name` is always set. */
export type ModelsIndexLine = z.output<typeof ModelsIndexLineSchema>;

/**
 * `<save>/<model>/prompts/<hash>/prompt.json`, and one line of `<save>/<model>/prompts.jsonl`.
 *
 * - `text`: the prompt; `hash`: {@link promptHash} of it (the folder name).
 * - `n_tokens`, `tokens`: the tokenized prompt as strings (the pattern is `[.., n, n]` with
 *   `n` = the number of positions the model saw, BOS included when the tokenizer adds one).
 * - `meta`, `source_fname`: where the prompt came from (optional, as in Python).
 * - added by the TypeScript version, all optional: `token_ids` (the ids fed to the model),
 *   `truncated` (the text was cut to the model's context), `pattern_lens` (provenance).
 */
export const PromptMetaSchema = z.looseObject({
  text: z.string(),
  hash: SafeNameSchema,
  n_tokens: z.int().nonnegative(),
  tokens: z.array(z.string()),
  meta: z.record(z.string(), z.unknown()).nullable().optional(),
  source_fname: z.string().nullable().optional(),
  token_ids: z.array(z.int()).optional(),
  truncated: z.boolean().optional(),
  pattern_lens: ProvenanceSchema.optional(),
});

/** Contents of `prompt.json` / a `prompts.jsonl` line, inferred from {@link PromptMetaSchema}. */
export type PromptMeta = z.infer<typeof PromptMetaSchema>;

/**
 * One line of `<save>/figures.jsonl`: a registered figure function.
 * `figure_save_fmt` is one of `png`, `svg`, `svgz`; `source` is the file that defined it and
 * `code` its source text (both informational).
 */
export const FigureMetaSchema = z.looseObject({
  name: SafeNameSchema,
  func_name: z.string(),
  doc: z.string().nullable().optional(),
  figure_save_fmt: z.string().nullable(),
  source: z.string().nullable().optional(),
  code: z.string().nullable().optional(),
});

/** A `figures.jsonl` line, inferred from {@link FigureMetaSchema}. */
export type FigureMeta = z.infer<typeof FigureMetaSchema>;
