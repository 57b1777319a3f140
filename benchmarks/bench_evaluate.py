"""Benchmark: ``srtutor evaluate`` throughput, and the pipeline against a baseline commit.

Part 1 (side by side): checks out ``--baseline`` (default: the last commit before the evaluation
pipeline) in a temporary ``git worktree`` and runs, alternately, the baseline's and this tree's

    python -m srtutor evaluate --method bicubic --dataset B100 --scale 2 --format json

as separate processes (the whole command: start-up, decoding, protocol, scores), ``--rounds``
times each. It prints the median wall-clock times, the speed-up (goal >= 2x) and the largest
per-image difference of PSNR and SSIM between the two (goal <= 1e-4 dB).

Part 1b (where the time goes): in each round both trees also run, in a fresh process, ``import torch``
+ srtutor and then :func:`srtutor.evaluate.evaluate_method` on the same set, timing the start-up and
the evaluation separately: the start-up (interpreter and ``import torch``, about 1.2 s on an idle
2-core machine) is the same for both trees and bounds the whole-command speed-up. The rest of that
process's wall time ("exit") is mostly CPython's normal shutdown tearing down torch's modules
(about 0.6 s), which the ``srtutor`` command skips (:func:`srtutor.cli.run`).

Part 2 (images/s): :func:`srtutor.evaluate.evaluate_method` in this process for bicubic and a
shipped model (``--model``, default ``carn``: an RGB network) on the CPU, and on CUDA when
present (with and without AMP), as reported by the result's ``images_per_second``.

    flock /tmp/srtutor-cpu.lock .venv/bin/python benchmarks/bench_evaluate.py [--rounds 5] [--data-dir DIR]

Timings depend on the machine and its load; the script reports what it measured.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
#: the last commit of main before the evaluation pipeline (float64 per-image scoring)
BASELINE = "0cb0188"


def _data_dir(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    env = os.environ.get("SRTUTOR_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data" / "benchmarks"


def _run(cwd: Path, args: list[str]) -> tuple[float, dict]:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "srtutor", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=1800)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"command failed in {cwd}:\n{proc.stderr[-2000:]}")
    return seconds, json.loads(proc.stdout)


# Part 1b: the same evaluation split into start-up (interpreter, ``import torch``, srtutor) and the
# evaluation itself (``evaluate_method``: loading, degrading, scoring), each tree in its own process.
_SPLIT = """
import json, sys, time
t0 = time.perf_counter()
import torch
from srtutor.evaluate import evaluate_method
t1 = time.perf_counter()
r = evaluate_method("bicubic", sys.argv[1], int(sys.argv[2]), root=sys.argv[3])
t2 = time.perf_counter()
print(json.dumps({"startup": t1 - t0, "evaluate": t2 - t1, "psnr": float(r["psnr"])}))
"""


def _run_split(cwd: Path, dataset: str, scale: int, data_dir: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _SPLIT, dataset, str(scale), str(data_dir)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=1800)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"split run failed in {cwd}:\n{proc.stderr[-2000:]}")
    rec = json.loads(proc.stdout.strip().splitlines()[-1])
    # the rest of the process's wall time: interpreter start before t0 and, mostly, the normal
    # shutdown after the last line (tearing down torch's modules), which `srtutor` skips
    rec["exit"] = wall - rec["startup"] - rec["evaluate"]
    return rec


def side_by_side(baseline: str, data_dir: Path, dataset: str, scale: int, rounds: int) -> bool:
    args = ["evaluate", "--method", "bicubic", "--dataset", dataset, "--scale", str(scale),
            "--data-dir", str(data_dir), "--format", "json"]
    with tempfile.TemporaryDirectory(prefix="srtutor-baseline-") as tmp:
        base = Path(tmp) / "tree"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(base), baseline],
                       check=True, capture_output=True)
        try:
            commit = subprocess.run(["git", "-C", str(base), "log", "-1", "--format=%h %s"],
                                    capture_output=True, text=True).stdout.strip()
            here = subprocess.run(["git", "-C", str(REPO), "log", "-1", "--format=%h"],
                                  capture_output=True, text=True).stdout.strip()
            dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "srtutor"],
                                   capture_output=True, text=True).stdout.strip()
            print(f"baseline: {commit[:100]}")
            print(f"current:  {here}{' + uncommitted changes' if dirty else ''}")
            print(f"command:  python -m srtutor {' '.join(args)}")
            times = {"baseline": [], "current": []}
            results = {}
            split = {"baseline": [], "current": []}
            for r in range(rounds):
                for label, cwd in (("baseline", base), ("current", REPO)):
                    t, res = _run(cwd, args)
                    times[label].append(t)
                    split[label].append(_run_split(cwd, dataset, scale, data_dir))
                    results[label] = res
                print(f"  round {r + 1}: baseline {times['baseline'][-1]:6.2f} s, current {times['current'][-1]:6.2f} s")
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(base)], capture_output=True)
    b, c = results["baseline"], results["current"]
    dp = max(abs(x["psnr"] - y["psnr"]) for x, y in zip(b["images"], c["images"]))
    ds = max(abs(x["ssim"] - y["ssim"]) for x, y in zip(b["images"], c["images"]))
    same_names = [x["name"] for x in b["images"]] == [y["name"] for y in c["images"]]
    mb, mc = statistics.median(times["baseline"]), statistics.median(times["current"])
    print(f"median: baseline {mb:.2f} s, current {mc:.2f} s -> {mb / mc:.2f}x faster "
          f"({c['n_images']} images; current reports {c.get('images_per_second', float('nan')):.1f} images/s "
          f"inside the command)")
    print(f"means: baseline {b['psnr']:.4f} dB / {b['ssim']:.4f}, current {c['psnr']:.4f} dB / {c['ssim']:.4f}; "
          f"largest per-image difference {dp:.1e} dB PSNR, {ds:.1e} SSIM")
    med = {k: {part: statistics.median(x[part] for x in v) for part in ("startup", "evaluate", "exit")}
           for k, v in split.items()}
    print(f"split (medians, separate processes): start-up (python + import torch + srtutor) baseline "
          f"{med['baseline']['startup']:.2f} s, current {med['current']['startup']:.2f} s; evaluate_method alone "
          f"baseline {med['baseline']['evaluate']:.2f} s, current {med['current']['evaluate']:.2f} s -> "
          f"{med['baseline']['evaluate'] / med['current']['evaluate']:.2f}x faster; interpreter exit after "
          f"`import torch` (normal shutdown, as in the baseline's command) {med['current']['exit']:.2f} s")
    ok = mb / mc >= 2 and dp <= 1e-4 and same_names
    print(f"goal >= 2x faster with the same numbers (<= 1e-4 dB): {'met' if ok else 'NOT met'}")
    return ok


def throughput(data_dir: Path, dataset: str, scale: int, model: str) -> None:
    from srtutor.data import benchmark_files
    from srtutor.evaluate import evaluate_images, evaluate_method
    from srtutor.pretrained import pretrained

    few = dict(list(benchmark_files(dataset, root=data_dir).items())[:2])

    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    print(f"\nimages/s of evaluate_method on {dataset} x{scale} (torch threads {torch.get_num_threads()}):")
    for dev in devices:
        net = pretrained(model, scale, device=dev)
        runs = [("bicubic", "bicubic", False)] + [(f"{model}-x{scale}", net, amp)
                                                  for amp in ((False, True) if dev == "cuda" else (False,))]
        for label, method, amp in runs:
            evaluate_images(few, scale, method, device=dev if label != "bicubic" else None, amp=amp)  # warm-up
            r = evaluate_method(method, dataset, scale, root=data_dir, device=dev if label != "bicubic" else None,
                                amp=amp, progress=False)
            print(f"  {dev:<5} {label:<16} AMP {'on ' if amp else 'off'}  {r['images_per_second']:7.1f} images/s  "
                  f"({r['n_images']} images, {r['seconds']:.2f} s, batches of up to {r['batch_size']}; "
                  f"PSNR {r['psnr']:.4f} dB, SSIM {r['ssim']:.4f}, protocol {r['protocol']})")
    if not torch.cuda.is_available():
        print("  CUDA: not present, not run")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", default=BASELINE, help=f"commit to compare with (default {BASELINE})")
    ap.add_argument("--dataset", default="B100")
    ap.add_argument("--scale", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--model", default="carn", help="shipped model for the images/s part (default carn)")
    ap.add_argument("--skip-baseline", action="store_true", help="only the images/s part")
    ap.add_argument("--skip-throughput", action="store_true", help="only the side-by-side part")
    args = ap.parse_args()
    data_dir = _data_dir(args.data_dir)
    print(f"torch {torch.__version__}, {os.cpu_count()} CPUs, OMP_WAIT_POLICY="
          f"{os.environ.get('OMP_WAIT_POLICY', 'unset')}, load average {os.getloadavg()[0]:.2f}; data {data_dir}")
    if not args.skip_baseline:
        side_by_side(args.baseline, data_dir, args.dataset, args.scale, args.rounds)
    if not args.skip_throughput:
        throughput(data_dir, args.dataset, args.scale, args.model)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
