import type { MetricDefinition } from "../types.ts";
import { entropy, meanDistance } from "./distribution-metrics.ts";
import { duplicateToken, firstToken, induction, previousToken, self } from "./pattern-metrics.ts";

/** The built-in metrics, in the order they are written. */
export const BUILTIN_METRICS: readonly MetricDefinition[] = Object.freeze([
  previousToken,
  induction,
  duplicateToken,
  firstToken,
  self,
  meanDistance,
  entropy,
]);
