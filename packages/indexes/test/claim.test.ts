import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { spawnTsChild } from "#test-support/child.ts";
import { isLeftOver, isProcessAlive, tryClaim } from "../src/claim.ts";
import { useTempDir } from "./support/temp.ts";

const temp = useTempDir();

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((r) => child.on("exit", r));
  return child.pid as number;
}

function age(path: string, ms: number): void {
  const t = new Date(Date.now() - ms);
  utimesSync(path, t, t);
}

describe("tryClaim", () => {
  it("gives a path to one holder until it is released", async () => {
    const path = join(temp(), "p", ".activations.claim");
    const a = await tryClaim(path);
    expect(a).toBeDefined();
    expect(JSON.parse(readFileSync(path, "utf8"))).toMatchObject({ host: hostname(), pid: process.pid });
    expect(await tryClaim(path)).toBeUndefined();
    await a?.release();
    expect(existsSync(path)).toBe(false);
    const b = await tryClaim(path);
    expect(b).toBeDefined();
    await b?.release();
  });

  it("makes missing folders, and says PL_INDEXES_IO when a folder cannot be made", async () => {
    const path = join(temp(), "a", "b", ".figures.claim");
    const c = await tryClaim(path);
    expect(existsSync(path)).toBe(true);
    await c?.release();
    const file = join(temp(), "not-a-folder");
    writeFileSync(file, "x");
    await expect(tryClaim(join(file, "p", ".figures.claim"))).rejects.toMatchObject({
      code: "PL_INDEXES_IO",
    });
  });

  it("takes over the claim of a dead process on this machine at once", async () => {
    const path = join(temp(), ".figures.claim");
    const pid = await deadPid();
    expect(isProcessAlive(pid)).toBe(false);
    writeFileSync(path, JSON.stringify({ host: hostname(), pid, started: Date.now() }));
    const c = await tryClaim(path);
    expect(c).toBeDefined();
    expect(JSON.parse(readFileSync(path, "utf8")).pid).toBe(process.pid);
    expect(readdirSync(join(path, ".."))).toEqual([".figures.claim"]);
    await c?.release();
  });

  it("leaves a live claim of another machine alone until its heartbeat stops", async () => {
    const path = join(temp(), ".activations.claim");
    writeFileSync(path, JSON.stringify({ host: "node-17.cluster", pid: 1, started: 0 }));
    expect(await tryClaim(path, { staleMs: 60_000 })).toBeUndefined();
    age(path, 61_000);
    const c = await tryClaim(path, { staleMs: 60_000 });
    expect(c).toBeDefined();
    await c?.release();
  });

  it("takes over an empty or torn claim (no holder to ask) after 10 s", async () => {
    const path = join(temp(), ".activations.claim");
    writeFileSync(path, "");
    expect(await tryClaim(path)).toBeUndefined();
    age(path, 11_000);
    const c = await tryClaim(path);
    expect(c).toBeDefined();
    await c?.release();
  });

  it("a claim appears with its holder in it, and a holder removes the claim temps killed claimers left", async () => {
    const dir = join(temp(), "p");
    const path = join(dir, ".activations.claim");
    const first = await tryClaim(path);
    await first?.release();
    // what a claimer killed between writing its temp and linking it leaves
    const left = join(dir, `.activations.claim.${await deadPid()}.0a1b2c3d4e5f.tmp`);
    writeFileSync(left, JSON.stringify({ host: hostname(), pid: 1 }));
    const other = join(dir, ".activations.npz.1234.0a1b2c3d4e5f.tmp");
    writeFileSync(other, "x");
    const c = await tryClaim(path);
    expect(c).toBeDefined();
    expect(JSON.parse(readFileSync(path, "utf8"))).toMatchObject({ host: hostname(), pid: process.pid });
    expect(readdirSync(dir).sort()).toEqual([".activations.claim", ".activations.npz.1234.0a1b2c3d4e5f.tmp"]);
    await c?.release();
    expect(readdirSync(dir)).toEqual([".activations.npz.1234.0a1b2c3d4e5f.tmp"]);
  });

  it("release never removes a claim that another process took over", async () => {
    const path = join(temp(), ".activations.claim");
    const c = await tryClaim(path);
    const theirs = JSON.stringify({ host: hostname(), pid: process.ppid, started: 1 });
    writeFileSync(path, theirs);
    await c?.release();
    expect(readFileSync(path, "utf8")).toBe(theirs);
  });

  it("keeps its file fresh while held", async () => {
    const path = join(temp(), ".activations.claim");
    const c = await tryClaim(path, { staleMs: 4000 });
    age(path, 3000);
    await new Promise((r) => setTimeout(r, 1300));
    expect(Date.now() - (await import("node:fs")).statSync(path).mtimeMs).toBeLessThan(1500);
    await c?.release();
  });

  it("gives each path to exactly one of several racing processes", async () => {
    const dir = temp();
    const paths = Array.from({ length: 40 }, (_, i) => join(dir, String(i), ".activations.claim"));
    // a third of the paths start with a dead process's claim: racers take those over too
    const pid = await deadPid();
    for (const p of paths.slice(0, 14)) {
      (await import("node:fs")).mkdirSync(join(p, ".."), { recursive: true });
      writeFileSync(p, JSON.stringify({ host: hostname(), pid, started: 0 }));
    }
    const script = join(import.meta.dirname, "fixtures/claim-child.ts");
    const children = Array.from({ length: 4 }, () =>
      spawnTsChild(import.meta.url, script, [], {
        env: { PL_CHILD_OPTIONS: JSON.stringify({ paths }) },
        stdin: "pipe",
      }),
    );
    const outputs = await Promise.all(
      children.map(
        (c) =>
          new Promise<string>((resolve, reject) => {
            let out = "";
            c.stdout.on("data", (d) => {
              out += String(d);
              if (out.includes("ready\n")) resolve(out);
            });
            c.on("exit", (code) => reject(new Error(`child exited early (${code})`)));
          }),
      ),
    );
    for (const c of children) c.stdin?.end();
    await Promise.all(children.map((c) => new Promise((r) => c.on("exit", r))));
    const claimed = outputs.flatMap((o) => [...o.matchAll(/^claimed (\d+)$/gm)].map((m) => Number(m[1])));
    expect(claimed.sort((a, b) => a - b)).toEqual(paths.map((_, i) => i));
    // no ".stale" files left behind by the take-overs
    for (const p of paths) expect(readdirSync(join(p, ".."))).toEqual([".activations.claim"]);
  });
});

describe("isLeftOver", () => {
  it("is a file of a dead local process unchanged for a minute, or anything unchanged for staleMs", async () => {
    const dead = await deadPid();
    const now = Date.now();
    expect(isLeftOver(dead, now - 61_000)).toBe(true);
    expect(isLeftOver(dead, now - 1000)).toBe(false);
    expect(isLeftOver(process.pid, now - 61_000)).toBe(false);
    expect(isLeftOver(process.pid, now - 11 * 60_000)).toBe(true);
  });
});
