/**
 * The folder name of a model: `/` becomes `-`, and every other character outside
 * `[A-Za-z0-9._-]` becomes `_` (one `_` per Unicode code point).
 *
 * @example
 * ```ts
 * sanitizeName("EleutherAI/pythia-14m"); // "EleutherAI-pythia-14m"
 * sanitizeName("my model:v2");          // "my_model_v2"
 * ```
 */
export function sanitizeName(name: string): string {
  return name.replace(/\//g, "-").replace(/[^A-Za-z0-9._-]/gu, "_");
}
