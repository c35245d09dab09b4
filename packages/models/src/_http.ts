import pkg from "../package.json" with { type: "json" };
import { HubError, type ModelsErrorCode } from "./errors.ts";
import type { HubSettings } from "./hub-settings.ts";

const USER_AGENT = `pattern-lens/${pkg.version}; node/${process.versions.node}`;

/** What a request is for, so error messages can say it. */
export interface RequestContext {
  /** e.g. `revision "main" of Xenova/gpt2` or `Xenova/gpt2/onnx/model.onnx@abc123` */
  what: string;
  /** The code a bare 404 (no `X-Error-Code`) maps to. */
  notFound: ModelsErrorCode;
}

function networkCause(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** A {@link HubError} for a failed request that got no response. */
export function networkError(url: string, ctx: RequestContext, err: unknown, detail = ""): HubError {
  const why = networkCause(err);
  return new HubError(
    "PL_MODELS_HUB_NETWORK",
    `could not reach the hub for ${ctx.what}${detail} (${why} at ${url}). Check the network or HF_ENDPOINT; ` +
      "to work from the local cache only, set HF_HUB_OFFLINE=1.",
    { url, cause: err },
  );
}

/** Maps a non-2xx hub response to a typed {@link HubError}. */
export function responseError(
  res: Response,
  url: string,
  ctx: RequestContext,
  token: string | undefined,
): HubError {
  const code = res.headers.get("x-error-code") ?? "";
  const hubMsg = res.headers.get("x-error-message");
  const said = hubMsg ? ` The hub said: ${hubMsg}` : "";
  const s = res.status;
  if (s === 401 || s === 403) {
    const hint =
      code === "GatedRepo"
        ? "The repo is gated: accept its conditions on its hub page, then set HF_TOKEN to a token of that account."
        : token === undefined
          ? "The repo is private, gated or does not exist: check the id, or set HF_TOKEN to a token with read access."
          : "HF_TOKEN was sent but does not grant access: check the token and the repo id.";
    return new HubError("PL_MODELS_HUB_AUTH", `hub answered ${s} for ${ctx.what}. ${hint}${said}`, {
      status: s,
      url,
    });
  }
  if (s === 404) {
    const mapped: ModelsErrorCode =
      code === "RepoNotFound"
        ? "PL_MODELS_HUB_REPO_NOT_FOUND"
        : code === "RevisionNotFound"
          ? "PL_MODELS_HUB_REVISION_NOT_FOUND"
          : code === "EntryNotFound"
            ? "PL_MODELS_HUB_FILE_NOT_FOUND"
            : ctx.notFound;
    const hint =
      mapped === "PL_MODELS_HUB_REPO_NOT_FOUND"
        ? "Check the repo id (org/name) or use an alias from 'pattern-lens models'."
        : mapped === "PL_MODELS_HUB_REVISION_NOT_FOUND"
          ? "Check the branch, tag or commit after '@'."
          : "The file is not in the repo at that revision.";
    return new HubError(mapped, `hub answered 404 for ${ctx.what}. ${hint}${said}`, { status: s, url });
  }
  const hint = s >= 500 || s === 429 ? "The hub is failing or busy: try again later." : "Unexpected answer.";
  return new HubError("PL_MODELS_HUB_SERVER", `hub answered ${s} for ${ctx.what} (${url}). ${hint}${said}`, {
    status: s,
    url,
  });
}

/** Headers sent on every hub request: user agent and, for the hub's own origin, the bearer token. */
export function hubHeaders(settings: HubSettings, url: string, extra: Record<string, string> = {}): Headers {
  const h = new Headers({ "user-agent": USER_AGENT, ...extra });
  if (settings.token !== undefined && new URL(url).origin === new URL(settings.endpoint).origin) {
    h.set("authorization", `Bearer ${settings.token}`);
  }
  return h;
}

/**
 * `fetch` with hub headers and typed errors: network failures become `PL_MODELS_HUB_NETWORK`, non-2xx
 * statuses the codes of {@link responseError}. With `redirect: "manual"` a 3xx is returned as is.
 */
export async function hubFetch(
  settings: HubSettings,
  url: string,
  ctx: RequestContext,
  init: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    redirect?: "follow" | "manual";
    signal?: AbortSignal | undefined;
    /** Abort when the response headers take longer than this. */
    timeoutMs?: number | undefined;
  } = {},
): Promise<Response> {
  let res: Response;
  const timeout = init.timeoutMs !== undefined ? AbortSignal.timeout(init.timeoutMs) : undefined;
  const signal =
    timeout !== undefined && init.signal !== undefined
      ? AbortSignal.any([timeout, init.signal])
      : (timeout ?? init.signal);
  try {
    res = await fetch(url, {
      method: init.method ?? "GET",
      headers: hubHeaders(settings, url, init.headers),
      redirect: init.redirect ?? "follow",
      ...(init.body !== undefined ? { body: init.body } : {}),
      ...(signal !== undefined ? { signal } : {}),
    });
  } catch (err) {
    if (init.signal?.aborted) throw err;
    if (timeout?.aborted) {
      throw networkError(
        url,
        ctx,
        err,
        ` (no answer within ${init.timeoutMs} ms; HF_HUB_ETAG_TIMEOUT sets it in seconds)`,
      );
    }
    throw networkError(url, ctx, err);
  }
  const redirect = res.status >= 300 && res.status < 400 && init.redirect === "manual";
  if (!res.ok && !redirect) {
    await res.body?.cancel().catch(() => {});
    throw responseError(res, url, ctx, settings.token);
  }
  return res;
}
