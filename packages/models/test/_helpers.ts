import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MockHubFile } from "./fixtures/mock-hub.ts";

/** A fresh temp folder; remove it with the returned function. */
export async function tempDir(prefix = "pl-models-"): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Bytes that look like an ONNX file whose initializers live in `locations` (the external-data entry encoding). */
export function fakeOnnx(label: string, locations: string[] = []): Uint8Array {
  const parts: Buffer[] = [Buffer.from(`ONNX-${label}-`), Buffer.alloc(3000, 7)];
  for (const loc of locations) {
    const l = Buffer.from(loc, "utf8");
    parts.push(Buffer.from([0x6a, 0x0a, 0x08]), Buffer.from("location"), Buffer.from([0x12, l.length]), l);
  }
  return Buffer.concat(parts);
}

/** Deterministic pseudo-random bytes. */
export function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A small model repo in hub layout with fp32, fp16 and decoder graphs and external data for fp32. */
export function tinyRepoFiles(tag = "v2"): MockHubFile[] {
  return [
    { path: ".gitattributes", data: "*.onnx filter=lfs diff=lfs merge=lfs -text\n" },
    { path: "README.md", data: `# tiny ${tag}\n` },
    { path: "config.json", data: JSON.stringify({ model_type: "gpt2", n_layer: 2, tag }) },
    { path: "tokenizer.json", data: JSON.stringify({ version: "1.0", model: { type: "BPE" }, tag }) },
    { path: "tokenizer_config.json", data: JSON.stringify({ bos_token: "<|endoftext|>" }) },
    { path: "special_tokens_map.json", data: JSON.stringify({ bos_token: "<|endoftext|>" }) },
    { path: "onnx/model.onnx", data: fakeOnnx(`fp32-${tag}`, ["model.onnx_data"]) },
    { path: "onnx/model.onnx_data", data: bytes(300_000, tag.length + 3) },
    { path: "onnx/model_fp16.onnx", data: fakeOnnx(`fp16-${tag}`) },
    { path: "onnx/decoder_model.onnx", data: fakeOnnx(`dec-${tag}`) },
  ];
}
