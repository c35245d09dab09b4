// Which prompts this process computes when others write the same data folder: a claim per prompt
// (see tryClaim in @pattern-lens/indexes/node), taken just before its batch runs.
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { promptDir, promptJsonPath } from "@pattern-lens/indexes";
import {
  type Claim,
  isAtomicTempFile,
  isLeftOver,
  promptClaimPath,
  tryClaim,
} from "@pattern-lens/indexes/node";

/** `.<name>.<pid>.<12 hex>.tmp` → pid. */
const TEMP_PID = /\.(\d+)\.[0-9a-f]{12}\.tmp$/;

/**
 * Removes the temp files of interrupted atomic writes in `dir` whose writer is gone (see
 * `isLeftOver`): never one a live process, here or on another machine, is still writing.
 */
export function removeLeftOverTemps(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!isAtomicTempFile(name)) continue;
    const path = `${dir}/${name}`;
    try {
      if (isLeftOver(Number(TEMP_PID.exec(name)?.[1]), statSync(path).mtimeMs)) rmSync(path, { force: true });
    } catch {
      // gone meanwhile
    }
  }
}

/** A prompt to claim: its hash and whether its prompt.json existed when the run was planned. */
export interface ClaimJob {
  hash: string;
  hadPromptJson: boolean;
}

/** The claims of one run on its prompts' activations. */
export class PromptClaims {
  private readonly held = new Map<string, Claim>();
  /** Prompts another live process was computing when this one came to them. */
  leftToOthers = 0;
  /** Prompts another process finished between the plan and their batch. */
  doneByOthers = 0;

  constructor(
    private readonly save: string,
    private readonly model: string,
    private readonly staleMs?: number,
  ) {}

  /**
   * Claims each job; returns those this process now holds. A claimed prompt's folder is rid of the
   * temp files an earlier (killed) writer of its activations left.
   */
  async take<J extends ClaimJob>(jobs: readonly J[]): Promise<J[]> {
    const mine: J[] = [];
    for (const job of jobs) {
      const path = promptClaimPath(this.save, this.model, job.hash, "activations");
      const claim = await tryClaim(path, this.staleMs === undefined ? {} : { staleMs: this.staleMs });
      if (claim === undefined) {
        this.leftToOthers++;
        continue;
      }
      if (!job.hadPromptJson && existsSync(promptJsonPath(this.save, this.model, job.hash))) {
        this.doneByOthers++;
        await claim.release();
        continue;
      }
      const dir = promptDir(this.save, this.model, job.hash);
      for (const name of readdirSync(dir)) {
        if (isAtomicTempFile(name) && /^\.(activations\.npz|prompt\.json)\./.test(name)) {
          rmSync(`${dir}/${name}`, { force: true });
        }
      }
      this.held.set(job.hash, claim);
      mine.push(job);
    }
    return mine;
  }

  /** Releases the claim on a prompt whose files are written. */
  async release(hash: string): Promise<void> {
    const c = this.held.get(hash);
    this.held.delete(hash);
    await c?.release();
  }

  /** Releases every claim still held (after a failure). */
  async releaseAll(): Promise<void> {
    const all = [...this.held.values()];
    this.held.clear();
    await Promise.all(all.map((c) => c.release()));
  }
}
