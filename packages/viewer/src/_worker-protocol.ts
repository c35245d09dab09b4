// Messages between the layer loader (main thread) and npz-worker.ts.

/** Main thread → worker. */
export type WorkerRequest =
  | { id: number; type: "open"; url: string }
  | { id: number; type: "layer"; url: string; member: string };

/** Worker → main thread. */
export type WorkerReply =
  | { id: number; type: "dir"; names: string[]; ranged: boolean }
  | { id: number; type: "header"; nHeads: number; n: number; dtype: string }
  | { id: number; type: "head"; h: number; data: Float32Array }
  | { id: number; type: "done" }
  | { id: number; type: "error"; code: string; message: string };
