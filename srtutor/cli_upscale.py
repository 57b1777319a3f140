"""``python -m srtutor upscale IN.png OUT.png --model NAME --scale S``: super-resolve a file.

    python -m srtutor upscale photo.png photo_x3.png --model espcn --scale 3 [--device auto] [--tile 256]
    python -m srtutor upscale photo.png photo_x4.png --model bicubic --scale 4

``--model`` is any model with shipped weights (:func:`srtutor.pretrained.available_pretrained`)
or ``bicubic`` (MATLAB ``imresize``). Large images run in overlapping tiles
(:func:`srtutor.tiling.tiled_upscale`; ``--tile 0`` disables tiling). Y-only models (SRCNN,
FSRCNN, ESPCN …) super-resolve the luminance and upscale Cb/Cr bicubically. The output is an
8-bit PNG. Exit code 2 on an unknown model/scale or an unreadable input, with a message.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Optional, Sequence


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``upscale`` subcommand to an ``argparse`` subparsers object."""
    p = subparsers.add_parser("upscale", help="super-resolve an image file with a pretrained model",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_arguments(p)
    p.set_defaults(func=run)
    return p


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", help="LR image file (PNG, BMP, JPEG …)")
    p.add_argument("output", help="where to write the SR image (PNG)")
    p.add_argument("--model", required=True, help="pretrained model name (espcn, fsrcnn, srcnn, vdsr, lapsrn, edsr-baseline, carn) or bicubic")
    p.add_argument("--scale", type=int, required=True, help="integer upscaling factor")
    p.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")
    p.add_argument("--tile", type=int, default=256, help="LR tile side for large images (0: no tiling)")
    p.add_argument("--overlap", type=int, default=16, help="LR margin around each tile")
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (CPU)")


def upscale_file(input: str, output: str, model: str, scale: int, *, device="auto", tile: Optional[int] = 256,
                 overlap: int = 16) -> dict:
    """Read ``input``, super-resolve it with pretrained ``model`` (or ``"bicubic"``), write ``output``.

    Returns ``{"input", "output", "model", "scale", "size_in", "size_out", "seconds", "device"}``.
    """
    import torch

    from srtutor import get_device
    from srtutor.io import read_image, write_image

    dev = get_device(device)
    lr = read_image(input)
    t0 = time.perf_counter()
    if model.lower() == "bicubic":
        from srtutor.resize import imresize

        sr = imresize(lr, scale=float(scale)).clamp(0, 1)
    else:
        from srtutor.pretrained import pretrained
        from srtutor.tiling import tiled_upscale

        net = pretrained(model, scale, device=dev)
        sr = tiled_upscale(net, lr.to(dev), scale, tile=tile, overlap=overlap)
        if dev.type == "cuda":
            torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    write_image(output, sr.cpu())
    return {"input": str(input), "output": str(output), "model": model, "scale": scale,
            "size_in": list(lr.shape[-2:]), "size_out": list(sr.shape[-2:]), "seconds": round(seconds, 3),
            "device": str(dev)}


def run(args: argparse.Namespace) -> int:
    """Execute ``srtutor upscale``; prints one summary line."""
    import torch

    from srtutor.pretrained import PretrainedError

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.scale < 2:
        print(f"srtutor upscale: error: --scale must be an integer >= 2, got {args.scale}", file=sys.stderr)
        return 2
    try:
        r = upscale_file(args.input, args.output, args.model, args.scale, device=args.device,
                         tile=args.tile, overlap=args.overlap)
    except (PretrainedError, FileNotFoundError, OSError, ValueError) as exc:
        print(f"srtutor upscale: error: {exc}", file=sys.stderr)
        return 2
    print(f"{r['input']} {r['size_in'][1]}x{r['size_in'][0]} -> {r['output']} {r['size_out'][1]}x{r['size_out'][0]} "
          f"({r['model']} x{r['scale']}, {r['device']}, {r['seconds']:.2f} s)")
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Standalone entry point: ``python -m srtutor.cli_upscale IN OUT --model ... --scale ...``."""
    p = argparse.ArgumentParser(prog="srtutor-upscale", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_arguments(p)
    return run(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
