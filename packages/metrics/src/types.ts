/** Options shared by the built-in metrics, as TransformerLens's `detect_head` has them. */
export interface MetricOptions {
  /** Leave key position 0 (BOS / the first token) out of every row before scoring. */
  excludeBos: boolean;
  /** Leave the diagonal (each query's own position) out of every row before scoring. */
  excludeCurrentToken: boolean;
}

/** What a metric function gets: one head's pattern on one prompt. */
export interface MetricContext {
  /** The head's attention probabilities, `n × n` row-major: row = query position, column = key. */
  pattern: Float32Array;
  /** Sequence length (BOS included when the model saw one). */
  n: number;
  /**
   * A token identity per position (length `n`): `prompt.json`'s `token_ids` when present, else
   * small integers derived from the token strings, with -1 for a BOS that has no string.
   */
  tokenIds: readonly number[];
  /** `prompt.json`'s `tokens` (without BOS). */
  tokens: readonly string[];
  /** 1 when position 0 is a BOS that `tokens` does not list, else 0. */
  bosOffset: number;
  layer: number;
  head: number;
  options: MetricOptions;
}

/**
 * A metric function: a number for this head on this prompt, or `undefined` (also `null`/`NaN`)
 * when the metric is not defined on this prompt; such prompts are counted as `excluded`.
 */
export type MetricFn = (ctx: MetricContext) => number | undefined | null;

/** A named metric, as the registry holds it. */
export interface MetricDefinition {
  /** Name written to `head_metrics.jsonl` (`[a-z0-9_.-]`, starting with a letter). */
  name: string;
  /** One-line description. */
  doc: string;
  /** The formula, in words or math (shown in docs and tools). */
  formula?: string;
  fn: MetricFn;
  /** Module file that registered it; `undefined` for built-ins. */
  source?: string;
}
