"""Approximate the Python pattern-lens `raw` path on this machine, for comparison with our bench.

npz -> float32 min-max normalisation -> Blues LUT (matplotlib's table from shared/) -> PNG -> file,
one process. The real path uses matplotlib's colormap call and Pillow's PNG encoder; neither is
installed here, so this uses numpy indexing and zlib (level 6, filter 0), which is, if anything,
faster than matplotlib + Pillow. Usage: python3 python-baseline.py SAVE_DIR MODEL [RUNS]
"""

import json
import os
import shutil
import struct
import sys
import time
import zlib

import numpy as np


def png_bytes(rgb: np.ndarray) -> bytes:
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[r].tobytes() for r in range(h))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def main() -> None:
    save, model = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    here = os.path.dirname(os.path.abspath(__file__))
    shared = os.environ.get("PATTERN_LENS_SHARED", os.path.join(here, "..", "..", "..", "..", "shared"))
    with open(os.path.join(shared, "reference", "matplotlib-blues-lut-uint8.json")) as f:
        lut = np.array(json.load(f)["lut"], dtype=np.uint8)
    cfg = json.load(open(os.path.join(save, model, "model_cfg.json")))
    hashes = [json.loads(line)["hash"] for line in open(os.path.join(save, model, "prompts.jsonl")) if line.strip()]
    rates = []
    per_cpu = []
    for _ in range(runs):
        for h in hashes:
            for layer in range(cfg["n_layers"]):
                shutil.rmtree(os.path.join(save, model, "prompts", h, f"L{layer}"), ignore_errors=True)
        t0 = time.perf_counter()
        c0 = time.process_time()
        n = 0
        for h in hashes:
            pdir = os.path.join(save, model, "prompts", h)
            with np.load(os.path.join(pdir, "activations.npz")) as z:
                for layer in range(cfg["n_layers"]):
                    arr = z[f"blocks.{layer}.attn.hook_pattern"][0]
                    for head in range(arr.shape[0]):
                        m = arr[head]
                        lo, hi = m.min().item(), m.max().item()
                        x = (m - lo) / (hi - lo)
                        idx = np.clip((x * 256).astype(np.int64), 0, 255)
                        d = os.path.join(pdir, f"L{layer}", f"H{head}")
                        os.makedirs(d, exist_ok=True)
                        with open(os.path.join(d, "raw.png"), "wb") as f:
                            f.write(png_bytes(lut[idx]))
                        n += 1
        rates.append(n / (time.perf_counter() - t0))
        per_cpu.append(n / max(1e-9, time.process_time() - c0))
    med = sorted(rates)[len(rates) // 2]
    med_cpu = sorted(per_cpu)[len(per_cpu) // 2]
    print(
        f"python baseline (numpy+zlib, 1 process) {n} figures: median {med:.0f} figures/s wall, "
        f"{med_cpu:.0f} figures per CPU-second (wall runs: {', '.join(f'{r:.0f}' for r in rates)})"
    )


main()
