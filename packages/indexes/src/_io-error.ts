import { IndexesError } from "./errors.ts";

/** Wrap a file system error as `PL_INDEXES_NOT_FOUND` (ENOENT) or `PL_INDEXES_IO`, keeping it as the cause. */
export function ioError(action: string, path: string, cause: unknown): IndexesError {
  if (cause instanceof IndexesError) return cause;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") {
    return new IndexesError(
      "PL_INDEXES_NOT_FOUND",
      `cannot ${action} ${path}: it does not exist. Check the path.`,
      {
        cause,
      },
    );
  }
  const msg = cause instanceof Error ? cause.message : String(cause);
  return new IndexesError(
    "PL_INDEXES_IO",
    `cannot ${action} ${path} (${msg}). Check permissions and free disk space, then retry.`,
    { cause },
  );
}
