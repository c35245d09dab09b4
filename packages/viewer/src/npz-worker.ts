// The Worker that reads activations.npz layers with Range requests and inflates them off the main
// thread. Built into a string by bundle.config.ts (workerSourcePlugin) and started from a Blob URL.
import { openRemoteNpzCached as open, readLayer } from "./_npz-range.ts";
import type { WorkerReply, WorkerRequest } from "./_worker-protocol.ts";

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(m: WorkerReply, transfer?: Transferable[]): void;
};
function fail(id: number, err: unknown): void {
  const e = err as { code?: string; message?: string };
  scope.postMessage({
    id,
    type: "error",
    code: e.code ?? "PL_VIEWER_DATA",
    message: e.message ?? String(err),
  });
}

scope.onmessage = (ev) => {
  const m = ev.data;
  if (m.type === "open") {
    open(m.url).then(
      (npz) =>
        scope.postMessage({
          id: m.id,
          type: "dir",
          names: npz.entries.map((e) => e.name),
          ranged: npz.whole === undefined,
        }),
      (err) => fail(m.id, err),
    );
  } else {
    open(m.url)
      .then((npz) =>
        readLayer(npz, m.member, {
          header: (info) => scope.postMessage({ id: m.id, type: "header", ...info }),
          head: (h, data) => scope.postMessage({ id: m.id, type: "head", h, data }, [data.buffer]),
        }),
      )
      .then(
        () => scope.postMessage({ id: m.id, type: "done" }),
        (err) => fail(m.id, err),
      );
  }
};
