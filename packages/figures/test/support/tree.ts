import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/** Every file under `dir` (relative POSIX path → bytes), for byte-for-byte comparisons of two runs. */
export function fileTree(dir: string, filter: (rel: string) => boolean = () => true): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const rel = relative(dir, p).split("\\").join("/");
        if (filter(rel)) out.set(rel, readFileSync(p));
      }
    }
  };
  walk(dir);
  return out;
}
