import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeModel, findNodesByOpType } from "@pattern-lens/onnx";
import { describe, expect, it } from "vitest";
import { buildDemoModel, DEMO_CONFIG, demoSoftmaxName } from "../../src/index.ts";

describe("buildDemoModel", () => {
  it("writes a hub-layout folder, the same bytes every time", async () => {
    const root = mkdtempSync(join(tmpdir(), "pl-demo-build-"));
    const a = await buildDemoModel(join(root, "a"));
    const b = await buildDemoModel(join(root, "b"));
    for (const k of [
      "onnxFile",
      "config",
      "tokenizer",
      "tokenizerConfig",
      "specialTokensMap",
      "prompts",
    ] as const) {
      expect(readFileSync(a[k]).equals(readFileSync(b[k])), k).toBe(true);
    }
    expect(a.onnxFile).toBe(join(root, "a", "onnx", "model.onnx"));
    const cfg = JSON.parse(readFileSync(a.config, "utf8"));
    expect(cfg).toMatchObject({
      n_layer: 2,
      n_head: 4,
      n_embd: 256,
      n_positions: 256,
      vocab_size: 51,
      bos_token_id: 0,
    });
    expect(Object.keys(cfg.pattern_lens_demo.heads)).toHaveLength(8);
    const tokCfg = JSON.parse(readFileSync(a.tokenizerConfig, "utf8"));
    expect(tokCfg.bos_token).toBe("<|endoftext|>");
    const prompts = readFileSync(a.prompts, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(prompts).toHaveLength(14);
  });

  it("is a real ONNX graph: one explicit Softmax per layer, GPT-2 inputs, logits output", async () => {
    const root = mkdtempSync(join(tmpdir(), "pl-demo-build-"));
    const f = await buildDemoModel(join(root, "m"));
    const model = decodeModel(readFileSync(f.onnxFile));
    const g = model.graph!;
    expect(g.input.map((i) => i.name)).toEqual(["input_ids", "attention_mask", "position_ids"]);
    expect(g.output.map((o) => o.name)).toEqual(["logits"]);
    const softmax = findNodesByOpType(g, "Softmax").map((n) => n.name);
    expect(softmax).toEqual(Array.from({ length: DEMO_CONFIG.nLayers }, (_, l) => demoSoftmaxName(l)));
    expect(model.opsetImport.find((o) => (o.domain ?? "") === "")?.version).toBe(17);
  });
});
