"""Command line: ``python -m srtutor COMMAND ...`` (also the ``srtutor`` console script).

Commands are argparse sub-commands. Each has an ``add_<name>_parser(subparsers)`` function that
declares its options and sets ``func`` to a ``cmd_<name>(args) -> int`` function; to add one,
write those two functions and append the first to :data:`COMMANDS`. The logic lives in the
package (here :func:`srtutor.evaluate.evaluate_method`), not in the CLI.

**One error path.** Every failure a user can cause ends with exit code 2 and one line
``srtutor COMMAND: error: <what is wrong and how to fix it>`` on stderr, naming the option:

* a command raises :class:`UsageError` (or calls ``parser.error``) for a bad request;
* :func:`main` checks the options every command shares before any work starts: ``--threads``
  (>= 1), ``--device`` (CUDA requested but absent), output paths (``upscale OUTPUT``,
  ``train --out``: not a folder, in a writable place);
* :func:`main` maps what the library raises from user input — ``ValueError``/``TypeError``
  (bad values, undecodable or oversized images, checksum mismatches, incomplete benchmark
  folders), ``OSError`` (missing or unwritable files, network failures, a full disk),
  ``FloatingPointError`` (a training run whose loss became NaN/inf), running out of memory — to
  that line.

Only bugs give tracebacks, and ``--debug`` (before or after the command) shows the traceback
of any error. ``Ctrl-C`` exits with 130 and one line.

Example::

    python -m srtutor evaluate --method bicubic --dataset Set5 --scale 4 --data-dir data/benchmarks
    python -m srtutor evaluate --dataset Set14 --scale 3 --format json --y-convention srcnn
"""

from __future__ import annotations

import argparse
import atexit
import errno
import importlib
import json
import os
import sys
from pathlib import Path
from typing import Callable, NoReturn, Optional, Sequence

__all__ = ["main", "build_parser", "add_evaluate_parser", "cmd_evaluate", "COMMANDS", "UsageError",
           "check_output_path", "check_device", "check_threads", "run_command"]


class UsageError(Exception):
    """A problem with the user's request: printed as one ``error:`` line, exit code 2.

    The message names the option and says how to fix it, e.g.
    ``UsageError("--scale must be an integer >= 2, got 1")``.
    """


_UsageError = UsageError  # the name used before the interface was fixed


def _error(prog: str, msg: str) -> int:
    print(f"{prog}: error: {' '.join(str(msg).split())}", file=sys.stderr)
    return 2


def check_output_path(path: str | os.PathLike, option: str) -> Path:
    """Check, before any work, that ``path`` can be written: raises :class:`UsageError` if not.

    ``path`` must not be an existing folder, its nearest existing parent must be a writable
    folder (missing parents are created when writing), and an existing file must be a
    regular file.
    """
    p = Path(path).expanduser()
    if p.is_dir():
        raise UsageError(f"{option} {path} is a folder; give a file name inside it")
    parent = p.parent
    while not parent.exists():
        if parent == parent.parent:
            break
        parent = parent.parent
    if not parent.is_dir():
        raise UsageError(f"{option} {path}: {parent} is not a folder; choose another path")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {path}: the folder {parent} is not writable; choose a path in a folder you can write")
    if p.exists() and not p.is_file():
        raise UsageError(f"{option} {path} exists and is not a regular file; choose another path")
    return p


def check_threads(threads: Optional[int], option: str = "--threads") -> None:
    """``--threads`` must be a positive integer."""
    if threads is not None and threads < 1:
        raise UsageError(f"{option} must be an integer >= 1 (CPU threads for torch), got {threads}")


def check_device(device: Optional[str], option: str = "--device") -> None:
    """``--device`` must name a device that exists here (``auto``, ``cpu``, ``cuda[:i]``, ``mps``)."""
    if device is None or device == "auto":
        return
    import torch

    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise UsageError(f"{option} {device!r} is not a device; use auto, cpu or cuda (cuda:N)") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise UsageError(f"{option} {device}: CUDA is not available on this machine (torch {torch.__version__}, "
                             f"{'no GPU found' if torch.version.cuda else 'a CPU-only build'}); use --device cpu or auto")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise UsageError(f"{option} {device}: only {torch.cuda.device_count()} CUDA device(s) here; "
                             f"use cuda:0 .. cuda:{torch.cuda.device_count() - 1}")
    elif dev.type == "mps":
        if not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
            raise UsageError(f"{option} mps: Apple's MPS backend is not available here; use --device cpu or auto")
    elif dev.type != "cpu":
        raise UsageError(f"{option} {device!r} is not supported; use auto, cpu or cuda")


#: output options checked before a command runs: command -> [(attribute, option as the user sees it)]
OUTPUT_OPTIONS: dict[str, list[tuple[str, str]]] = {"upscale": [("output", "OUTPUT")], "train": [("out", "--out")]}


def _precheck(args: argparse.Namespace) -> None:
    """The checks every command shares, done before any work (see the module docstring)."""
    check_threads(getattr(args, "threads", None))
    if hasattr(args, "device"):
        check_device(args.device)
    for attr, option in OUTPUT_OPTIONS.get(getattr(args, "command", None) or "", []):
        if getattr(args, attr, None):
            check_output_path(getattr(args, attr), option)


def _user_errors() -> tuple[type[BaseException], ...]:
    """Exception types that come from user input (mapped to an ``error:`` line, exit 2)."""
    # ValueError covers srtutor.data.ChecksumError/BenchmarkError and PretrainedError; OSError covers
    # srtutor.data.DownloadError; FloatingPointError the engine's NonFiniteLossError (a diverged run)
    errs: list[type[BaseException]] = [UsageError, ValueError, TypeError, OSError, MemoryError, FloatingPointError]
    torch = sys.modules.get("torch")
    if torch is not None and hasattr(torch, "OutOfMemoryError"):
        errs.append(torch.OutOfMemoryError)
    return tuple(errs)


def _message(exc: BaseException) -> str:
    msg = str(exc) or type(exc).__name__
    if isinstance(exc, MemoryError) or type(exc).__name__ == "OutOfMemoryError":
        msg = (f"out of memory ({msg.splitlines()[0] if msg else 'MemoryError'}); use a smaller --tile or "
               f"--batch, a smaller input, or --device cpu")
    elif isinstance(exc, OSError):
        if exc.filename and str(exc.filename) not in msg:
            msg = f"{msg}: {exc.filename}"
        if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
            msg += ("; the disk is full or a file-size limit was hit (nothing was left half-written): free space "
                    "or choose another output path (OUTPUT, --out, --data-dir)")
        elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            msg += "; choose a path you may write to"
    return msg


def run_command(func: Callable[[argparse.Namespace], int], args: argparse.Namespace, prog: str) -> int:
    """Run ``func(args)`` through the one error path (see the module docstring); returns the exit code."""
    debug = bool(getattr(args, "debug", False))
    try:
        _precheck(args)
        return int(func(args) or 0)
    except KeyboardInterrupt:
        if debug:
            raise
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except _user_errors() as exc:
        if debug:
            raise
        return _error(prog, _message(exc))


def add_debug_option(p: argparse.ArgumentParser, *, top: bool = False) -> None:
    """``--debug``: show tracebacks (accepted before and after the command name)."""
    p.add_argument("--debug", action="store_true", default=False if top else argparse.SUPPRESS,
                   help="show the full traceback of an error (for bug reports)")


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
    p.add_argument("--method", "--model", dest="method", default="bicubic",
                   help=f"one of {', '.join(METHODS)} (default bicubic), or a model with pretrained weights "
                        "(espcn, fsrcnn, srcnn, vdsr, lapsrn, edsr-baseline, carn: srtutor.pretrained.available_pretrained()); "
                        "with --checkpoint, the model the checkpoint belongs to")
    p.add_argument("--checkpoint", default=None, metavar="PATH",
                   help="weights to evaluate instead of the shipped ones: an srtutor training checkpoint "
                        "(python -m srtutor train; its model is read from the file) or a checkpoint released by "
                        "a paper's authors, with --model naming its model (e.g. --model carn-m --checkpoint "
                        "carn_m.pth; srtutor.models.official)")
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
                   help="download the pinned, sha256-verified files that are missing or wrong (see: srtutor data)")
    p.add_argument("--no-verify", action="store_true",
                   help="score the PNG files of the folder as they are, without checking them against the pinned "
                        "set (your own images; the output counts and names them)")
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
    """Run ``srtutor evaluate``; prints a table or one JSON object. User errors raise :class:`UsageError`."""
    from srtutor.data import benchmark_name
    from srtutor.evaluate import METHODS, evaluate_method, format_table

    try:
        dataset = benchmark_name(args.dataset)
    except ValueError as exc:
        raise UsageError(f"--dataset: {exc}") from None
    if args.scale < 2:
        raise UsageError(f"--scale must be an integer >= 2, got {args.scale}")
    if args.batch_size < 1:
        raise UsageError(f"--batch-size must be an integer >= 1, got {args.batch_size}")
    if args.workers is not None and args.workers < 0:
        raise UsageError(f"--workers must be an integer >= 0, got {args.workers}")
    method, label, device = args.method, None, None
    if args.checkpoint is not None:
        from srtutor import get_device
        from srtutor.checkpoint import load_model_file

        name = None if args.method == "bicubic" else args.method  # the default: the checkpoint names its model
        if name is not None and name.lower() in METHODS:
            raise UsageError(f"--checkpoint holds a network; --model {args.method} is an interpolation method. "
                             "Name the checkpoint's model (e.g. --model carn-m) or drop --model for an srtutor "
                             "training checkpoint")
        try:
            device = get_device(args.device)
        except ValueError as exc:
            raise UsageError(f"--device: {exc}") from None
        try:
            method, info = load_model_file(args.checkpoint, name, args.scale, device=device)
        except ValueError as exc:
            raise UsageError(f"--checkpoint {args.checkpoint}: {str(exc).removeprefix('checkpoint: ')}") from None
        label = f"{info['name']}-x{args.scale} ({Path(args.checkpoint).name})"
    elif method.lower() not in METHODS:  # a model with shipped weights (srtutor.pretrained)
        from srtutor import get_device
        from srtutor.pretrained import PretrainedError, pretrained

        try:
            device = get_device(args.device)
        except ValueError as exc:
            raise UsageError(f"--device: {exc}") from None
        try:
            method = pretrained(args.method, args.scale, device=device)
        except PretrainedError as exc:
            raise UsageError(f"--method: unknown method {args.method!r}; expected one of {', '.join(METHODS)} "
                             f"or a pretrained model ({exc}); for other weights add --checkpoint PATH") from None
        label = f"{args.method}-x{args.scale}"
    options = dict(protocol=args.protocol, lr_kernel=args.lr_kernel, name=label, device=device,
                   batch_size=args.batch_size, amp=args.amp, workers=args.workers,
                   progress=False if args.no_progress else None)
    try:
        if args.no_verify:
            from srtutor.data import benchmark_files
            from srtutor.evaluate import evaluate_images

            files = benchmark_files(dataset, args.data_dir, verify=False)
            result = evaluate_images(files, args.scale, method, dataset=dataset, **options)
        else:
            result = evaluate_method(method, dataset, args.scale, root=args.data_dir, download=args.download,
                                     **options)
    except (FileNotFoundError, ValueError) as exc:
        from srtutor.data import BenchmarkError

        if not isinstance(exc, (FileNotFoundError, BenchmarkError)):
            raise  # other ValueErrors (an image too small for the scale ...): the one error path in main()
        msg = (str(exc).replace("pass root=", "pass --data-dir ")
               .replace("download=True (CLI: --download)", "--download")
               .replace("verify=False (CLI: --no-verify)", "--no-verify"))
        raise UsageError(f"--dataset {dataset}: {msg}") from None
    from srtutor.data import set_folder

    result["verified"] = not args.no_verify
    result["folder"] = str(set_folder(dataset, args.data_dir))
    if args.format == "json":
        print(json.dumps(result, indent=2))
    else:
        if args.no_verify:
            names = [r["name"] for r in result["images"]]
            print(f"note: --no-verify: {len(names)} unverified images from {result['folder']} scored as "
                  f"{dataset!r}: {', '.join(names)}")
        print(format_table(result))
        print(f"{result['n_images']} images in {result['seconds']:.2f} s: {result['images_per_second']:.1f} images/s "
              f"(device {result['device']}, batches of up to {result['batch_size']}, AMP {'on' if result['amp'] else 'off'})",
              file=sys.stderr)
    return 0


# --------------------------------------------------------------------------- wiring
def _lazy(module: str) -> Callable[[argparse._SubParsersAction], argparse.ArgumentParser]:
    """``add_parser`` of a command module, imported only when the parser is built."""

    def add(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
        return importlib.import_module(module).add_parser(subparsers)

    add.__name__ = f"add_parser[{module}]"
    return add


#: functions adding one sub-command each (append yours).
COMMANDS: list[Callable[[argparse._SubParsersAction], argparse.ArgumentParser]] = [
    add_evaluate_parser, _lazy("srtutor.cli_train"), _lazy("srtutor.cli_upscale"), _lazy("srtutor.cli_data"),
]


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with one sub-parser per entry of :data:`COMMANDS`."""
    from srtutor import __version__

    parser = argparse.ArgumentParser(
        prog="srtutor",
        description="srtutor: companion package to 'Deep Learning for Image Super-resolution: A Survey'.",
    )
    parser.add_argument("--version", action="version", version=f"srtutor {__version__}")
    add_debug_option(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in COMMANDS:
        p = add(sub)
        if p is not None and "--debug" not in p._option_string_actions:
            add_debug_option(p)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of ``python -m srtutor`` and the ``srtutor`` script; returns the exit code.

    Usage errors found by argparse exit (``SystemExit(2)``) with argparse's usage message.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    return run_command(args.func, args, f"srtutor {args.command}")


def run(argv: Optional[Sequence[str]] = None) -> NoReturn:
    """The ``srtutor`` script and ``python -m srtutor``: :func:`main`, then a prompt exit.

    Once the command is done, its output is flushed and the ``atexit`` handlers have run (files
    are written atomically and closed before that), the process ends with :func:`os._exit`.
    CPython's normal shutdown would then tear down every module that ``import torch`` loaded,
    which takes about 0.6 s on a 2-core machine (``benchmarks/bench_evaluate.py`` prints this
    "exit" time): longer than ``evaluate`` needs for Set5. Exceptions other than ``SystemExit``
    (a bug: the traceback matters) end the process the normal way. Library code calls
    :func:`main`, which returns.
    """
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse: usage errors, --help, --version
        code = exc.code
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    _exit_now(code)


def _exit_now(code: int) -> NoReturn:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`) or a closed stream: nothing to lose
            pass
    atexit._run_exitfuncs()  # logging.shutdown, multiprocessing's child clean-up, weakref finalizers
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
