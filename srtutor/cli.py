"""Command line: ``python -m srtutor COMMAND ...`` (also the ``srtutor`` console script).

Commands are argparse sub-commands. Each has an ``add_<name>_parser(subparsers)`` function that
declares its options and sets ``func`` to a ``cmd_<name>(args) -> int`` function; to add one
(``train``, ``upscale`` …), write those two functions and append the first to :data:`COMMANDS`.
The logic lives in the package (here :func:`srtutor.evaluate.evaluate_method`), not in the CLI.

Exit codes: 0 success, 2 usage errors (unknown dataset/method, bad scale, missing data
folder — with a message on stderr that says what to do).

Example::

    python -m srtutor evaluate --method bicubic --dataset Set5 --scale 4 --data-dir data/benchmarks
    python -m srtutor evaluate --dataset Set14 --scale 3 --format json --y-convention srcnn
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Callable, Optional, Sequence

__all__ = ["main", "build_parser", "add_evaluate_parser", "cmd_evaluate", "COMMANDS"]


class _UsageError(Exception):
    """A problem with the user's request: printed without a traceback, exit code 2."""


def _error(prog: str, msg: str) -> int:
    print(f"{prog}: error: {msg}", file=sys.stderr)
    return 2


class _Given(argparse.Action):
    """Store the value and remember that the user gave it (``<dest>_given``)."""

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, values)
        setattr(namespace, f"{self.dest}_given", True)


# --------------------------------------------------------------------------- evaluate
def add_evaluate_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Declare ``srtutor evaluate``."""
    from srtutor.data import BENCHMARKS
    from srtutor.evaluate import METHODS, PROTOCOLS

    p = subparsers.add_parser(
        "evaluate",
        help="PSNR/SSIM of an interpolation baseline on a benchmark (the survey's protocol)",
        description=(
            "Evaluate an upscaling method on a benchmark with the protocol of the SR literature: "
            "modcrop HR to a multiple of the scale, MATLAB bicubic imresize down, the method up, "
            "PSNR and SSIM on the BT.601 Y channel with `scale` pixels cropped at each border."
        ),
    )
    p.add_argument("--method", default="bicubic",
                   help=f"one of {', '.join(METHODS)} (default bicubic), or a model with pretrained weights "
                        "(espcn, fsrcnn, srcnn, vdsr, lapsrn, edsr-baseline, carn: srtutor.pretrained.available_pretrained())")
    p.add_argument("--dataset", required=True,
                   help=f"one of {', '.join(BENCHMARKS)} (aliases BSD100, BSDS100); case-insensitive")
    p.add_argument("--scale", type=int, required=True, help="integer upscaling factor >= 2 (e.g. 2, 3, 4)")
    p.add_argument("--data-dir", default=None,
                   help="folder containing <dataset>/HR/*.png (default: $SRTUTOR_DATA, else ~/.cache/srtutor)")
    p.add_argument("--format", choices=("table", "json"), default="table", help="output format (default table)")
    p.add_argument("--y-convention", "--protocol", dest="protocol", choices=("auto",) + PROTOCOLS, default="auto",
                   help="how the result is scored (an RGB model always sees the RGB LR image). auto (default): "
                        "srcnn for interpolation and Y-channel models, rgb for RGB models. srcnn: score the "
                        "rounded uint8 Y; interpolation and Y models resize the rounded Y as floats -- reproduces "
                        "the published bicubic rows (Set5 x4 28.42/0.8104). rgb: resize uint8 RGB, score unrounded Y")
    p.add_argument("--lr-kernel", choices=("bicubic", "same"), default="bicubic",
                   help="kernel that makes the LR image: bicubic (the benchmarks' BI setting, default) "
                        "or the method's own kernel")
    p.add_argument("--download", action="store_true",
                   help="download the pinned, sha256-verified copy (Set5, Set14, B100) if the folder is missing")
    p.add_argument("--device", default="auto", help="where a model runs and the scores are computed: auto "
                   "(CUDA when present; interpolation always on the CPU), cpu, cuda[:i] (default auto)")
    p.add_argument("--batch-size", type=int, default=8, help="images of equal size per batch (default 8)")
    p.add_argument("--amp", action="store_true", help="run the model in mixed precision (float16 on CUDA, "
                   "bfloat16 on CPU); reported in the output")
    p.add_argument("--workers", type=int, default=None,
                   help="threads decoding and degrading images ahead of the model (default: CPUs, at most 4)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (it is off anyway when stderr "
                   "is not a terminal)")
    p.set_defaults(func=cmd_evaluate)
    return p


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Run ``srtutor evaluate``; prints a table or one JSON object."""
    from srtutor.data import benchmark_name
    from srtutor.evaluate import METHODS, evaluate_method, format_table

    prog = "srtutor evaluate"
    try:
        dataset = benchmark_name(args.dataset)
    except ValueError as exc:
        return _error(prog, str(exc))
    if args.scale < 2:
        return _error(prog, f"--scale must be an integer >= 2, got {args.scale}")
    if args.batch_size < 1:
        return _error(prog, f"--batch-size must be an integer >= 1, got {args.batch_size}")
    if args.workers is not None and args.workers < 0:
        return _error(prog, f"--workers must be an integer >= 0, got {args.workers}")
    method, label, device = args.method, None, None
    if args.method.lower() not in METHODS:  # a model with shipped weights (srtutor.pretrained)
        from srtutor import get_device
        from srtutor.pretrained import PretrainedError, pretrained

        try:
            device = get_device(args.device)
        except ValueError as exc:
            return _error(prog, f"--device: {exc}")
        try:
            method = pretrained(args.method, args.scale, device=device)
        except PretrainedError as exc:
            return _error(prog, f"unknown method {args.method!r}; expected one of {', '.join(METHODS)} "
                                f"or a pretrained model ({exc})")
        label = f"{args.method}-x{args.scale}"
    try:
        result = evaluate_method(method, dataset, args.scale, root=args.data_dir,
                                 protocol=args.protocol, lr_kernel=args.lr_kernel, download=args.download,
                                 name=label, device=device, batch_size=args.batch_size, amp=args.amp,
                                 workers=args.workers, progress=False if args.no_progress else None)
    except FileNotFoundError as exc:
        msg = str(exc).replace("pass root=", "pass --data-dir ").replace("download=True (CLI: --download)", "--download")
        return _error(prog, msg)
    except ValueError as exc:  # e.g. an image too small for the scale
        return _error(prog, str(exc))
    if args.format == "json":
        print(json.dumps(result, indent=2))
    else:
        print(format_table(result))
        print(f"{result['n_images']} images in {result['seconds']:.2f} s: {result['images_per_second']:.1f} images/s "
              f"(device {result['device']}, batches of up to {result['batch_size']}, AMP {'on' if result['amp'] else 'off'})",
              file=sys.stderr)
    return 0


# --------------------------------------------------------------------------- wiring
#: functions adding one sub-command each (append yours).
COMMANDS: list[Callable[[argparse._SubParsersAction], argparse.ArgumentParser]] = [add_evaluate_parser]
from srtutor.cli_train import add_parser as add_train_parser  # noqa: E402  (train sub-command)
COMMANDS.append(add_train_parser)
from srtutor.cli_upscale import add_parser as add_upscale_parser  # noqa: E402  (upscale sub-command)
COMMANDS.append(add_upscale_parser)


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with one sub-parser per entry of :data:`COMMANDS`."""
    from srtutor import __version__

    parser = argparse.ArgumentParser(
        prog="srtutor",
        description="srtutor: companion package to 'Deep Learning for Image Super-resolution: A Survey'.",
    )
    parser.add_argument("--version", action="version", version=f"srtutor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of ``python -m srtutor`` and the ``srtutor`` script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
