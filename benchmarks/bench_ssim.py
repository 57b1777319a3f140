"""Benchmark: ``srtutor.metrics.ssim`` vs ``skimage.metrics.structural_similarity`` on CPU.

Same settings on both sides (the MATLAB protocol: 11x11 Gaussian window, sigma 1.5, K1 0.01,
K2 0.03, population covariance, data_range 1). Prints the median (and min) time of several runs, the
speed ratio (goal: srtutor >= 3x faster) and the absolute difference of the two values.

    .venv/bin/python benchmarks/bench_ssim.py [--size 512] [--repeats 5] [--rounds 3] [--threads N]

Timings depend on the machine and on its load; the script reports what it measured.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np
import torch
from skimage.metrics import structural_similarity

from srtutor import metrics


def times_ms(fn, repeats: int) -> list[float]:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(1e3 * (time.perf_counter() - t0))
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per round")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds (skimage, srtutor)")
    ap.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32",
                    help="dtype of the input tensors given to srtutor (it computes in float64 anyway)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs "
          f"({platform.machine()}), load average before: {os.getloadavg()[0]:.2f}")
    rng = np.random.default_rng(0)
    dtype = getattr(torch, args.dtype)
    ratios = []
    for channels in (1, 3):
        shape = (args.size, args.size) if channels == 1 else (args.size, args.size, channels)
        hr = rng.random(shape)
        sr = np.clip(hr + 0.05 * rng.standard_normal(shape), 0, 1)
        kw = dict(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1.0)
        if channels == 3:
            kw["channel_axis"] = 2
        t_sr = torch.from_numpy(np.atleast_3d(sr).transpose(2, 0, 1).copy()).to(dtype)
        t_hr = torch.from_numpy(np.atleast_3d(hr).transpose(2, 0, 1).copy()).to(dtype)

        ref = structural_similarity(hr, sr, **kw)
        got = metrics.ssim(t_sr, t_hr).item()
        # interleave the two so that a change of machine load hits both alike
        t_sk, t_us = [], []
        for _ in range(args.rounds):
            t_sk += times_ms(lambda: structural_similarity(hr, sr, **kw), args.repeats)
            with torch.inference_mode():
                t_us += times_ms(lambda: metrics.ssim(t_sr, t_hr), args.repeats)
        med_sk, med_us = statistics.median(t_sk), statistics.median(t_us)
        ratios.append(med_sk / med_us)
        print(f"{args.size}x{args.size}x{channels}: skimage median {med_sk:7.2f} ms (min {min(t_sk):6.2f})   "
              f"srtutor median {med_us:7.2f} ms (min {min(t_us):6.2f})   speed-up {med_sk / med_us:5.2f}x "
              f"(of mins {min(t_sk) / min(t_us):5.2f}x)   |diff| {abs(got - ref):.1e}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(f"goal >= 3x: {'met' if min(ratios) >= 3 else 'NOT met'} (min speed-up {min(ratios):.2f}x)")


if __name__ == "__main__":
    main()
