import type { RegisteredFigure } from "../types.ts";
import { rawFigure } from "./raw.ts";

/** The figures this package registers by itself, in run order. */
export const BUILTIN_FIGURES: readonly Omit<RegisteredFigure, "source">[] = [rawFigure];
