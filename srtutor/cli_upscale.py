"""``python -m srtutor upscale IN.png OUT.png --model NAME --scale S``: super-resolve a file.

    python -m srtutor upscale photo.png photo_x3.png --model espcn --scale 3 [--device auto] [--tile 256]
    python -m srtutor upscale photo.png photo_x4.png --model bicubic --scale 4

``--model`` is any model with shipped weights (:func:`srtutor.pretrained.available_pretrained`)
or ``bicubic`` (MATLAB ``imresize``). ``--checkpoint PATH`` runs other weights: an srtutor training
checkpoint (its model is read from the file), or a checkpoint released by a paper's authors with
``--model`` naming its model (:mod:`srtutor.models.official`)::

    python -m srtutor upscale photo.png photo_x4.png --model carn-m --checkpoint carn_m.pth --scale 4

Large images run in overlapping tiles
(:func:`srtutor.tiling.tiled_upscale`; ``--tile 0`` disables tiling), with a progress bar over
the tiles on a terminal (``--no-progress`` hides it, ``--progress`` forces it). Y-only models
(SRCNN, FSRCNN, ESPCN …) super-resolve the luminance and upscale Cb/Cr bicubically. The output
is an 8-bit PNG, written atomically (a temporary file renamed into place: an interrupted run
or a full disk never leaves a truncated OUTPUT). OUTPUT may not be INPUT (also when spelled
differently or reached through a link). An input with a transparent alpha channel needs
``--alpha drop``. Every user error exits 2 with one ``error:`` line.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Optional, Sequence

from srtutor.cli import UsageError


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``upscale`` subcommand to an ``argparse`` subparsers object."""
    p = subparsers.add_parser("upscale", help="super-resolve an image file with a pretrained model",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_arguments(p)
    p.set_defaults(func=run)
    return p


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", help="LR image file (PNG, BMP, JPEG …)")
    p.add_argument("output", help="where to write the SR image (PNG); not the input file")
    p.add_argument("--model", default=None, help="pretrained model name (espcn, fsrcnn, srcnn, vdsr, lapsrn, "
                   "edsr-baseline, carn) or bicubic; with --checkpoint, the model the checkpoint belongs to")
    p.add_argument("--checkpoint", default=None, metavar="PATH",
                   help="weights to use instead of the shipped ones: an srtutor training checkpoint (its model is "
                        "read from the file) or a checkpoint released by a paper's authors, with --model naming its "
                        "model (e.g. --model carn-m --checkpoint carn_m.pth)")
    p.add_argument("--scale", type=int, required=True, help="integer upscaling factor")
    p.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")
    p.add_argument("--tile", type=int, default=256, help="LR tile side for large images (0: no tiling)")
    p.add_argument("--overlap", type=int, default=16, help="LR margin around each tile")
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (CPU)")
    p.add_argument("--alpha", choices=("error", "drop"), default="error",
                   help="an input with a transparent alpha channel: refuse (default) or drop the alpha")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--progress", dest="progress", action="store_true", default=None,
                   help="show a progress bar over the tiles even when stderr is not a terminal")
    g.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")


def _progress_default(progress: Optional[bool]) -> bool:
    """``None`` (auto): a bar only when stderr is a terminal."""
    if progress is not None:
        return bool(progress)
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


def upscale_file(input: str, output: str, model: Optional[str], scale: int, *, device="auto",
                 tile: Optional[int] = 256, overlap: int = 16, progress: Optional[bool] = None, alpha: str = "error",
                 checkpoint: Optional[str] = None) -> dict:
    """Read ``input``, super-resolve it with pretrained ``model`` (or ``"bicubic"``), write ``output``.

    ``checkpoint``: a weights file to use instead of the shipped weights
    (:func:`srtutor.checkpoint.load_model_file`: srtutor's own checkpoints, or the authors' with
    ``model`` naming the model).

    ``output`` is checked before any work: it may not be ``input`` (same file by inode), nor a
    folder. The PNG is written atomically. ``progress``: a tqdm bar over tiles (``None``: when
    stderr is a terminal).

    Returns ``{"input", "output", "model", "scale", "size_in", "size_out", "seconds", "device", "tiles"}``.

    Raises:
        ValueError: output is the input, an unreadable/undecodable input, a bad scale/tile, a checkpoint
            that does not fit (the message starts with ``checkpoint:``).
        srtutor.pretrained.PretrainedError: unknown model or scale.
    """
    import torch

    from srtutor import get_device
    from srtutor.io import check_distinct_files, read_image, write_image

    check_distinct_files(input, output, "input", "output")
    dev = get_device(device)
    net = None
    if checkpoint is not None:
        from srtutor.checkpoint import load_model_file

        net, info = load_model_file(checkpoint, model, scale, device=dev)
        model = info["name"]
    lr = read_image(input, alpha=alpha)
    t0 = time.perf_counter()
    tiles = 1
    if net is None and model.lower() == "bicubic":
        from srtutor.resize import imresize

        sr = imresize(lr, scale=float(scale)).clamp(0, 1)
    else:
        from srtutor.pretrained import pretrained
        from srtutor.tiling import tiled_upscale, tile_count

        if net is None:
            net = pretrained(model, scale, device=dev)
        tiles = tile_count(lr.shape[-2:], tile)
        sr = tiled_upscale(net, lr.to(dev), scale, tile=tile, overlap=overlap, progress=_progress_default(progress))
        if dev.type == "cuda":
            torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    write_image(output, sr.cpu())
    return {"input": str(input), "output": str(output), "model": model, "scale": scale,
            "size_in": list(lr.shape[-2:]), "size_out": list(sr.shape[-2:]), "seconds": round(seconds, 3),
            "device": str(dev), "tiles": tiles}


def run(args: argparse.Namespace) -> int:
    """Execute ``srtutor upscale``; prints one summary line. User errors raise :class:`UsageError`."""
    import torch

    from srtutor.io import same_file
    from srtutor.pretrained import PretrainedError

    if args.scale < 2:
        raise UsageError(f"--scale must be an integer >= 2, got {args.scale}")
    if args.tile < 0:
        raise UsageError(f"--tile must be >= 0 (0 disables tiling), got {args.tile}")
    if args.overlap < 0:
        raise UsageError(f"--overlap must be >= 0, got {args.overlap}")
    if same_file(args.input, args.output):
        raise UsageError(f"OUTPUT {args.output} is the same file as INPUT {args.input}: it would be overwritten; "
                         f"choose another OUTPUT path")
    if args.model is None and args.checkpoint is None:
        raise UsageError("--model is required (a pretrained model name or bicubic), or --checkpoint PATH")
    if args.checkpoint is not None and args.model is not None and args.model.lower() == "bicubic":
        raise UsageError("--checkpoint holds a network; --model bicubic is interpolation. Name the checkpoint's "
                         "model (e.g. --model carn-m) or drop --model for an srtutor training checkpoint")
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        r = upscale_file(args.input, args.output, args.model, args.scale, device=args.device,
                         tile=args.tile, overlap=args.overlap, progress=args.progress, alpha=args.alpha,
                         checkpoint=args.checkpoint)
    except PretrainedError as exc:
        raise UsageError(f"--model/--scale: {exc}") from None
    except FileNotFoundError as exc:
        if "no such image file" in str(exc):
            raise UsageError(f"INPUT {args.input}: no such file; check the path") from None
        raise
    except ValueError as exc:
        msg = str(exc)
        if msg.startswith("checkpoint: "):
            raise UsageError(f"--checkpoint {args.checkpoint}: {msg[len('checkpoint: '):]}") from None
        if msg.startswith("path: "):  # from srtutor.io.read_image
            msg = f"INPUT {args.input}: {msg[len('path: '):]}"
            if "alpha=" in msg:
                msg = msg.split("; pass alpha=")[0] + "; pass --alpha drop to ignore the transparency"
        raise UsageError(msg) from None
    print(f"{r['input']} {r['size_in'][1]}x{r['size_in'][0]} -> {r['output']} {r['size_out'][1]}x{r['size_out'][0]} "
          f"({r['model']} x{r['scale']}, {r['device']}, {r['tiles']} tile{'s' if r['tiles'] != 1 else ''}, "
          f"{r['seconds']:.2f} s)")
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Standalone entry point: ``python -m srtutor.cli_upscale IN OUT --model ... --scale ...``."""
    from srtutor.cli import add_debug_option, run_command

    p = argparse.ArgumentParser(prog="srtutor-upscale", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_arguments(p)
    add_debug_option(p, top=True)
    args = p.parse_args(argv)
    args.command = "upscale"
    return run_command(run, args, "srtutor-upscale")


if __name__ == "__main__":
    sys.exit(main())
