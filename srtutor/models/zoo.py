"""The model zoo: srtutor's shipped float16 weights and their sha256-checked model cards (load only).

:func:`pretrained` builds a registered model and loads its shipped weights; the public module
is :mod:`srtutor.pretrained` (and ``srtutor.models.pretrained``). Writing weights and cards
(training, measuring, exporting) belongs to the training layer, :mod:`srtutor.train.export`.
Loading checks the file's sha256 against its card before ``torch.load(..., weights_only=True)``
and casts the weights to float32 (or ``dtype``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Optional, Union

import torch
import torch.nn as nn

from srtutor import get_device
from srtutor.io import sha256_file
from srtutor.models import create
from srtutor.models.inference import in_channels, upscale

__all__ = ["WEIGHTS_DIR", "PretrainedError", "available_pretrained", "model_card", "model_cards", "pretrained",
           "default_protocol", "model_callable", "sha256_file"]

#: folder of the shipped weights and of ``weights.json``.
WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights"
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
    return "srcnn" if in_channels(model) == 1 else "rgb"


def model_callable(name: str, scale: int, *, device: Any = "auto"):
    """``(fn, protocol)``: ``fn(lr) -> sr`` running pretrained ``name`` (named ``"<name>-x<scale>"``,
    for :func:`srtutor.evaluate.evaluate_images`) and the model's :func:`default_protocol`."""
    net = pretrained(name, scale, device=device)

    def fn(lr: torch.Tensor) -> torch.Tensor:
        return upscale(net, lr, scale)

    fn.__name__ = _key(name, scale)
    fn.in_channels = in_channels(net)  # srtutor.evaluate feeds a Y model the Y LR image
    return fn, default_protocol(net)
