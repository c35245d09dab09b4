/**
 * Entry point of a metrics worker thread (built to `dist/worker.js`). Not part of the public API.
 * @packageDocumentation
 */
import { parentPort } from "node:worker_threads";
import { runWorker } from "./_worker-main.ts";

if (parentPort) runWorker(parentPort);
