"""The Python pattern-lens `raw` path, rebuilt from its documented behaviour, for the figures bench.

Per prompt: np.load the npz; per layer and head: min-max normalise, matplotlib's Blues colormap,
RGB floats to bytes by truncation, Pillow PNG (default settings) written to L{l}/H{h}/raw.png.
Prompts are spread over PROCS processes with multiprocessing, one prompt per task.

Needs numpy, matplotlib and Pillow (Debian: python3-matplotlib, run with /usr/bin/python3).
Usage: python3 python-reference.py SAVE_DIR MODEL PROCS [RUNS] [SETTLE_SECONDS]
SETTLE_SECONDS (default 0): wait this long after clearing a run's figures, before timing it.
Prints one line: median figures/s wall and figures per CPU-second over RUNS fresh runs.
"""

import json
import multiprocessing as mp
import os
import shutil
import sys
import time

import matplotlib
import numpy as np
from PIL import Image

BLUES = matplotlib.colormaps["Blues"]


def render_prompt(args: tuple[str, int]) -> int:
    pdir, n_layers = args
    n = 0
    with np.load(os.path.join(pdir, "activations.npz")) as z:
        for layer in range(n_layers):
            arr = z[f"blocks.{layer}.attn.hook_pattern"][0]
            for head in range(arr.shape[0]):
                m = arr[head]
                lo, hi = m.min(), m.max()
                x = (m - lo) / (hi - lo)
                rgb = (BLUES(x)[:, :, :3] * 255).astype(np.uint8)
                d = os.path.join(pdir, f"L{layer}", f"H{head}")
                os.makedirs(d, exist_ok=True)
                Image.fromarray(rgb, mode="RGB").save(os.path.join(d, "raw.png"), format="PNG")
                n += 1
    return n


def cpu_seconds() -> float:
    own = os.times()
    return own.user + own.system + own.children_user + own.children_system


def main() -> None:
    save, model, procs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    settle = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0
    mdir = os.path.join(save, model)
    cfg = json.load(open(os.path.join(mdir, "model_cfg.json")))
    hashes = [json.loads(line)["hash"] for line in open(os.path.join(mdir, "prompts.jsonl")) if line.strip()]
    tasks = [(os.path.join(mdir, "prompts", h), cfg["n_layers"]) for h in hashes]
    rates, per_cpu = [], []
    for _ in range(runs):
        for pdir, _n in tasks:
            for layer in range(cfg["n_layers"]):
                shutil.rmtree(os.path.join(pdir, f"L{layer}"), ignore_errors=True)
        os.sync()  # let the deletions reach the disk before timing (as the Node bench does)
        time.sleep(settle)
        t0, c0 = time.perf_counter(), cpu_seconds()
        if procs == 1:
            n = sum(render_prompt(t) for t in tasks)
        else:
            with mp.get_context("fork").Pool(procs) as pool:
                n = sum(pool.imap_unordered(render_prompt, tasks))
        rates.append(n / (time.perf_counter() - t0))
        per_cpu.append(n / max(1e-9, cpu_seconds() - c0))
    med = sorted(rates)[len(rates) // 2]
    med_cpu = sorted(per_cpu)[len(per_cpu) // 2]
    print(
        f"python reference (matplotlib+Pillow, {procs} process{'es' if procs > 1 else ''}) {n} figures: "
        f"median {med:.0f} figures/s wall, {med_cpu:.0f} figures per CPU-second "
        f"(wall runs: {', '.join(f'{r:.0f}' for r in rates)})"
    )


if __name__ == "__main__":
    main()
