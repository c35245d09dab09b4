import { findAlias, MODEL_ALIASES } from "./aliases.ts";
import { ModelsError } from "./errors.ts";

/** A `--model` value that names a hub repo, directly or through an alias. */
export interface HubSpec {
  /** `org/name` */
  repoId: string;
  /** Branch, tag or commit; `main` unless pinned with `@`. */
  revision: string;
  /** The alias typed, if one was. */
  alias?: string;
}

/** `org/name`: letters, digits, `-`, `_`, `.` on both sides of one slash. */
export const REPO_ID_PATTERN = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/**
 * Classifies a `--model` value that is not an existing path: an alias (`gpt2`, `gpt2@<rev>`) or a
 * hub repo id (`org/name`, `org/name@<rev>`). The revision defaults to `main`.
 *
 * @throws {ModelsError} `PL_MODELS_NOT_FOUND` when it is neither (the message lists the aliases).
 * @example
 * parseHubSpec("EleutherAI/pythia-14m@v0") // { repoId: "EleutherAI/pythia-14m", revision: "v0" }
 */
export function parseHubSpec(spec: string): HubSpec {
  const at = spec.lastIndexOf("@");
  const name = at > 0 ? spec.slice(0, at) : spec;
  const revision = at > 0 ? spec.slice(at + 1) : "main";
  if (revision === "") {
    throw new ModelsError(
      "PL_MODELS_NOT_FOUND",
      `--model ${spec}: nothing after '@'; give a branch, tag or commit.`,
    );
  }
  const alias = findAlias(name);
  if (alias !== undefined) return { repoId: alias.repoId, revision, alias: alias.alias };
  if (REPO_ID_PATTERN.test(name) && !/\.(onnx|bin)$/.test(name)) return { repoId: name, revision };
  const looksLikePath =
    /^(\.{0,2}\/|~)/.test(spec) || /\.(onnx|bin)$/.test(spec) || spec.split("/").length > 2;
  const aliases = MODEL_ALIASES.map((a) => a.alias).join(", ");
  throw new ModelsError(
    "PL_MODELS_NOT_FOUND",
    looksLikePath
      ? `--model ${spec}: no such file or folder.`
      : `--model ${spec}: not a file or folder, not an alias (${aliases}) and not a hub repo id (org/name[@revision]).`,
  );
}
