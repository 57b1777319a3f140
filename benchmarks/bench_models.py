"""Cost of the chapter 5-6 models: parameters, FLOPs and forward time per image.

    .venv/bin/python benchmarks/bench_models.py [--scale 2] [--lr-size 128] [--threads 2] [--repeat 5]

Prints one row per model: parameters, GFLOPs (FlopCounterMode, 2 per multiply-add) for an
``lr-size``² LR input, and the median forward time on CPU (and CUDA when present). Timings depend
on the machine and its load; they are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json

import torch

from srtutor import models
from srtutor.models.cost import count_flops, time_per_image

NAMES = ["srcnn", "srcnn-915", "vdsr", "fsrcnn", "fsrcnn-s", "espcn", "edsr-baseline", "lapsrn", "dbpn-small",
         "dbpn", "metasr-small", "metasr"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, default=2)
    ap.add_argument("--lr-size", type=int, default=128)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--models", nargs="*", default=NAMES)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    size = (a.lr_size, a.lr_size)
    rows = []
    for name in a.models:
        scale = a.scale if name != "lapsrn" or a.scale in (2, 4, 8) else 2
        net = models.create(name, scale=scale).eval()
        row = {"model": name, "framework": net.upsampling, "scale": scale, "params": models.count_parameters(net),
               "gflops": count_flops(net, size) / 1e9,
               "cpu_ms": 1e3 * time_per_image(net, size, repeats=a.repeat)["median_s"]}
        if torch.cuda.is_available():
            row["cuda_ms"] = 1e3 * time_per_image(net.cuda(), size, repeats=max(a.repeat, 20))["median_s"]
        rows.append(row)
        if not a.json:
            print(f"{name:14s} {row['framework']:12s} x{scale} {row['params']:>11,d} params {row['gflops']:9.2f} GFLOPs "
                  f"{row['cpu_ms']:9.1f} ms CPU" + (f" {row['cuda_ms']:8.2f} ms CUDA" if "cuda_ms" in row else ""),
                  flush=True)
    if a.json:
        print(json.dumps({"lr_size": size, "threads": torch.get_num_threads(), "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
