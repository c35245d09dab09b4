/**
 * Download throughput from the mock hub (real HTTP on 127.0.0.1), written into the HF cache layout
 * with the sha256 check, and the cost of a fully cached second resolve. Prints MB/s; never fails
 * on time. Run: pnpm --filter @pattern-lens/models bench
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, bench, describe } from "vitest";
import { resolveModel } from "../src/index.ts";
import { type MockHub, startMockHub } from "../test/fixtures/mock-hub.ts";

const SIZE = 128 * 1024 * 1024; // about: 16 bytes less, plus the protobuf headers
let hub: MockHub;
const dirs: string[] = [];
const seconds: number[] = [];

beforeAll(async () => {
  // a protobuf ModelProto { graph { initializer { raw_data: <bytes> } } } of SIZE bytes in all
  const varint = (n: number) => {
    const out: number[] = [];
    while (n >= 0x80) {
      out.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    out.push(n);
    return out;
  };
  const rawLen = SIZE - 16;
  const tensorHead = [0x4a, ...varint(rawLen)];
  const graphHead = [0x2a, ...varint(tensorHead.length + rawLen)];
  const modelHead = [0x3a, ...varint(graphHead.length + tensorHead.length + rawLen)];
  const head = [...modelHead, ...graphHead, ...tensorHead];
  const data = new Uint8Array(head.length + rawLen);
  data.set(head, 0);
  for (let i = head.length; i < data.length; i += 4096) data[i] = i & 0xff;
  hub = await startMockHub([
    {
      repoId: "bench/big",
      commits: [
        {
          refs: ["main"],
          files: [
            { path: "tokenizer.json", data: "{}" },
            { path: "onnx/model.onnx", data },
          ],
        },
      ],
    },
  ]);
});
afterAll(async () => {
  await hub.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  const mbps = seconds.map((s) => SIZE / 1e6 / s);
  console.log(
    `download ${SIZE / 2 ** 20} MiB (HEAD + CDN GET + write + sha256 check): ` +
      mbps.map((x) => `${x.toFixed(0)} MB/s`).join(", "),
  );
});

describe("hub download", () => {
  bench(
    "128 MiB LFS file into an empty cache",
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "pl-bench-"));
      dirs.push(dir);
      const t0 = performance.now();
      await resolveModel("bench/big", { env: { HF_ENDPOINT: hub.url, HF_HUB_CACHE: dir } });
      seconds.push((performance.now() - t0) / 1000);
    },
    { iterations: 3, warmupIterations: 0, time: 0 },
  );
  bench(
    "resolve again from a warm cache (revision API only)",
    async () => {
      await resolveModel("bench/big", { env: { HF_ENDPOINT: hub.url, HF_HUB_CACHE: dirs[0]! } });
    },
    { iterations: 20, warmupIterations: 2, time: 0 },
  );
  bench(
    "resolve offline from the cache (HF_HUB_OFFLINE=1, no request)",
    async () => {
      await resolveModel("bench/big", { env: { HF_HUB_OFFLINE: "1", HF_HUB_CACHE: dirs[0]! } });
    },
    { iterations: 20, warmupIterations: 2, time: 0 },
  );
});
