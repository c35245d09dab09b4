import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let gc: (() => void) | undefined;

/**
 * Runs a full garbage collection now. Used between the layers of a lean layer-by-layer run: a
 * layer's pattern (up to gigabytes, held outside the JS heap) is freed only when the collector
 * notices it is unreachable, and while ONNX Runtime computes the next layer on its worker thread
 * this thread allocates nothing that would make it look, so the dead pattern would sit beside
 * the next layer's. `--expose-gc` is switched on for that with `v8.setFlagsFromString`, and the
 * `gc` function taken from a new context (where V8 then installs it); `globalThis.gc` is used
 * when the process already has it.
 */
export function collectGarbage(): void {
  if (gc === undefined) {
    const own = (globalThis as { gc?: () => void }).gc;
    if (own !== undefined) gc = own;
    else {
      setFlagsFromString("--expose-gc");
      gc = runInNewContext("gc") as () => void;
    }
  }
  gc();
  gc();
}
