/** The single-file page bundle (lit and the viewer included): defines the elements, re-exports the API. */

export { defineElements } from "./define.ts";
export * from "./index.ts";
