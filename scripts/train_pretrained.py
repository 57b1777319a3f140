"""Train a named recipe (srtutor.recipes) and/or export a checkpoint as shipped weights.

    python scripts/train_pretrained.py --recipe espcn-x3 --out ckpt/ [--threads 1] [--steps N] [--full]
    python scripts/train_pretrained.py --recipe vdsr-x234 --out ckpt2/ --init ckpt/vdsr-x234.pt --loss l1  # a stage
    python scripts/train_pretrained.py --recipe espcn-x3 --export ckpt/espcn-x3.pt [--data-dir DIR]

Training writes ``<out>/<recipe>.pt`` (state_dict + meta, weights_only-loadable). ``--export``
measures Set5/Set14 (when the benchmark folder is present), then writes the float16 weights and
the model card(s) (one per factor the weights serve) into ``srtutor/weights/`` (:func:`srtutor.train.export.export_weights`).
The logic lives in the package (srtutor.train, srtutor.train.export); this script only parses options.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--recipe", required=True, help="e.g. espcn-x3 (srtutor.recipes.available_recipes())")
    p.add_argument("--out", default="ckpt", help="folder for the training checkpoint")
    p.add_argument("--steps", type=int, default=None, help="override the recipe's steps")
    p.add_argument("--full", action="store_true", help="use the recipe's full_steps (GPU)")
    p.add_argument("--init", default=None, help="continue from this checkpoint (its stages are kept in the card)")
    p.add_argument("--lr", type=float, default=None, help="override the recipe's learning rate")
    p.add_argument("--loss", default=None, choices=["l1", "l2", "charbonnier"], help="override the recipe's loss")
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    p.add_argument("--device", default="auto")
    p.add_argument("--export", default=None, metavar="CKPT", help="export CKPT into srtutor/weights (no training)")
    p.add_argument("--data-dir", default=None, help="benchmark root for the card's Set5/Set14 figures")
    p.add_argument("--note", default="", help="free text stored in the model card")
    args = p.parse_args(argv)

    import srtutor
    from srtutor import data, models
    from srtutor.recipes import get_recipe
    from srtutor.checkpoint import atomic_save
    from srtutor.train import load_matching, train
    from srtutor.train.export import export_weights

    if args.threads:
        torch.set_num_threads(args.threads)
    recipe = get_recipe(args.recipe)
    if args.full:
        recipe = recipe.full()
    if args.export:
        cards = export_weights(args.export, recipe, data_root=args.data_dir, note=args.note)
        print(json.dumps(cards, indent=1))
        return 0
    srtutor.seed_everything(recipe.seed)
    steps = args.steps or recipe.steps
    lr = args.lr or recipe.lr
    loss = args.loss or recipe.loss
    net = models.create(recipe.model, scale=recipe.scale, **recipe.kwargs)
    stages = []
    init = args.init or (str(Path(args.out) / f"{recipe.init}.pt") if recipe.init else None)
    if init:  # continue a run, or start from another recipe's weights (shapes that differ start fresh)
        ckpt = torch.load(init, map_location="cpu", weights_only=True)
        fresh = load_matching(net, ckpt["state_dict"])
        prior = ckpt.get("meta", {})
        stages = list(prior.get("stages") or [{"steps": prior.get("steps_run", prior.get("step")), "lr": None,
                                              "seconds": prior.get("train_seconds")}])
        if fresh:
            print(f"init from {init}; trained from scratch: {', '.join(fresh)}", file=sys.stderr)
    seed = recipe.seed + len(stages)  # a continued stage sees new patches, not the first stage's again
    images = data.load_training_images()
    ds = data.PairedPatchDataset(images, scale=recipe.scale, patch_size=recipe.patch,
                                 length=steps * recipe.batch, seed=seed)
    out = Path(args.out) / f"{recipe.name}.pt"
    meta = {"name": recipe.model, "kwargs": recipe.kwargs, "recipe": recipe.as_dict(),
            "steps_run": steps + sum(st["steps"] or 0 for st in stages), "train_images": len(images), "init": init}
    hist = train(net, ds, steps=steps, lr=lr, loss=loss, schedule=recipe.schedule,
                 scale=recipe.scale, batch_size=recipe.batch, device=args.device,
                 checkpoint=out, checkpoint_meta=meta, log_every=max(1, steps // 20), progress=True, seed=seed,
                 **recipe.train_options())
    ckpt = torch.load(out, weights_only=True)  # record the wall time in the checkpoint's meta
    ckpt["meta"]["stages"] = stages + [{"steps": steps, "lr": lr, "loss": loss, "seed": seed,
                                           "seconds": round(hist.seconds, 1)}]
    ckpt["meta"]["train_seconds"] = round(sum(st["seconds"] or 0 for st in ckpt["meta"]["stages"]), 1)
    atomic_save(ckpt, out)
    print(json.dumps({"recipe": recipe.name, "steps": steps, "seconds": round(hist.seconds, 1),
                      "loss": hist.loss, "checkpoint": str(out)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
