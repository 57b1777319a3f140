"""``python -m srtutor train``: train a registered model on a folder of HR images::

    python -m srtutor train --model espcn --scale 3 --data-dir T91/ --steps 20000 \\
        --patch 17 --batch 16 --out espcn_x3.pt [--val Set5] [--threads 1]
    python -m srtutor train --recipe espcn-x3 --out espcn_x3.pt [--full] [--steps N ...]

``--recipe NAME`` (:mod:`srtutor.recipes`) sets model, scale, patch, batch, lr, steps, loss,
schedule and seed of a shipped model's recipe; any of those given explicitly wins. The recipe's
multi-scale factors (VDSR, CARN), deep supervision (LapSRN) and gradient clipping apply too; a
recipe that starts from another one's weights (EDSR-baseline ×3/×4 from ×2) takes them with
``--init PATH`` (tensors whose shape differs, the upsampler, start fresh).

Also runs under ``torchrun --nproc_per_node N -m srtutor train ...`` (DDP, see
:mod:`srtutor.train`). Standalone: ``python -m srtutor.cli_train ...`` takes the same options.
The logic lives in :func:`srtutor.train.train`; this module only parses options.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Optional, Sequence

import torch

import srtutor
from srtutor import data, models
from srtutor.recipes import get_recipe
from srtutor.train import evaluate, init_distributed, load_matching, train


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
    p.add_argument("--val", default=None, help="benchmark name for validation/final scores, e.g. Set5")
    p.add_argument("--val-dir", default=None, help="benchmark root (default $SRTUTOR_DATA)")
    p.add_argument("--val-every", type=int, default=None, help="validate every N steps")
    p.add_argument("--init", default=None, help="start from the weights of this checkpoint (fine-tuning / resuming)")
    p.add_argument("--out", required=True, help="checkpoint path (torch.save of a state_dict + meta)")
    p.add_argument("--device", default="auto")
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (CPU)")
    p.add_argument("--log-every", type=int, default=100)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--no-progress", action="store_true", help="no tqdm bar (logs only)")


#: what the options default to when neither they nor a recipe set them
_DEFAULTS = {"steps": 1000, "patch": 17, "batch": 16, "lr": 1e-3, "loss": "l1", "schedule": "cosine", "seed": 0}


def resolve_options(args: argparse.Namespace) -> tuple[argparse.Namespace, dict]:
    """Fill unset options from ``--recipe`` (if any), then from the defaults.

    Returns the completed namespace and the model's extra constructor kwargs; ``args.train_extra``
    holds the recipe's ``scales``, ``deep_supervision`` and ``grad_clip`` for
    :func:`srtutor.train.train` (empty without a recipe, or when ``--model`` names another model).
    Raises ``ValueError`` when neither ``--recipe`` nor both ``--model`` and ``--scale`` are given.
    """
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
        raise ValueError("give --recipe NAME, or both --model and --scale")
    for key, value in _DEFAULTS.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args, kwargs


def run(args: argparse.Namespace) -> int:
    """Execute the ``train`` subcommand; prints a JSON summary on rank 0."""
    try:
        args, model_kwargs = resolve_options(args)
    except ValueError as exc:
        print(f"srtutor train: error: {exc}", file=sys.stderr)
        return 2
    if args.threads:
        torch.set_num_threads(args.threads)
    srtutor.seed_everything(args.seed)
    rank, world, _ = init_distributed()
    net = models.create(args.model, scale=args.scale, **model_kwargs)
    if args.init:
        fresh = load_matching(net, torch.load(args.init, map_location="cpu", weights_only=True)["state_dict"])
        if fresh and rank == 0:
            print(f"srtutor train: --init {args.init}: trained from scratch: {', '.join(fresh)}", file=sys.stderr)
    elif args.recipe_init and rank == 0:
        print(f"srtutor train: note: recipe {args.recipe} starts from the weights of {args.recipe_init} "
              "(pass --init PATH to its checkpoint); training from scratch", file=sys.stderr)
    images = data.load_training_images(args.data_dir)
    length = args.steps * args.batch * world
    ds = data.PairedPatchDataset(images, scale=args.scale, patch_size=args.patch, length=length, seed=args.seed)
    val = data.load_benchmark(args.val, args.val_dir) if args.val else None
    hist = train(net, ds, steps=args.steps, lr=args.lr, loss=args.loss, schedule=args.schedule, scale=args.scale,
                 batch_size=args.batch, val_images=val, val_every=args.val_every, device=args.device,
                 checkpoint=args.out, checkpoint_meta={"name": args.model, "kwargs": model_kwargs, "recipe": args.recipe},
                 log_every=args.log_every, progress=not args.no_progress, seed=args.seed, **args.train_extra)
    if rank == 0:
        summary = {"model": args.model, "scale": args.scale, "steps": args.steps, "seconds": round(hist.seconds, 1),
                   "world_size": world, "final_loss": hist.loss[-1] if hist.loss else None, "checkpoint": args.out}
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
