/**
 * The source of npz-worker.ts, bundled. This file is replaced at build time (bundle.config.ts,
 * `workerSourcePlugin`); empty here means "no Worker: read layers on the main thread" (unit tests).
 */
export const WORKER_SOURCE: string = "";
