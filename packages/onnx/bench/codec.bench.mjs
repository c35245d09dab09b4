// Benchmark of the ONNX codec on a ~130 MB model: encode, decode, re-encode, and the memory a
// decode allocates (raw_data stays a view, so it should be a tiny fraction of the file).
// Run with `pnpm bench` (builds first) or `node bench/codec.bench.mjs` after `pnpm build`.
import {
  decodeModel,
  encodeModel,
  encodeModelChunks,
  GraphBuilder,
  pruneGraph,
  topologicalOrder,
} from "../dist/index.js";

function build() {
  const b = new GraphBuilder({ opset: 17 });
  let x = b.input("x", "float32", ["batch", "seq", 768]);
  for (let l = 0; l < 12; l++) {
    x = b.scope(`model/layers.${l}`, () => {
      // 12 × (768×768×4 + 768×3072×... ) ≈ 12 × 10.6 MB
      const w1 = b.float32(`l${l}.w1`, [768, 1536], new Float32Array(768 * 1536).fill(0.001));
      const w2 = b.float32(`l${l}.w2`, [1536, 768], new Float32Array(1536 * 768).fill(0.001));
      let h = x;
      for (let k = 0; k < 40; k++) h = b.add(h, b.constFloat(k));
      return b.add(x, b.matMul(b.gelu(b.matMul(h, w1), "tanh"), w2));
    });
  }
  b.output(x, "y");
  return b.toModel();
}

const mb = (n) => (n / 1e6).toFixed(1);
const time = (fn, reps = 5) => {
  const times = [];
  let out;
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    out = fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { out, ms: times[Math.floor(times.length / 2)] };
};

const model = build();
const enc = time(() => encodeModel(model));
const bytes = enc.out;
const dec = time(() => decodeModel(bytes));
const decoded = dec.out;
const mem = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
global.gc?.();
const memBefore = mem();
const kept = decodeModel(bytes);
global.gc?.();
const memGrowth = mem() - memBefore;
const chunks = time(() => encodeModelChunks(decoded));
const re = time(() => encodeModel(decoded));
const identical = Buffer.compare(Buffer.from(re.out), Buffer.from(bytes)) === 0;
const topo = time(() => topologicalOrder(decoded.graph));
const pruneModel = decodeModel(bytes);
pruneModel.graph.output = [{ name: "/model/layers.5/Add_40_output_0", metadataProps: [] }];
const prune = time(() => pruneGraph(pruneModel.graph), 1);
console.log(`@pattern-lens/onnx codec benchmark (Node ${process.version})`);
console.log(
  `  model: ${mb(bytes.length)} MB, ${decoded.graph.node.length} nodes, ${decoded.graph.initializer.length} initializers`,
);
console.log(
  `  encode (built model): ${enc.ms.toFixed(1)} ms  (${((bytes.length / enc.ms) * 1e-3).toFixed(0)} MB/s)`,
);
console.log(
  `  decode:               ${dec.ms.toFixed(1)} ms  (${((bytes.length / dec.ms) * 1e-3).toFixed(0)} MB/s)`,
);
console.log(`  re-encode decoded:    ${re.ms.toFixed(1)} ms  byte-identical: ${identical}`);
console.log(
  `  encodeModelChunks:    ${chunks.ms.toFixed(1)} ms  (${chunks.out.length} chunks; weights not copied)`,
);
console.log(
  `  memory kept by one decoded model: ${mb(memGrowth)} MB${global.gc ? "" : " (run with --expose-gc for an exact figure)"}; ${kept.graph.node.length} nodes`,
);
console.log(
  `  topologicalOrder: ${topo.ms.toFixed(1)} ms; pruneGraph to layer 5: ${prune.ms.toFixed(1)} ms (${pruneModel.graph.node.length} nodes left)`,
);
if (!identical) process.exitCode = 1;
