"""``python -m srtutor train``: train a registered model on a folder of HR images::

    python -m srtutor train --model espcn --scale 3 --data-dir T91/ --steps 20000 \\
        --patch 17 --batch 16 --out espcn_x3.pt [--val Set5] [--threads 1] [--amp bf16]
    python -m srtutor train --recipe espcn-x3 --out espcn_x3.pt [--full] [--steps N ...]
    python -m srtutor train --resume espcn_x3.pt --out espcn_x3.pt      # continue an interrupted run

``--recipe NAME`` (:mod:`srtutor.recipes`) sets model, scale, patch, batch, lr, steps, loss,
schedule and seed of a shipped model's recipe; any of those given explicitly wins. The recipe's
multi-scale factors (VDSR, CARN), deep supervision (LapSRN) and gradient clipping apply too; a
recipe that starts from another one's weights (EDSR-baseline ×3/×4 from ×2) takes them with
``--init PATH`` (tensors whose shape differs, the upsampler, start fresh).

``--resume PATH`` continues the run that wrote ``PATH`` (its checkpoints are written every
``--checkpoint-every`` steps, at each validation and at the end): model, optimiser, schedule,
gradient scaler, step, random states and the options of that run (those given again win; keep
``--steps``, ``--batch`` and ``--patch`` as they were, or the data differ).

``--out`` is checked before anything is loaded (a file name in an existing, writable folder);
a run whose loss turns NaN/inf stops with an ``error:`` line naming the step (exit 2) and
leaves no checkpoint of the diverged network.

Also runs under ``torchrun --nproc_per_node N -m srtutor train ...`` (DDP, see
:mod:`srtutor.train.distributed`; multi-scale models such as ``--recipe carn-x234`` included).
Standalone: ``python -m srtutor.cli_train ...`` takes the same options. The logic lives in
:func:`srtutor.train.train`; this module only parses options.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Optional, Sequence

import torch

import srtutor
from srtutor import data, models
from srtutor.recipes import get_recipe
from srtutor.checkpoint import check_output_path, read_checkpoint
from srtutor.train import JsonLogger, NonFiniteLossError, evaluate, init_distributed, load_matching, train


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``train`` subcommand to an ``argparse`` subparsers object."""
    p = subparsers.add_parser("train", help="train an SR model on HR images (patches, bicubic LR)",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_arguments(p)
    p.set_defaults(func=run)
    return p


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--recipe", default=None,
                   help="named recipe (srtutor.recipes.available_recipes()), e.g. espcn-x3")
    p.add_argument("--full", action="store_true", help="with --recipe: the recipe's full (GPU) step count")
    p.add_argument("--model", default=None, help="registered model name (srtutor.models.available())")
    p.add_argument("--scale", type=int, default=None, help="upscaling factor")
    p.add_argument("--data-dir", default=None,
                   help="folder of HR training images (default: $SRTUTOR_TRAIN_DATA, T91 beside the repo, "
                        "else the embedded images)")
    p.add_argument("--steps", type=int, default=None, help="optimiser steps")
    p.add_argument("--patch", type=int, default=None, help="LR patch side (HR patch = scale * patch)")
    p.add_argument("--batch", type=int, default=None, help="batch size per process")
    p.add_argument("--lr", type=float, default=None, help="initial learning rate (Adam)")
    p.add_argument("--loss", default=None, choices=["l1", "l2", "charbonnier"])
    p.add_argument("--schedule", default=None, choices=["step", "cosine", "constant"])
    p.add_argument("--amp", default="auto", choices=["auto", "off", "fp16", "bf16"],
                   help="mixed precision: auto (fp16 on CUDA, off on CPU), off, fp16 (CUDA), bf16")
    p.add_argument("--val", default=None, help="benchmark name for validation/final scores, e.g. Set5")
    p.add_argument("--val-dir", default=None, help="benchmark root (default $SRTUTOR_DATA)")
    p.add_argument("--val-every", type=int, default=None, help="validate every N steps")
    p.add_argument("--init", default=None, help="start from the weights of this checkpoint (fine-tuning)")
    p.add_argument("--resume", default=None, metavar="PATH",
                   help="continue the run that wrote this checkpoint (optimiser, schedule, step, RNG)")
    p.add_argument("--checkpoint-every", type=int, default=None, metavar="N",
                   help="also write --out every N steps (resumable)")
    p.add_argument("--out", required=True, help="checkpoint path (torch.save of a state_dict + meta)")
    p.add_argument("--time-limit", type=float, default=None, metavar="SECONDS",
                   help="stop after this much training time (that step is the last; for throughput checks)")
    p.add_argument("--workers", type=int, default=0, help="DataLoader worker processes (0: load in the main process)")
    p.add_argument("--channels-last", action="store_true", help="channels-last (NHWC) weights and batches (CUDA)")
    p.add_argument("--device", default="auto")
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (CPU)")
    p.add_argument("--log-every", type=int, default=None, help="record the mean loss every N steps (100)")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--no-progress", action="store_true", help="no tqdm bar (JSON log lines on stderr instead)")


#: what the options default to when neither they nor a recipe set them
_DEFAULTS = {"steps": 1000, "patch": 17, "batch": 16, "lr": 1e-3, "loss": "l1", "schedule": "cosine", "seed": 0}


#: the options stored in a checkpoint's meta["cli"], restored by --resume when not given again
_RUN_OPTIONS = ("recipe", "full", "model", "scale", "data_dir", "steps", "patch", "batch", "lr", "loss", "schedule",
                "seed", "val", "val_dir", "val_every", "amp", "checkpoint_every", "log_every")


class _Usage(ValueError):
    """A user-caused error of the options: one ``error:`` line, exit status 2."""


def _from_resume(args: argparse.Namespace) -> None:
    """Fill the options not given on the command line from the checkpoint of ``--resume``."""
    try:
        ckpt = read_checkpoint(args.resume)
    except (OSError, RuntimeError, ValueError) as exc:
        raise _Usage(f"--resume {args.resume}: cannot read it as an srtutor checkpoint ({exc})") from exc
    if "training" not in ckpt:
        raise _Usage(f"--resume {args.resume}: the file holds weights only, no training state; "
                     "start from it with --init instead")
    given = {k for k in _RUN_OPTIONS if getattr(args, k, None) not in (None, False)}
    for key, value in ckpt["meta"].get("cli", {}).items():
        if key in _RUN_OPTIONS and key not in given and not (key == "amp" and args.amp != "auto"):
            setattr(args, key, value)


def resolve_options(args: argparse.Namespace) -> tuple[argparse.Namespace, dict]:
    """Fill unset options from ``--resume`` (the interrupted run's options), ``--recipe`` (if any),
    then from the defaults.

    Returns the completed namespace and the model's extra constructor kwargs; ``args.train_extra``
    holds the recipe's ``scales``, ``deep_supervision`` and ``grad_clip`` for
    :func:`srtutor.train.train` (empty without a recipe, or when ``--model`` names another model).
    Raises ``ValueError`` naming the option when neither ``--recipe`` nor both ``--model`` and
    ``--scale`` are given, or an option is out of range.
    """
    if getattr(args, "resume", None):
        _from_resume(args)
    kwargs: dict = {}
    args.train_extra, args.recipe_init = {}, None
    if args.recipe:
        r = get_recipe(args.recipe)
        if args.full:
            r = r.full()
        for key in ("model", "scale", *_DEFAULTS):
            if getattr(args, key) is None:
                setattr(args, key, getattr(r, key))
        if args.model == r.model:
            kwargs = dict(r.kwargs)
            args.train_extra = r.train_options()
            args.recipe_init = r.init
    elif args.model is None or args.scale is None:
        raise _Usage("give --recipe NAME, or both --model and --scale")
    for key, value in _DEFAULTS.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.log_every is None:
        args.log_every = 100
    for opt in ("steps", "patch", "batch", "scale", "log_every", "val_every", "checkpoint_every", "threads"):
        v = getattr(args, opt, None)
        if v is not None and v < 1:
            raise _Usage(f"--{opt.replace('_', '-')} must be a positive integer, got {v}")
    if args.time_limit is not None and not args.time_limit > 0:
        raise _Usage(f"--time-limit must be a positive number of seconds, got {args.time_limit}")
    if args.workers < 0:
        raise _Usage(f"--workers must be 0 or more, got {args.workers}")
    if not (args.lr > 0 and math.isfinite(args.lr)):
        raise _Usage(f"--lr must be a positive finite number, got {args.lr}; try e.g. --lr 1e-3")
    return args, kwargs


def _error(msg: str) -> int:
    print(f"srtutor train: error: {msg}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    """Execute the ``train`` subcommand; prints a JSON summary on rank 0. Returns the exit status
    (2, with one ``error:`` line on stderr, for a user-caused failure)."""
    try:
        args, model_kwargs = resolve_options(args)
        check_output_path(args.out, "--out")
    except ValueError as exc:
        return _error(str(exc))
    if args.threads:
        torch.set_num_threads(args.threads)
    srtutor.seed_everything(args.seed)
    rank, world, _ = init_distributed()
    try:
        net = models.create(args.model, scale=args.scale, **model_kwargs)
    except (ValueError, TypeError) as exc:
        return _error(f"--model {args.model} --scale {args.scale}: {exc}")
    if args.init and not args.resume:
        try:
            state = read_checkpoint(args.init)["state_dict"]
            fresh = load_matching(net, state)
        except (OSError, RuntimeError, ValueError) as exc:
            return _error(f"--init {args.init}: {exc}")
        if fresh and rank == 0:
            print(f"srtutor train: --init {args.init}: trained from scratch: {', '.join(fresh)}", file=sys.stderr)
    elif args.recipe_init and not args.resume and rank == 0:
        print(f"srtutor train: note: recipe {args.recipe} starts from the weights of {args.recipe_init} "
              "(pass --init PATH to its checkpoint); training from scratch", file=sys.stderr)
    images = data.load_training_images(args.data_dir)
    length = args.steps * args.batch * world
    try:
        ds = data.PairedPatchDataset(images, scale=args.scale, patch_size=args.patch, length=length, seed=args.seed)
        val = data.load_benchmark(args.val, args.val_dir) if args.val else None
    except (FileNotFoundError, ValueError) as exc:
        return _error(str(exc))
    amp = {"auto": None, "off": False, "fp16": True, "bf16": True}[args.amp]
    amp_dtype = {"fp16": "float16", "bf16": "bfloat16"}.get(args.amp)
    cli_options = {k: getattr(args, k) for k in _RUN_OPTIONS}
    meta = {"name": args.model, "kwargs": model_kwargs, "recipe": args.recipe, "cli": cli_options}
    try:
        hist = train(net, ds, steps=args.steps, lr=args.lr, loss=args.loss, schedule=args.schedule, scale=args.scale,
                     batch_size=args.batch, val_images=val, val_every=args.val_every, device=args.device, amp=amp,
                     amp_dtype=amp_dtype, checkpoint=args.out, checkpoint_meta=meta,
                     checkpoint_every=args.checkpoint_every, log_every=args.log_every, progress=not args.no_progress,
                     callbacks=[JsonLogger()] if args.no_progress else [], seed=args.seed, resume=args.resume,
                     time_limit=args.time_limit, num_workers=args.workers, channels_last=args.channels_last,
                     **args.train_extra)
    except NonFiniteLossError as exc:
        return _error(f"training diverged at step {exc.step}: the loss is not finite (NaN or inf); lower --lr "
                      f"(now {args.lr:g}); no checkpoint of the diverged network was written")
    except ValueError as exc:
        return _error(str(exc).replace("resume:", "--resume:").replace("amp_dtype=", "--amp "))
    if rank == 0:
        summary = {"model": args.model, "scale": args.scale, "steps": hist.step[-1] if hist.step else args.steps,
                   "seconds": round(hist.seconds, 1),
                   "images_per_second": round(hist.images_per_second, 1), "world_size": world,
                   "final_loss": hist.loss[-1] if hist.loss else None, "checkpoint": args.out}
        if val is not None:
            res = evaluate(net, val, args.scale)
            bic = evaluate(None, val, args.scale)
            summary.update({"dataset": args.val, "psnr": res["mean_psnr"], "ssim": res["mean_ssim"],
                            "bicubic_psnr": bic["mean_psnr"], "bicubic_ssim": bic["mean_ssim"],
                            "per_image": [{"name": n, "psnr": p, "ssim": s}
                                          for n, p, s in zip(res["names"], res["psnr"], res["ssim"])]})
        print(json.dumps(summary, indent=1))
    if world > 1:
        torch.distributed.destroy_process_group()
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Standalone entry point: ``python -m srtutor.cli_train --model ... --out ...``."""
    p = argparse.ArgumentParser(prog="srtutor-train", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_arguments(p)
    return run(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
