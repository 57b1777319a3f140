"""Exporting a training checkpoint as shipped weights with model cards (the writing side of
:mod:`srtutor.pretrained`): float16 ``state_dict`` file, sha256, parameter count, recipe, wall
time and the Set5/Set14 PSNR/SSIM measured with the benchmark protocol next to bicubic.

Used by ``scripts/train_pretrained.py --export``.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Optional, Union

import torch
import torch.nn as nn

from srtutor.checkpoint import atomic_save, load_checkpoint
from srtutor.data import benchmark_available, load_benchmark
from srtutor.evaluate import evaluate_images
from srtutor.io import atomic_write, sha256_file
from srtutor.models import count_parameters, create
from srtutor.models.zoo import WEIGHTS_DIR, _CARDS, _key, default_protocol, model_cards, pretrained

__all__ = ["measure", "export_weights"]


def measure(model: nn.Module, scale: int, datasets=("Set5", "Set14"), root=None) -> dict[str, dict[str, Any]]:
    """PSNR/SSIM of ``model`` and of bicubic on the benchmarks present (model's default protocol)."""
    protocol = default_protocol(model)
    out: dict[str, dict[str, Any]] = {}
    for ds in datasets:
        if not benchmark_available(ds, root):
            continue
        images = load_benchmark(ds, root, dtype=torch.float64)
        res = evaluate_images(images, scale, model, protocol=protocol, dataset=ds)
        bic = evaluate_images(images, scale, "bicubic", protocol=protocol, dataset=ds)
        out[ds] = {"psnr": round(res["psnr"], 4), "ssim": round(res["ssim"], 4), "protocol": protocol,
                   "bicubic_psnr": round(bic["psnr"], 4), "bicubic_ssim": round(bic["ssim"], 4)}
    return out


def export_weights(checkpoint: Union[str, os.PathLike], recipe, *, data_root=None, note: str = "",
                   weights_dir: Optional[Union[str, os.PathLike]] = None,
                   extra: Optional[dict[str, Any]] = None) -> dict[str, dict[str, Any]]:
    """Write a training checkpoint (:func:`srtutor.checkpoint.save_checkpoint`) as shipped weights.

    Saves the float16 ``state_dict`` once as ``<recipe.name>.pt`` and writes one model card per
    factor the weights serve (``recipe.card_scales``: VDSR's and CARN's multi-scale networks
    serve ×2/×3/×4 from one file; LapSRN ×4's first level is its ×2 card, marked ``partial``),
    each measured in float16 on Set5/Set14 (:func:`measure`, when the data is present).
    ``extra`` entries override the cards' fields. Returns ``{"<model>-x<s>": card}``.
    """
    wdir = Path(weights_dir or WEIGHTS_DIR)
    wdir.mkdir(parents=True, exist_ok=True)
    net, meta = load_checkpoint(checkpoint)
    state = {k: (v.half() if v.is_floating_point() else v).contiguous() for k, v in net.state_dict().items()}
    fname = f"{recipe.name}.pt"
    atomic_save(state, wdir / fname)
    digest = sha256_file(wdir / fname)
    cards = model_cards(wdir)
    out = {}
    for s in recipe.card_scales:
        partial = not recipe.scales and s != recipe.scale
        card = {"model": recipe.model, "scale": s, "kwargs": dict(recipe.kwargs), "file": fname,
                "sha256": digest, "dtype": "float16",
                "params": count_parameters(create(recipe.model, scale=s, **recipe.kwargs)) if partial
                else count_parameters(net),
                "recipe": recipe.as_dict(), "steps": meta.get("steps_run", meta.get("step")),
                "seed": recipe.seed, "data": recipe.data, "train_images": meta.get("train_images"),
                "train_seconds": meta.get("train_seconds"),
                "stages": meta.get("stages"), "init": meta.get("init"), "exported": time.strftime("%Y-%m-%d"),
                "note": note, **({"partial": True} if partial else {}), **dict(extra or {})}
        key = _key(recipe.model, s)
        cards[key] = card
        _write_cards(wdir, cards)
        card["results"] = measure(pretrained(recipe.model, s, weights_dir=wdir), s, root=data_root)
        cards[key] = out[key] = card
        _write_cards(wdir, cards)
    return out


def _write_cards(wdir: Path, cards: dict) -> None:
    with atomic_write(wdir / _CARDS, "w") as f:
        json.dump(dict(sorted(cards.items())), f, indent=1)
        f.write("\n")
