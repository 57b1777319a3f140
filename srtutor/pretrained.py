"""Pretrained srtutor models: shipped float16 weights with sha256-checked model cards (survey §3.6).

    >>> import srtutor
    >>> net = srtutor.models.pretrained("espcn", 3)          # doctest: +SKIP
    >>> sr = srtutor.models.upscale(net, lr)                 # doctest: +SKIP
    >>> srtutor.pretrained.available_pretrained()            # doctest: +SKIP
    ['espcn-x2', 'espcn-x3', ...]

The weights live in ``srtutor/weights/`` (package data): one ``<recipe>.pt`` per trained network,
a float16 ``state_dict`` saved with ``torch.save``, and ``weights.json``, the **model cards**, one
per ``"<model>-x<scale>"`` (a multi-scale network — VDSR, CARN — fills three cards from one file;
LapSRN ×4's file also fills the ×2 card, ``"partial": true``, with its first pyramid level):
file, sha256, parameter count, the training recipe (:mod:`srtutor.recipes`: data, patch, batch,
loss, schedule, steps, seed), the wall time it took and the Set5/Set14 PSNR/SSIM measured with
the benchmark protocol (:func:`srtutor.evaluate.evaluate_images`) next to bicubic.

Loading checks the file's sha256 against its card before ``torch.load(..., weights_only=True)``
and casts the weights to float32 (or ``dtype``). They were trained on a CPU budget of minutes
to an hour per network with T91 only, so they sit below the papers' figures: the cards and the
benchmark appendix say by how much.

Evaluation protocol (:func:`default_protocol`): ``"srcnn"`` (Y channel resized, the convention
of SRCNN/VDSR's scripts) for 1-channel (Y) models, ``"rgb"`` (RGB resized, Y scored) for RGB
models, as each family's papers did.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Optional, Union

import torch
import torch.nn as nn

from srtutor.io import sha256_file

__all__ = ["WEIGHTS_DIR", "available_pretrained", "model_card", "model_cards", "pretrained", "default_protocol",
           "export_weights", "sha256_file", "PretrainedError",
           "model_callable", "measure"]

#: folder of the shipped weights and of ``weights.json``.
WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
_CARDS = "weights.json"


class PretrainedError(ValueError):
    """Unknown model/scale, missing file or sha256 mismatch of shipped weights."""


def _key(name: str, scale: int) -> str:
    return f"{name.lower()}-x{int(scale)}"


def model_cards(weights_dir: Optional[Union[str, os.PathLike]] = None) -> dict[str, dict[str, Any]]:
    """All model cards, ``{"<model>-x<scale>": card}`` (empty when nothing is shipped)."""
    path = Path(weights_dir or WEIGHTS_DIR) / _CARDS
    if not path.is_file():
        return {}
    with open(path) as f:
        return json.load(f)


def available_pretrained(weights_dir: Optional[Union[str, os.PathLike]] = None) -> list[str]:
    """Names ``"<model>-x<scale>"`` that have shipped weights, sorted."""
    return sorted(model_cards(weights_dir))


def _unknown(name: Any, scale: Any, cards: dict) -> PretrainedError:
    have = ", ".join(sorted(cards)) or "(none shipped)"
    return PretrainedError(f"no pretrained weights for name={name!r}, scale={scale!r}; available: {have}")


def model_card(name: str, scale: int, weights_dir: Optional[Union[str, os.PathLike]] = None) -> dict[str, Any]:
    """The model card of ``name`` at ``scale`` (raises :class:`PretrainedError` listing what exists)."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or float(scale) != int(scale):
        raise TypeError(f"scale must be an integer, got {scale!r}")
    cards = model_cards(weights_dir)
    key = _key(name, int(scale))
    if key not in cards:
        raise _unknown(name, scale, cards)
    return cards[key]


def pretrained(name: str, scale: int, *, device: Any = "cpu", dtype: torch.dtype = torch.float32,
               weights_dir: Optional[Union[str, os.PathLike]] = None, verify: bool = True) -> nn.Module:
    """Build model ``name`` for ``scale`` and load its shipped weights (evaluation mode).

    Args:
        name: registered model name (``"espcn"``, ``"fsrcnn"``, ``"srcnn"`` …).
        scale: integer upscaling factor.
        device: ``"cpu"``, ``"cuda"``, ``"auto"`` or a ``torch.device``.
        dtype: parameter dtype after loading (the files are float16).
        weights_dir: another folder with ``weights.json`` (default: the package's).
        verify: check the file's sha256 against the card (default; the loader refuses a mismatch).

    Returns:
        The network, ``.eval()``, with ``model.card`` holding its model card.

    Raises:
        PretrainedError: unknown name/scale (lists the available ones), missing file, sha256 mismatch.
    """
    from srtutor import get_device
    from srtutor.models import create

    card = model_card(name, scale, weights_dir)
    path = Path(weights_dir or WEIGHTS_DIR) / card["file"]
    if not path.is_file():
        raise PretrainedError(f"weights file {path} listed for {_key(name, scale)} is missing; reinstall srtutor")
    if verify:
        digest = sha256_file(path)
        if digest != card["sha256"]:
            raise PretrainedError(f"sha256 mismatch for {path}: expected {card['sha256']}, got {digest}; "
                                  "the file is corrupted or was replaced — reinstall srtutor or re-export it")
    state = torch.load(path, map_location="cpu", weights_only=True)
    net = create(card["model"], scale=int(card["scale"]), **card.get("kwargs", {}))
    if card.get("partial"):  # the file holds a larger network: LapSRN ×4, whose first level is the ×2 model
        missing = [k for k in net.state_dict() if k not in state]
        if missing:
            raise PretrainedError(f"{path} lacks {len(missing)} tensors of {_key(name, scale)} (e.g. {missing[0]})")
        state = {k: state[k] for k in net.state_dict()}
    net.load_state_dict({k: v.to(dtype) if v.is_floating_point() else v for k, v in state.items()})
    net = net.to(device=get_device(device), dtype=dtype).eval()
    net.card = dict(card)
    return net


def default_protocol(model: nn.Module) -> str:
    """``"srcnn"`` for 1-channel (Y) models, ``"rgb"`` for RGB models (see the module docstring)."""
    from srtutor.models.inference import in_channels

    return "srcnn" if in_channels(model) == 1 else "rgb"


def model_callable(name: str, scale: int, *, device: Any = "auto"):
    """``(fn, protocol)``: ``fn(lr) -> sr`` running pretrained ``name`` (named ``"<name>-x<scale>"``,
    for :func:`srtutor.evaluate.evaluate_images`) and the model's :func:`default_protocol`."""
    from srtutor.models.inference import upscale

    net = pretrained(name, scale, device=device)

    def fn(lr: torch.Tensor) -> torch.Tensor:
        return upscale(net, lr, scale)

    fn.__name__ = _key(name, scale)
    fn.in_channels = getattr(net, "in_channels", 3)  # srtutor.evaluate feeds a Y model the Y LR image
    return fn, default_protocol(net)


def measure(model: nn.Module, scale: int, datasets=("Set5", "Set14"), root=None) -> dict[str, dict[str, Any]]:
    """PSNR/SSIM of ``model`` and of bicubic on the benchmarks present (model's default protocol)."""
    from srtutor.data import benchmark_available, load_benchmark
    from srtutor.evaluate import evaluate_images

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
    """Write a training checkpoint (:func:`srtutor.train.save_checkpoint`) as shipped weights.

    Saves the float16 ``state_dict`` once as ``<recipe.name>.pt`` and writes one model card per
    factor the weights serve (``recipe.card_scales``: VDSR's and CARN's multi-scale networks
    serve ×2/×3/×4 from one file; LapSRN ×4's first level is its ×2 card, marked ``partial``),
    each measured in float16 on Set5/Set14 (:func:`measure`, when the data is present).
    ``extra`` entries override the cards' fields. Returns ``{"<model>-x<s>": card}``.
    """
    from srtutor.models import count_parameters, create
    from srtutor.train import load_checkpoint

    wdir = Path(weights_dir or WEIGHTS_DIR)
    wdir.mkdir(parents=True, exist_ok=True)
    net, meta = load_checkpoint(checkpoint)
    state = {k: (v.half() if v.is_floating_point() else v).contiguous() for k, v in net.state_dict().items()}
    fname = f"{recipe.name}.pt"
    torch.save(state, wdir / fname)
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
    tmp = wdir / (_CARDS + ".tmp")
    with open(tmp, "w") as f:
        json.dump(dict(sorted(cards.items())), f, indent=1)
        f.write("\n")
    os.replace(tmp, wdir / _CARDS)
