"""Benchmark: SSIM and MS-SSIM of srtutor vs scikit-image, kornia, pytorch_msssim, torchmetrics.

Same window and constants everywhere (11x11 Gaussian, sigma 1.5, K1 0.01, K2 0.03, population
covariance, data_range 1, per channel then averaged). The mean of the *valid* part of the map
(MATLAB's definition, srtutor's) is also what kornia with ``padding='valid'``, pytorch_msssim
(valid convolution) and scikit-image (whose mean skips the border) compute; torchmetrics pads
the images by reflection and averages the whole 'same'-size map, another definition: its
differences in the agreement table (~1e-2 for SSIM) are that convention, not precision. A peer is
compared only when it is importable (install them for the benchmark, never for the package:
``pip install -c constraints/ci.txt kornia pytorch_msssim torchmetrics``).

Inputs: bicubic x4 results (HR -> MATLAB imresize 1/4 -> x4, rounded to 8 bits) against their
HR images, crops of the benchmark images (Set14 for 512x512, B100 for 256x256; scikit-image's
sample images when the benchmark folder is missing), float32 tensors as in training code:
shapes 1x1x512^2 (Y), 1x3x512^2 and 8x3x256^2. For every shape, metric and torch thread count
the libraries run in alternating rounds and the median wall-clock time of each is printed with
the ratio "fastest peer / srtutor" (>= 1: srtutor at least as fast), then the largest
difference of each library's values from srtutor's float64 reference over all the crops of
that shape. On CUDA (when present) the same table runs on the GPU, and SSIM as a training
loss (forward + backward) is timed against kornia's ``SSIMLoss``.

    flock /tmp/srtutor-cpu.lock .venv/bin/python benchmarks/bench_metrics.py [--threads 1 2] [--rounds 7]

Goals printed at the end: srtutor at least as fast as the fastest peer on every shape and
thread count, for SSIM and MS-SSIM; srtutor's default (float32) within 1e-6 of float64.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
import torch

from srtutor import metrics
from srtutor.io import quantize, read_image
from srtutor.resize import imresize

warnings.filterwarnings("ignore")
SHAPES = ((1, 1, 512), (1, 3, 512), (8, 3, 256))


def _optional(name: str):
    try:
        return importlib.import_module(name)
    except Exception:  # noqa: BLE001  (not installed, or broken: then it is not compared)
        return None


skimage_metrics = _optional("skimage.metrics")
kornia = _optional("kornia")
pytorch_msssim = _optional("pytorch_msssim")
tm_image = _optional("torchmetrics.functional.image")


def _data_root() -> Path | None:
    env = os.environ.get("SRTUTOR_DATA")
    for cand in ([Path(env)] if env else []) + [Path(__file__).resolve().parents[2] / "shared" / "data" / "benchmarks"]:
        if (cand / "Set14" / "HR").is_dir():
            return cand
    return None


def _pool(side: int) -> tuple[list[torch.Tensor], str]:
    """RGB HR crops of ``side`` x ``side`` (float64, 8-bit grid) and where they come from."""
    root = _data_root()
    crops = []
    if root is not None:
        for sub in ("Set14", "B100"):
            for p in sorted((root / sub / "HR").glob("*.png")):
                im = read_image(p, dtype=torch.float64)
                if im.shape[0] == 3 and im.shape[1] >= side and im.shape[2] >= side:
                    crops.append(im[:, :side, :side])
            if len(crops) >= 8:
                break
        if crops:
            return crops, f"{root.name}/Set14+B100 crops"
    from skimage import data as skdata

    for f in ("astronaut", "coffee", "chelsea", "rocket", "immunohistochemistry"):
        a = getattr(skdata, f)()
        if a.shape[0] >= side and a.shape[1] >= side:
            crops.append(torch.from_numpy(a[:side, :side].astype(np.float64) / 255).permute(2, 0, 1))
    return crops, "scikit-image sample images"


def _pairs(shape: tuple[int, int, int]) -> tuple[list[tuple[torch.Tensor, torch.Tensor]], str]:
    """Batches (sr, hr) of ``shape`` = (N, C, side): the first is timed, all are checked."""
    n, c, side = shape
    hrs, source = _pool(side)
    srs = [quantize(imresize(imresize(h, scale=0.25), scale=4.0).clamp(0, 1)) for h in hrs]
    if c == 1:
        from srtutor.color import rgb_to_y

        hrs, srs = [quantize(rgb_to_y(h)) for h in hrs], [quantize(rgb_to_y(s)) for s in srs]
    batches = []
    for i in range(0, len(hrs) - n + 1, n):
        batches.append((torch.stack(srs[i:i + n]), torch.stack(hrs[i:i + n])))
    return batches, source


def libraries(metric: str, device: str) -> dict:
    """``{name: fn(sr, hr) -> per-image values}`` for the libraries present."""
    libs = {}
    if metric == "ssim":
        libs["srtutor"] = lambda a, b: metrics.ssim(a, b, reduction="none")
        if skimage_metrics is not None and device == "cpu":
            def sk(a, b):
                an, bn = a.double().numpy(), b.double().numpy()
                return torch.tensor([skimage_metrics.structural_similarity(
                    x, y, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1.0,
                    channel_axis=0) for x, y in zip(an, bn)])
            libs["scikit-image"] = sk
        if kornia is not None:
            libs["kornia"] = lambda a, b: kornia.metrics.ssim(a, b, 11, padding="valid").mean(dim=(1, 2, 3))
        if pytorch_msssim is not None:
            libs["pytorch_msssim"] = lambda a, b: pytorch_msssim.ssim(a, b, data_range=1.0, size_average=False)
        if tm_image is not None:
            libs["torchmetrics"] = lambda a, b: tm_image.structural_similarity_index_measure(
                a, b, data_range=1.0, reduction="none")
    else:
        libs["srtutor"] = lambda a, b: metrics.ms_ssim(a, b, reduction="none")
        if pytorch_msssim is not None:
            libs["pytorch_msssim"] = lambda a, b: pytorch_msssim.ms_ssim(a, b, data_range=1.0, size_average=False)
        if tm_image is not None:
            libs["torchmetrics"] = lambda a, b: tm_image.multiscale_structural_similarity_index_measure(
                a, b, data_range=1.0, reduction="none", normalize=None)
    return libs


def _time(fn, a, b, repeats: int, device: str) -> list[float]:
    out = []
    for _ in range(repeats):
        if device == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        fn(a, b)
        if device == "cuda":
            torch.cuda.synchronize()
        out.append(1e3 * (time.perf_counter() - t0))
    return out


def run_table(device: str, threads: list[int], rounds: int, repeats: int) -> tuple[list, list]:
    speed_rows, agree_rows = [], []
    for shape in SHAPES:
        batches, source = _pairs(shape)
        if not batches:
            print(f"no {shape[2]}x{shape[2]} images found; skipping {shape}")
            continue
        for metric in ("ssim", "ms-ssim"):
            libs = libraries(metric, device)
            ref_fn = metrics.ssim if metric == "ssim" else metrics.ms_ssim
            # agreement with srtutor's float64 reference over every batch of this shape
            diffs = {name: 0.0 for name in libs}
            with torch.inference_mode():
                for sr, hr in batches:
                    ref = ref_fn(sr, hr, reduction="none", precision="float64")
                    a, b = sr.float().to(device), hr.float().to(device)
                    for name, fn in libs.items():
                        v = fn(a, b).double().cpu().reshape(-1)
                        diffs[name] = max(diffs[name], float((v - ref).abs().max()))
            agree_rows.append((device, shape, metric, len(batches) * shape[0], source, diffs))
            sr, hr = (t.float().to(device) for t in batches[0])
            for t in threads:
                torch.set_num_threads(t)
                times = {name: [] for name in libs}
                with torch.inference_mode():
                    for fn in libs.values():
                        fn(sr, hr)  # warm-up
                    for _ in range(rounds):
                        for name, fn in libs.items():
                            times[name] += _time(fn, sr, hr, repeats, device)
                med = {name: statistics.median(v) for name, v in times.items()}
                speed_rows.append((device, shape, metric, t, med))
    return speed_rows, agree_rows


def print_tables(speed_rows, agree_rows) -> bool:
    names = ["srtutor", "scikit-image", "kornia", "pytorch_msssim", "torchmetrics"]
    met = True
    print("\nmedian wall-clock ms (ratio = fastest peer / srtutor; >= 1.00 means srtutor is at least as fast)")
    head = f"{'device':<6} {'metric':<8} {'input':<12} {'thr':>3} " + " ".join(f"{n:>14}" for n in names)
    print(head + f" {'ratio':>7}")
    for device, shape, metric, t, med in speed_rows:
        peers = {k: v for k, v in med.items() if k != "srtutor"}
        ratio = min(peers.values()) / med["srtutor"] if peers else float("nan")
        met &= bool(peers) and ratio >= 1.0
        cells = " ".join(f"{med[n]:>14.2f}" if n in med else f"{'–':>14}" for n in names)
        print(f"{device:<6} {metric:<8} {shape[0]}x{shape[1]}x{shape[2]}^2 {t:>3} {cells} {ratio:>7.2f}")
    print("\nlargest |value - srtutor float64 reference| over all crops of the shape")
    print(f"{'device':<6} {'metric':<8} {'input':<12} {'images':>6} " + " ".join(f"{n:>14}" for n in names))
    agree = True
    for device, shape, metric, n, source, diffs in agree_rows:
        agree &= diffs["srtutor"] <= 1e-6
        cells = " ".join(f"{diffs[k]:>14.1e}" if k in diffs else f"{'–':>14}" for k in names)
        print(f"{device:<6} {metric:<8} {shape[0]}x{shape[1]}x{shape[2]}^2 {n:>6} {cells}   ({source})")
    print(f"\ngoal: SSIM and MS-SSIM at least as fast as the fastest peer on every shape and thread count: "
          f"{'met' if met else 'NOT met'}")
    print(f"goal: srtutor (float32 by default on float32 inputs) within 1e-6 of float64: {'met' if agree else 'NOT met'}")
    return met and agree


def cuda_loss_benchmark(rounds: int, repeats: int) -> None:
    """SSIM as a training loss on the GPU: forward + backward, srtutor vs kornia's SSIMLoss."""
    g = torch.Generator().manual_seed(0)
    hr = torch.rand(16, 3, 96, 96, generator=g).cuda()
    sr0 = (hr + 0.05 * torch.randn(hr.shape, generator=g).cuda()).clamp(0, 1)
    losses = {"srtutor SSIMLoss": metrics.SSIMLoss()}
    if kornia is not None:
        losses["kornia SSIMLoss"] = kornia.losses.SSIMLoss(11)

    def step(loss):
        sr = sr0.clone().requires_grad_()
        loss(sr, hr).backward()

    times = {k: [] for k in losses}
    for loss in losses.values():
        step(loss)
    for _ in range(rounds):
        for k, loss in losses.items():
            times[k] += _time(lambda a, b, loss=loss: step(loss), None, None, repeats, "cuda")
    print("\nSSIM as a training loss, 16x3x96^2, forward + backward on CUDA (median ms):")
    for k, v in times.items():
        print(f"  {k:<18} {statistics.median(v):8.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--rounds", type=int, default=7, help="alternating rounds over the libraries")
    ap.add_argument("--repeats", type=int, default=3, help="timed calls per library and round")
    ap.add_argument("--no-cuda", action="store_true", help="skip the GPU even when present")
    args = ap.parse_args()
    present = [n for n, m in (("scikit-image", skimage_metrics), ("kornia", kornia),
                              ("pytorch_msssim", pytorch_msssim), ("torchmetrics", tm_image)) if m is not None]
    print(f"torch {torch.__version__}, {os.cpu_count()} CPUs ({platform.machine()}), "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}, load average {os.getloadavg()[0]:.2f}; "
          f"peers present: {', '.join(present) or 'none'}")
    speed, agree = run_table("cpu", args.threads, args.rounds, args.repeats)
    if torch.cuda.is_available() and not args.no_cuda:
        s2, a2 = run_table("cuda", [torch.get_num_threads()], args.rounds, args.repeats)
        speed += s2
        agree += a2
    print_tables(speed, agree)
    if torch.cuda.is_available() and not args.no_cuda:
        cuda_loss_benchmark(args.rounds, args.repeats)
    else:
        print("\nCUDA: not present, GPU rows and the training-loss comparison were not run")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
