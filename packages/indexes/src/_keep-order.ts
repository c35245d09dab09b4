// zod puts known keys first when it parses; put them back in the order of the input, so a file
// that is read and written again keeps its key order (Python's json.dumps keeps insertion order).

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === "object" && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype
  );
}

/** `parsed` with its top-level keys in the order they had in `raw` (new keys last). */
export function keepKeyOrder<T>(parsed: T, raw: unknown): T {
  if (!isPlainObject(parsed) || !isPlainObject(raw)) return parsed;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(raw)) if (k in parsed) out[k] = parsed[k];
  for (const k of Object.keys(parsed)) if (!(k in out)) out[k] = parsed[k];
  return out as T;
}
