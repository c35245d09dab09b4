import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** Where and how to reach the Hugging Face hub, and where its cache lives. */
export interface HubSettings {
  /** Base URL of the hub, without a trailing slash (`HF_ENDPOINT`, default `https://huggingface.co`). */
  endpoint: string;
  /** Access token sent as `Authorization: Bearer <token>` (`HF_TOKEN`); `undefined` sends none. */
  token: string | undefined;
  /** Cache only, never the network (`HF_HUB_OFFLINE=1`). */
  offline: boolean;
  /** The hub cache folder holding `models--org--name/` folders. */
  cacheDir: string;
  /** Timeout of API calls and `HEAD` requests, ms (`HF_HUB_ETAG_TIMEOUT` seconds, default 10). */
  requestTimeoutMs: number;
  /** A download whose bytes stop coming for this long is broken off and resumed, ms (`HF_HUB_DOWNLOAD_TIMEOUT` seconds, default 10). */
  stallTimeoutMs: number;
}

/** The hub that `huggingface_hub` talks to when `HF_ENDPOINT` is unset. */
export const DEFAULT_HF_ENDPOINT = "https://huggingface.co";

/** The environment variables read by {@link hubSettingsFromEnv}. */
export type HubEnv = Readonly<Record<string, string | undefined>>;

function nonEmpty(v: string | undefined): string | undefined {
  return v !== undefined && v.trim() !== "" ? v.trim() : undefined;
}

function expandHome(p: string): string {
  if (p === "~") return homedir();
  if (p.startsWith("~/")) return join(homedir(), p.slice(2));
  return p;
}

function seconds(v: string | undefined, fallback: number): number {
  const n = Number(nonEmpty(v));
  return nonEmpty(v) !== undefined && Number.isFinite(n) && n > 0 ? n : fallback;
}

/** `true` for the values `huggingface_hub` reads as true: 1, ON, YES, TRUE (any case). */
export function envFlag(value: string | undefined): boolean {
  return value !== undefined && ["1", "on", "yes", "true"].includes(value.trim().toLowerCase());
}

/**
 * The hub cache folder, found the way `huggingface_hub` finds it so caches are shared with Python
 * tools: `HF_HUB_CACHE`, else `HF_HOME/hub`, else `XDG_CACHE_HOME/huggingface/hub`, else
 * `~/.cache/huggingface/hub`. (`HUGGINGFACE_HUB_CACHE`, the older name, is read after `HF_HUB_CACHE`.)
 *
 * @example
 * hfCacheDir({ HF_HOME: "/data/hf" }) // "/data/hf/hub"
 */
export function hfCacheDir(env: HubEnv = process.env): string {
  const direct = nonEmpty(env.HF_HUB_CACHE) ?? nonEmpty(env.HUGGINGFACE_HUB_CACHE);
  if (direct !== undefined) return resolve(expandHome(direct));
  const hfHome = nonEmpty(env.HF_HOME);
  if (hfHome !== undefined) return resolve(expandHome(hfHome), "hub");
  const xdg = nonEmpty(env.XDG_CACHE_HOME);
  if (xdg !== undefined) return resolve(expandHome(xdg), "huggingface", "hub");
  return join(homedir(), ".cache", "huggingface", "hub");
}

/**
 * Reads `HF_ENDPOINT`, `HF_TOKEN` (or the older `HUGGING_FACE_HUB_TOKEN`), `HF_HUB_OFFLINE`,
 * `HF_HUB_ETAG_TIMEOUT`, `HF_HUB_DOWNLOAD_TIMEOUT` and the cache variables of {@link hfCacheDir}. Explicit `overrides` win over the environment.
 *
 * @example
 * const s = hubSettingsFromEnv(process.env, { offline: true });
 */
export function hubSettingsFromEnv(
  env: HubEnv = process.env,
  overrides: Partial<HubSettings> = {},
): HubSettings {
  const endpoint = (overrides.endpoint ?? nonEmpty(env.HF_ENDPOINT) ?? DEFAULT_HF_ENDPOINT).replace(
    /\/+$/,
    "",
  );
  const token =
    "token" in overrides ? overrides.token : (nonEmpty(env.HF_TOKEN) ?? nonEmpty(env.HUGGING_FACE_HUB_TOKEN));
  return {
    endpoint,
    token,
    offline: overrides.offline ?? envFlag(env.HF_HUB_OFFLINE),
    cacheDir: overrides.cacheDir !== undefined ? resolve(overrides.cacheDir) : hfCacheDir(env),
    requestTimeoutMs: overrides.requestTimeoutMs ?? seconds(env.HF_HUB_ETAG_TIMEOUT, 10) * 1000,
    stallTimeoutMs: overrides.stallTimeoutMs ?? seconds(env.HF_HUB_DOWNLOAD_TIMEOUT, 10) * 1000,
  };
}
