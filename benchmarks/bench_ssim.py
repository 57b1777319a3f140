"""Benchmark: ``srtutor.metrics.ssim`` vs ``skimage.metrics.structural_similarity`` on CPU.

Same settings on both sides (the MATLAB protocol: 11x11 Gaussian window, sigma 1.5, K1 0.01,
K2 0.03, population covariance, data_range 1) on random 512x512 images, greyscale and RGB.
For each it prints the median wall-clock time of several runs (the two libraries alternate, so
that changes of machine load hit both alike), the median CPU time of the process (less
sensitive to other programs on a shared machine), the speed-ups (goal: srtutor >= 3x faster)
and the difference between the two SSIM values. srtutor is called as users call it: float32
tensors, default ``precision="auto"`` (float32 compute, within 1e-6 of float64; the goal also
asks for that agreement); ``--precision float64`` times the float64 reference path instead.
``benchmarks/bench_metrics.py`` compares with every peer (kornia, pytorch_msssim, torchmetrics).

    .venv/bin/python benchmarks/bench_ssim.py [--size 512] [--repeats 5] [--rounds 4] [--threads N]

scikit-image runs on one core; ``--threads 1`` compares like with like. Timings depend on the
machine and its load; the script reports what it measured. On a machine shared with many busy
processes, PyTorch's OpenMP threads spin-wait at every op and srtutor can become 10-30x slower
with 2+ threads: use ``--threads 1`` or set ``OMP_WAIT_POLICY=PASSIVE`` there.
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


def timings(fn, repeats: int) -> tuple[list[float], list[float]]:
    """``repeats`` runs of ``fn``: (wall-clock ms, process CPU ms)."""
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(1e3 * (time.perf_counter() - t0))
        cpu.append(1e3 * (time.process_time() - c0))
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per round")
    ap.add_argument("--rounds", type=int, default=4, help="alternating rounds (skimage, srtutor)")
    ap.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32",
                    help="dtype of the tensors given to srtutor")
    ap.add_argument("--precision", choices=["auto", "float32", "float64"], default="auto",
                    help="srtutor's compute precision (auto: float32 for float32 tensors)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} torch threads, {os.cpu_count()} CPUs "
          f"({platform.machine()}), load average {os.getloadavg()[0]:.2f}")
    rng = np.random.default_rng(0)
    dtype = getattr(torch, args.dtype)
    wall_ratios, cpu_ratios, diffs = [], [], []
    for channels in (1, 3):
        shape = (args.size, args.size) if channels == 1 else (args.size, args.size, channels)
        hr = rng.random(shape)
        sr = np.clip(hr + 0.05 * rng.standard_normal(shape), 0, 1)
        kw = dict(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1.0)
        if channels == 3:
            kw["channel_axis"] = 2
        t_sr = torch.from_numpy(np.atleast_3d(sr).transpose(2, 0, 1).copy()).to(dtype)
        t_hr = torch.from_numpy(np.atleast_3d(hr).transpose(2, 0, 1).copy()).to(dtype)

        def run_skimage():
            return structural_similarity(hr, sr, **kw)

        def run_srtutor():
            with torch.inference_mode():
                return metrics.ssim(t_sr, t_hr, precision=args.precision)

        diff = abs(run_srtutor().item() - run_skimage())  # also the warm-up
        diffs.append(diff)
        sk_wall, sk_cpu, us_wall, us_cpu = [], [], [], []
        for _ in range(args.rounds):
            w, c = timings(run_skimage, args.repeats)
            sk_wall += w
            sk_cpu += c
            w, c = timings(run_srtutor, args.repeats)
            us_wall += w
            us_cpu += c
        med = statistics.median
        wall_ratios.append(med(sk_wall) / med(us_wall))
        cpu_ratios.append(med(sk_cpu) / med(us_cpu))
        print(f"{args.size}x{args.size}x{channels}: wall median skimage {med(sk_wall):7.2f} ms, srtutor "
              f"{med(us_wall):7.2f} ms -> {wall_ratios[-1]:5.2f}x | "
              f"CPU median skimage {med(sk_cpu):7.2f} ms, "
              f"srtutor {med(us_cpu):7.2f} ms -> {cpu_ratios[-1]:5.2f}x | |SSIM diff| {diff:.1e}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    ok = min(wall_ratios) >= 3 and max(diffs) <= 1e-6
    print(f"goal >= 3x (wall-clock medians) with |SSIM diff| <= 1e-6: {'met' if ok else 'NOT met'}, "
          f"min speed-up {min(wall_ratios):.2f}x (CPU time: {min(cpu_ratios):.2f}x), "
          f"max |SSIM diff| {max(diffs):.1e}, precision={args.precision}")


if __name__ == "__main__":
    main()
