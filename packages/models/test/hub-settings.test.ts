import { homedir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_HF_ENDPOINT, envFlag, hfCacheDir, hubSettingsFromEnv } from "../src/index.ts";

describe("hfCacheDir", () => {
  it("prefers HF_HUB_CACHE, then HF_HOME/hub, then XDG_CACHE_HOME/huggingface/hub, then ~/.cache", () => {
    const all = { HF_HUB_CACHE: "/a/hub", HF_HOME: "/b", XDG_CACHE_HOME: "/c" };
    expect(hfCacheDir(all)).toBe("/a/hub");
    expect(hfCacheDir({ HF_HOME: "/b", XDG_CACHE_HOME: "/c" })).toBe("/b/hub");
    expect(hfCacheDir({ XDG_CACHE_HOME: "/c" })).toBe("/c/huggingface/hub");
    expect(hfCacheDir({})).toBe(join(homedir(), ".cache", "huggingface", "hub"));
  });
  it("reads the older HUGGINGFACE_HUB_CACHE after HF_HUB_CACHE, ignores empty values, expands ~", () => {
    expect(hfCacheDir({ HUGGINGFACE_HUB_CACHE: "/old", HF_HOME: "/b" })).toBe("/old");
    expect(hfCacheDir({ HF_HUB_CACHE: "", HF_HOME: "/b" })).toBe("/b/hub");
    expect(hfCacheDir({ HF_HOME: "~/hf" })).toBe(join(homedir(), "hf", "hub"));
  });
});

describe("hubSettingsFromEnv", () => {
  it("defaults to huggingface.co, no token, online", () => {
    const s = hubSettingsFromEnv({ HF_HUB_CACHE: "/x" });
    expect(s).toEqual({
      endpoint: DEFAULT_HF_ENDPOINT,
      token: undefined,
      offline: false,
      cacheDir: "/x",
      requestTimeoutMs: 10_000,
      stallTimeoutMs: 10_000,
    });
  });
  it("reads HF_ENDPOINT (trailing slash dropped), HF_TOKEN and HF_HUB_OFFLINE", () => {
    const s = hubSettingsFromEnv({
      HF_ENDPOINT: "http://127.0.0.1:9/",
      HF_TOKEN: "hf_abc",
      HF_HUB_OFFLINE: "1",
      HF_HUB_CACHE: "/x",
      HF_HUB_ETAG_TIMEOUT: "2.5",
      HF_HUB_DOWNLOAD_TIMEOUT: "30",
    });
    expect(s).toEqual({
      endpoint: "http://127.0.0.1:9",
      token: "hf_abc",
      offline: true,
      cacheDir: "/x",
      requestTimeoutMs: 2500,
      stallTimeoutMs: 30_000,
    });
    expect(hubSettingsFromEnv({ HF_HUB_ETAG_TIMEOUT: "soon" }).requestTimeoutMs).toBe(10_000);
    expect(hubSettingsFromEnv({ HUGGING_FACE_HUB_TOKEN: "old" }).token).toBe("old");
  });
  it("lets explicit overrides win", () => {
    const s = hubSettingsFromEnv(
      { HF_TOKEN: "a", HF_HUB_OFFLINE: "1" },
      { token: undefined, offline: false },
    );
    expect(s.token).toBeUndefined();
    expect(s.offline).toBe(false);
  });
  it("reads truthy flags the way huggingface_hub does", () => {
    for (const v of ["1", "ON", "yes", "True"]) expect(envFlag(v)).toBe(true);
    for (const v of [undefined, "", "0", "off", "false", "no"]) expect(envFlag(v)).toBe(false);
  });
});
