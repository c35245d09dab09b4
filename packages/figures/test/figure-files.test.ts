import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listFigureFiles, publishLayer, stageLayer } from "../src/_figure-files.ts";
import { tempDir } from "./support/data.ts";

const task = (promptDir: string) => ({ index: 0, hash: "h", tokens: [], promptDir, nLayers: 2, nHeads: 2 });

describe("figure files", () => {
  it("removes the staged layers and temp files of dead processes and keeps those of live ones", () => {
    const dir = tempDir();
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid!; // exited: its pid is free
    const alive = process.ppid;
    for (const pid of [dead, alive]) mkdirSync(join(dir, `.L1.${pid}.tmp`, "H0"), { recursive: true });
    mkdirSync(join(dir, "L0", "H1"), { recursive: true });
    writeFileSync(join(dir, "L0", "H1", "raw.png"), "x");
    // temp files of a figure being written into an existing layer folder
    writeFileSync(join(dir, "L0", "H1", `.entropy.svg.${dead}.tmp`), "<sv");
    writeFileSync(join(dir, "L0", "H1", `.raw_log.png.${alive}.tmp`), "busy");
    const listing = listFigureFiles(task(dir));
    expect(readdirSync(dir).sort()).toEqual([`.L1.${alive}.tmp`, "L0"]);
    expect(readdirSync(join(dir, "L0", "H1")).sort()).toEqual([`.raw_log.png.${alive}.tmp`, "raw.png"]);
    expect([...(listing.heads[0]?.[1] ?? [])].sort()).toEqual([`.raw_log.png.${alive}.tmp`, "raw.png"]);
    expect(listing.layers[1]).toBeUndefined();
  });

  it("publishes a staged layer with one rename, or merges into a layer another run published", () => {
    const dir = tempDir();
    const stage = stageLayer(dir, 3);
    expect(stage).toBe(join(dir, `.L3.${process.pid}.tmp`));
    mkdirSync(join(stage, "H0"));
    writeFileSync(join(stage, "H0", "raw.png"), "ours");
    publishLayer(stage, join(dir, "L3"));
    expect(readFileSync(join(dir, "L3", "H0", "raw.png"), "utf8")).toBe("ours");
    expect(existsSync(stage)).toBe(false);

    // L3 exists now: a second stage keeps the files already there and adds the missing ones
    const again = stageLayer(dir, 3);
    mkdirSync(join(again, "H0"));
    mkdirSync(join(again, "H1"));
    writeFileSync(join(again, "H0", "raw.png"), "late");
    writeFileSync(join(again, "H0", "entropy.svg"), "<svg/>");
    writeFileSync(join(again, "H1", "raw.png"), "h1");
    publishLayer(again, join(dir, "L3"));
    expect(readFileSync(join(dir, "L3", "H0", "raw.png"), "utf8")).toBe("ours");
    expect(readFileSync(join(dir, "L3", "H0", "entropy.svg"), "utf8")).toBe("<svg/>");
    expect(readFileSync(join(dir, "L3", "H1", "raw.png"), "utf8")).toBe("h1");
    expect(readdirSync(dir)).toEqual(["L3"]);
  });
});
