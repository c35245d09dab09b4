/** The single-file browser bundle (lit included): defines the elements and re-exports the API. */

export { defineElements } from "./define.ts";
export * from "./index.ts";
