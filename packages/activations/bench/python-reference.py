"""PyTorch eager reference for the activations bench: the Python pattern-lens path, measured.

The model has GPT-2 small's shape (12 layers, 12 heads, d_model 768, d_mlp 3072, vocabulary 50257,
context 1024) and random weights: pre-LN blocks, causal softmax attention whose probabilities are
kept (what a hook on `hook_pattern` captures), GELU MLP, final LayerNorm and the vocabulary
projection (TransformerLens runs the whole forward pass). It is written with plain torch ops, so
it is faster than TransformerLens itself (no hook points, no einsum): a conservative reference.

Per prompt (one at a time, as pattern-lens runs them), timed: the forward pass under
torch.inference_mode, the patterns to float32 numpy, and np.savez_compressed of
`blocks.{i}.attn.hook_pattern` [1, H, n, n] into OUT_DIR/<i>/activations.npz.

Needs torch and numpy (Debian: python3-torch; run with /usr/bin/python3).
Usage: python3 python-reference.py TOKENS_JSON OUT_DIR THREADS RUNS
TOKENS_JSON is a list of token-id lists. Prints one JSON line:
{"tokens", "prompts", "seconds": [per run], "cpu": [per run], "save_seconds": [per run], "bytes"}
(save_seconds: the part of the wall time spent converting and writing the npz).
"""

import json
import math
import os
import shutil
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

L, H, D, DH, MLP, V, CTX = 12, 12, 768, 64, 3072, 50257, 1024


class Block(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.ln1 = torch.nn.LayerNorm(D)
        self.qkv = torch.nn.Linear(D, 3 * D)
        self.proj = torch.nn.Linear(D, D)
        self.ln2 = torch.nn.LayerNorm(D)
        self.fc = torch.nn.Linear(D, MLP)
        self.out = torch.nn.Linear(MLP, D)

    def forward(self, x: torch.Tensor, mask: torch.Tensor, patterns: list) -> torch.Tensor:
        n = x.shape[1]
        q, k, v = self.qkv(self.ln1(x)).split(D, dim=-1)
        q, k, v = (t.view(1, n, H, DH).transpose(1, 2) for t in (q, k, v))
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(DH)
        pattern = torch.softmax(scores.masked_fill(mask, float("-inf")), dim=-1)
        patterns.append(pattern)
        z = (pattern @ v).transpose(1, 2).reshape(1, n, D)
        x = x + self.proj(z)
        return x + self.out(F.gelu(self.fc(self.ln2(x))))


class Gpt2Small(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.wte = torch.nn.Embedding(V, D)
        self.wpe = torch.nn.Embedding(CTX, D)
        self.blocks = torch.nn.ModuleList(Block() for _ in range(L))
        self.ln_f = torch.nn.LayerNorm(D)
        self.unembed = torch.nn.Linear(D, V, bias=False)

    def forward(self, ids: torch.Tensor) -> tuple[torch.Tensor, list]:
        n = ids.shape[1]
        x = self.wte(ids) + self.wpe(torch.arange(n).unsqueeze(0))
        mask = torch.ones(n, n, dtype=torch.bool).triu(1)
        patterns: list = []
        for b in self.blocks:
            x = b(x, mask, patterns)
        return self.unembed(self.ln_f(x)), patterns


def run_once(model: Gpt2Small, rows: list, out_dir: str) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds, and the wall seconds spent in np.savez_compressed."""
    t0, c0 = time.perf_counter(), time.process_time()
    saving = 0.0
    with torch.inference_mode():
        for i, row in enumerate(rows):
            _, patterns = model(torch.tensor([row], dtype=torch.long))
            ts = time.perf_counter()
            arrays = {
                f"blocks.{layer}.attn.hook_pattern": p.numpy().astype(np.float32)
                for layer, p in enumerate(patterns)
            }
            d = os.path.join(out_dir, str(i))
            os.makedirs(d, exist_ok=True)
            np.savez_compressed(os.path.join(d, "activations.npz"), **arrays)
            saving += time.perf_counter() - ts
    return time.perf_counter() - t0, time.process_time() - c0, saving


def main() -> None:
    tokens_json, out_dir, threads, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    with open(tokens_json) as f:
        rows = json.load(f)
    model = Gpt2Small().eval()
    with torch.inference_mode():
        model(torch.tensor([rows[0][:16]], dtype=torch.long))  # warm-up
    seconds, cpu, save, size = [], [], [], 0
    for _ in range(runs):
        shutil.rmtree(out_dir, ignore_errors=True)
        os.sync()
        s, c, w = run_once(model, rows, out_dir)
        seconds.append(s)
        cpu.append(c)
        save.append(w)
        size = sum(
            os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(out_dir) for f in fs
        )
    shutil.rmtree(out_dir, ignore_errors=True)
    print(
        json.dumps(
            {
                "tokens": sum(len(r) for r in rows),
                "prompts": len(rows),
                "seconds": seconds,
                "cpu": cpu,
                "save_seconds": save,
                "bytes": size,
            }
        )
    )


if __name__ == "__main__":
    main()
