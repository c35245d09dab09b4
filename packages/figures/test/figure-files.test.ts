import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listFigureFiles, publishLayer, stageLayer, writeFigureAtomic } from "../src/_figure-files.ts";
import { tempDir } from "./support/data.ts";

const task = (promptDir: string) => ({ index: 0, hash: "h", tokens: [], promptDir, nLayers: 2, nHeads: 2 });

describe("figure files", () => {
  it("removes the staged layers and temp files of dead processes (both namings) and keeps those of live ones", () => {
    const dir = tempDir();
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid!; // exited: its pid is free
    const alive = process.ppid;
    for (const pid of [dead, alive]) mkdirSync(join(dir, `.L1.${pid}.tmp`, "H0"), { recursive: true });
    mkdirSync(join(dir, "L0", "H1"), { recursive: true });
    writeFileSync(join(dir, "L0", "H1", "raw.png"), "x");
    // temp files of figures being written into an existing layer folder: older and current naming
    writeFileSync(join(dir, "L0", "H1", `.entropy.svg.${dead}.tmp`), "<sv");
    writeFileSync(join(dir, "L0", "H1", `.raw.png.${dead}.0a1b2c3d4e5f.tmp`), "PN");
    writeFileSync(join(dir, "L0", "H1", `.raw_log.png.${alive}.tmp`), "busy");
    writeFileSync(join(dir, "L0", "H1", `.attn.svg.${alive}.00112233aabb.tmp`), "busy");
    // the figure stamp's temp files, and another step's temp file that is not ours to remove
    writeFileSync(join(dir, `.figures_source.json.${dead}.tmp`), "{");
    writeFileSync(join(dir, `.figures_source.json.${dead}.0a1b2c3d4e5f.tmp`), "{");
    writeFileSync(join(dir, `.activations.npz.${dead}.0a1b2c3d4e5f.tmp`), "PK");
    const listing = listFigureFiles(task(dir));
    expect(readdirSync(dir).sort()).toEqual([
      `.L1.${alive}.tmp`,
      `.activations.npz.${dead}.0a1b2c3d4e5f.tmp`,
      "L0",
    ]);
    const kept = [`.attn.svg.${alive}.00112233aabb.tmp`, `.raw_log.png.${alive}.tmp`, "raw.png"];
    expect(readdirSync(join(dir, "L0", "H1")).sort()).toEqual(kept);
    expect([...(listing.heads[0]?.[1] ?? [])].sort()).toEqual(kept);
    expect(listing.layers[1]).toBeUndefined();
  });

  it("writes a figure through a temp file and a rename, leaving only the figure", () => {
    const dir = tempDir();
    writeFigureAtomic(join(dir, "raw.png"), new Uint8Array([1, 2]));
    writeFigureAtomic(join(dir, "raw.png"), new Uint8Array([3]));
    expect([...readFileSync(join(dir, "raw.png"))]).toEqual([3]);
    expect(readdirSync(dir)).toEqual(["raw.png"]);
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
