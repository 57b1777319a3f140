"""Speed of ``srtutor.resize.imresize`` on CPU against PyTorch's and pyiqa's bicubic resizers.

Run from the repository root::

    .venv/bin/python benchmarks/bench_resize.py [--threads 2] [--repeat 9]

Cases (float32): 8×3×512×512 ↓4 and 8×3×128×128 ↑4. Competitors:

* ``torch.nn.functional.interpolate(mode="bicubic", antialias=True, align_corners=False)``
  (a = -0.75 and clamped borders: *not* MATLAB's numbers, only a speed yardstick);
* the MATLAB-exact torch resize shipped in the ``pyiqa`` wheel (``pyiqa/matlab_utils/resize.py``).
  The wheel is fetched with ``pip download --no-deps pyiqa -d benchmarks/.cache`` on first use
  (``benchmarks/.cache`` is git-ignored) and only that one file is loaded from the zip; no
  pyiqa code is committed here.

Prints the median and best time of each, the ratios, and max |srtutor − pyiqa|, with the load
average: on a machine shared with other jobs, ``--threads 2`` numbers are dominated by waits at
every parallel region (srtutor runs one matrix product per block of rows, about 10-20 per call,
where ``interpolate`` runs one kernel per axis); ``--threads 1`` shows the arithmetic alone.
On such a machine ``OMP_WAIT_POLICY=PASSIVE`` (idle OpenMP threads sleep instead of spinning)
removes most of those waits for every competitor::

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python benchmarks/bench_resize.py
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import os
import statistics
import subprocess
import sys
import time
import types
import zipfile
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from srtutor.resize import imresize  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
PYIQA_FILE = "pyiqa/matlab_utils/resize.py"


def load_pyiqa_resize() -> types.ModuleType | None:
    """Load ``pyiqa/matlab_utils/resize.py`` alone from the pyiqa wheel (download if needed)."""
    wheels = sorted(glob.glob(str(CACHE / "pyiqa-*.whl")))
    if not wheels:
        CACHE.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "pyiqa", "-d", str(CACHE)]
        print("fetching the pyiqa wheel:", " ".join(cmd))
        if subprocess.run(cmd, capture_output=True).returncode != 0:
            print("could not download pyiqa; skipping that comparison")
            return None
        wheels = sorted(glob.glob(str(CACHE / "pyiqa-*.whl")))
    with zipfile.ZipFile(wheels[-1]) as zf:
        source = zf.read(PYIQA_FILE).decode()
    for line in source.splitlines():  # it must need nothing but the standard library and torch
        words = line.split()
        if words[:1] in (["import"], ["from"]) and words[1].split(".")[0] not in (
            "math", "typing", "torch", "numpy", "__future__"
        ):
            raise RuntimeError(f"{PYIQA_FILE} imports {words[1]}; add a stub for it")
    spec = importlib.util.spec_from_loader("pyiqa_matlab_resize", loader=None)
    module = importlib.util.module_from_spec(spec)
    exec(compile(source, f"{wheels[-1]}/{PYIQA_FILE}", "exec"), module.__dict__)
    module.__wheel__ = Path(wheels[-1]).name
    return module


def timeit(fns: dict, repeat: int, warmup: int = 2) -> dict[str, list[float]]:
    """Round-robin timing (one run of each competitor per round) so that load from other
    processes hits every competitor alike."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    pyiqa = load_pyiqa_resize()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, float32, CPU; "
          f"median (best) of {args.repeat} round-robin runs after 2 warm-up rounds")
    if pyiqa is not None:
        print(f"pyiqa resize loaded from {pyiqa.__wheel__}")
    print("load average (1, 5, 15 min) at start: %.1f %.1f %.1f on %d CPUs; OMP_WAIT_POLICY=%s"
          % (*os.getloadavg(), os.cpu_count(), os.environ.get("OMP_WAIT_POLICY", "(unset)")))
    gen = torch.Generator().manual_seed(0)
    cases = [("8x3x512x512 down x4", (8, 3, 512, 512), 0.25),
             ("8x3x128x128 up x4", (8, 3, 128, 128), 4.0)]
    for title, shape, scale in cases:
        x = torch.rand(shape, generator=gen)
        out = (round(shape[2] * scale), round(shape[3] * scale))
        fns = {
            "srtutor": lambda: imresize(x, scale=scale),
            "interpolate": lambda: F.interpolate(x, size=out, mode="bicubic", antialias=True,
                                                 align_corners=False),
        }
        if pyiqa is not None:
            fns["pyiqa"] = lambda: pyiqa.imresize(x, scale=scale)
        res = timeit(fns, args.repeat)
        med = {k: statistics.median(v) for k, v in res.items()}
        print(f"\n{title}")
        for k, v in res.items():
            print(f"  {k:12s} {med[k] * 1e3:8.2f} ms  (best {min(v) * 1e3:7.2f} ms)  "
                  f"srtutor/this = {med['srtutor'] / med[k]:.2f}")
        if pyiqa is not None:
            diff = (imresize(x, scale=scale) - pyiqa.imresize(x, scale=scale)).abs().max().item()
            d64 = (imresize(x.double(), scale=scale)
                   - pyiqa.imresize(x.double(), scale=scale)).abs().max().item()
            print(f"  max |srtutor - pyiqa|: {diff:.3g} (float32), {d64:.3g} (float64)")
    print("\nload average at end: %.1f %.1f %.1f" % os.getloadavg())


if __name__ == "__main__":
    main()
