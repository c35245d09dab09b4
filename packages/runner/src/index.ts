/**
 * @pattern-lens/runner (private, bundled by @pattern-lens/figures and @pattern-lens/metrics): runs
 * registered per-head functions over saved patterns. One registry mechanism, one user-module
 * loader, one worker pool with its worker-side counterpart.
 *
 * @packageDocumentation
 */

export { createWorker, workerEntryBeside } from "./create-worker.ts";
export { type LoadModulesOptions, loadUserModules } from "./load-modules.ts";
export { type ErrorFields, errorFields, type FromWorker, type ToWorker } from "./messages.ts";
export { type PoolFailure, type PoolOptions, runPool, WORKER_PAYOFF_MS } from "./pool.ts";
export { createRegistry, type Registry } from "./registry.ts";
export { serveWorker, type WorkerHandlers } from "./serve-worker.ts";
