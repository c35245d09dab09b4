/**
 * Rewrites the causal-mask `Where` in front of an attention Softmax into a multiply and an add.
 * ONNX Runtime's CPU `Where` with a broadcast condition selects each branch into its own
 * full-size temporary and merges them: for a `[1, 12, 2000, 2000]` score tensor that is about
 * 1.5 s per layer, more than the layer's matrix products. Exported models only reach that kernel
 * once the probabilities are taken out (otherwise ONNX Runtime fuses the attention), so capture
 * pays for it alone.
 *
 * `Where(keep, x, c)` becomes `x * Cast(keep) + Where(keep, 0, c)`, the second term at the
 * condition's (small) shape. For finite float32 `x` that is the same value bit for bit, except
 * that a kept `-0` becomes `+0`, which Softmax cannot tell apart: kept, `x * 1 + 0 = x`; masked,
 * `x * 0 + c = ±0 + c = c`. A non-finite score in a masked place would turn into NaN (and fail
 * the pattern checks) instead of being masked; float32 scores do not get there.
 */
import { DataType, type GraphProto, type NodeProto, type TensorProto } from "@pattern-lens/onnx";
import { consumers, makeNode, producers } from "./_graph.ts";

const P = "pattern_lens";

/** A one-element float32 constant (initializer or `Constant` node output), else `undefined`. */
function scalarFloat32(
  name: string,
  inits: Map<string, TensorProto>,
  prod: Map<string, NodeProto>,
): TensorProto | undefined {
  let t = inits.get(name);
  if (t === undefined) {
    const p = prod.get(name);
    if (p?.opType === "Constant" && (p.domain ?? "") === "")
      t = p.attribute.find((a) => a.name === "value")?.t;
  }
  if (t === undefined || t.dataType !== DataType.FLOAT) return undefined;
  return t.dims.reduce((a, b) => a * Number(b), 1) === 1 ? t : undefined;
}

/**
 * Rewrites every float32 `Where` with a scalar-constant branch whose output is (directly, or
 * through one `Add` of a mask) the input of one of `softmaxes`. Returns how many were rewritten.
 */
export function rewriteMaskWheres(g: GraphProto, softmaxes: readonly NodeProto[]): number {
  const prod = producers(g);
  const cons = consumers(g);
  const inits = new Map(g.initializer.map((t) => [t.name ?? "", t]));
  const targets = new Set<NodeProto>();
  for (const s of softmaxes) {
    const x = prod.get(s.input[0] ?? "");
    if (x?.opType === "Where") targets.add(x);
    if (x?.opType === "Add")
      for (const i of x.input) {
        const w = prod.get(i);
        if (w?.opType === "Where") targets.add(w);
      }
  }
  let k = 0;
  const zero = `${P}/where_zero`;
  const out: NodeProto[] = [];
  for (const n of g.node) {
    const [cond, a, b] = n.input as [string, string, string];
    const cA = targets.has(n) ? scalarFloat32(a, inits, prod) : undefined;
    const cB = targets.has(n) && cA === undefined ? scalarFloat32(b, inits, prod) : undefined;
    // the output must not be read elsewhere in a way that cares about -0 (only the softmax path)
    if ((cA === undefined && cB === undefined) || (cons.get(n.output[0] ?? "")?.length ?? 0) !== 1) {
      out.push(n);
      continue;
    }
    const x = cB !== undefined ? a : b; // the scores
    const c = cB !== undefined ? b : a; // the constant
    const id = `${P}/where_${k++}`;
    let keep = cond;
    if (cA !== undefined) {
      // Where(masked, c, x): keep where the condition is false
      keep = `${id}/keep`;
      out.push(makeNode("Not", [cond], [keep], `${id}/not`));
    }
    out.push(makeNode("Cast", [keep], [`${id}/ones`], `${id}/cast`, { to: { int: DataType.FLOAT } }));
    out.push(makeNode("Where", [keep, zero, c], [`${id}/fill`], `${id}/fill`));
    out.push(makeNode("Mul", [x, `${id}/ones`], [`${id}/kept`], `${id}/mul`));
    out.push(makeNode("Add", [`${id}/kept`, `${id}/fill`], [n.output[0] ?? ""], `${id}/add`));
  }
  if (k > 0) {
    g.node = out;
    g.initializer.push({
      name: zero,
      dims: [],
      dataType: DataType.FLOAT,
      rawData: new Uint8Array(4),
      floatData: new Float32Array(0),
      int32Data: new Int32Array(0),
      stringData: [],
      int64Data: new BigInt64Array(0),
      externalData: [],
      doubleData: new Float64Array(0),
      uint64Data: new BigUint64Array(0),
      metadataProps: [],
    });
  }
  return k;
}
