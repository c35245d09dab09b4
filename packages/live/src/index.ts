/**
 * `@pattern-lens/live`: `<pattern-lens-live>`, a text box and the viewer's pattern view computed in
 * the page with onnxruntime-web in a Worker. Importing this entry defines nothing; import
 * `@pattern-lens/live/define` (or load the bundle `pattern-lens-live.js`) to register the element.
 * `@pattern-lens/live/node` prepares a model folder and serves the page (`pattern-lens live`).
 *
 * @packageDocumentation
 */
export { type LiveTiming, PatternLensLive, type PatternsDetail } from "./live-element.ts";
