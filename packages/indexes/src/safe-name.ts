import { IndexesError } from "./errors.ts";

// Names read from data files (a prompt's `hash`, a model's `sanitized_name`, a figure's `name`)
// become path segments and URL segments. They are checked here, once, before any path is built.

/** The characters a data-folder name may hold: what `sanitizeName` and `promptHash` produce. */
const SAFE_NAME = /^[A-Za-z0-9._-]{1,200}$/;

/**
 * Whether `name` can be one path segment of a data folder: 1 to 200 characters from
 * `[A-Za-z0-9._-]`, and neither `.` nor `..` nor starting with a dot (hidden, or a temp file).
 * Every prompt hash, sanitized model name and figure name pattern-lens (TypeScript or Python) writes
 * passes; `../x`, `a/b`, `` and `<img>` do not.
 *
 * @example
 * ```ts
 * isSafeName("-dDLtEAuQkO6aEbgF9OZ9A"); // true
 * isSafeName("../../tmp/x");            // false
 * ```
 */
export function isSafeName(name: unknown): boolean {
  return typeof name === "string" && SAFE_NAME.test(name) && !name.startsWith(".");
}

/**
 * Returns `name` when it is a safe path segment ({@link isSafeName}), else throws.
 *
 * @param what - what the name is, for the message (e.g. `"prompt hash"`)
 * @param source - where it was read (file and line), for the message
 * @throws {@link IndexesError} `PL_INDEXES_UNSAFE_NAME`
 */
export function checkSafeName(what: string, name: unknown, source?: string): string {
  if (isSafeName(name)) return name as string;
  const shown =
    typeof name === "string"
      ? JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}...` : name)
      : String(name);
  throw new IndexesError(
    "PL_INDEXES_UNSAFE_NAME",
    `${source ? `${source}: ` : ""}${what} ${shown} is not a plain folder name (allowed: 1-200 of A-Z a-z 0-9 . _ -, not starting with a dot), so it cannot become a path${source ? ". The data folder was edited or written by another tool: fix or delete that entry" : ""}.`,
  );
}
