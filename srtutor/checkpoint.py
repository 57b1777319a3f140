"""Checkpoint files: a model's ``state_dict`` plus plain metadata, written atomically and read
with ``torch.load(..., weights_only=True)`` (no pickled code is ever executed).

File layout (a ``dict``)::

    {"state_dict": {name: tensor},          # the network (DDP wrapper removed), on CPU
     "meta": {...},                          # plain values: name, scale, kwargs, step, history…
     "training": {...}}                      # optional: optimiser/scheduler/scaler/RNG state for resuming

``meta["name"]``, ``meta["scale"]`` and ``meta["kwargs"]`` let :func:`load_checkpoint` rebuild
the network from the registry (:func:`srtutor.models.create`). The ``"training"`` entry is what
:mod:`srtutor.train` needs to resume a run bit for bit (``train --resume PATH``).

    >>> from srtutor.checkpoint import save_checkpoint, load_checkpoint
    >>> save_checkpoint("espcn.pt", net, meta={"name": "espcn", "scale": 3})   # doctest: +SKIP
    >>> net, meta = load_checkpoint("espcn.pt")                                 # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping, Optional, Union

import torch
import torch.nn as nn

from srtutor.io import atomic_write
from srtutor.models import create
from srtutor.models.inference import _net

Tensor = torch.Tensor
PathLike = Union[str, os.PathLike]

__all__ = ["save_checkpoint", "load_checkpoint", "read_checkpoint", "load_matching", "atomic_save"]


def atomic_save(obj: Any, path: PathLike) -> Path:
    """``torch.save(obj, path)`` through :func:`srtutor.io.atomic_write` (a temporary file in the same
    folder, fsync, ``os.replace``): a reader (or a crash) never sees a half-written file. Creates the
    parent folder."""
    path = Path(path)
    with atomic_write(path) as fh:
        torch.save(obj, fh)
    return path


def save_checkpoint(path: PathLike, model: nn.Module, *, meta: Optional[Mapping[str, Any]] = None,
                    training: Optional[Mapping[str, Any]] = None) -> Path:
    """Save ``{"state_dict", "meta"[, "training"]}`` atomically (plain values only: ``weights_only`` loadable).

    Args:
        path: the file to write (its folder is created).
        model: the network (a ``DistributedDataParallel`` wrapper is removed); tensors go to CPU.
        meta: put ``"name"``, ``"scale"`` and ``"kwargs"`` here so that :func:`load_checkpoint`
            can rebuild the model from the registry.
        training: resumable training state (optimiser, scheduler, scaler, step, RNG), see
            :mod:`srtutor.train`.
    """
    state = {k: v.detach().cpu() for k, v in _net(model).state_dict().items()}
    obj: dict[str, Any] = {"state_dict": state, "meta": dict(meta or {})}
    if training is not None:
        obj["training"] = dict(training)
    return atomic_save(obj, path)


def read_checkpoint(path: PathLike, *, map_location: Any = "cpu") -> dict[str, Any]:
    """The checkpoint dict of ``path`` (``weights_only=True``); ``ValueError`` naming ``path``
    when the file is not an srtutor checkpoint."""
    ckpt = torch.load(path, map_location=map_location, weights_only=True)
    if not isinstance(ckpt, dict) or "state_dict" not in ckpt:
        raise ValueError(f"path: {path} is not an srtutor checkpoint (no 'state_dict' key)")
    return ckpt


def load_checkpoint(path: PathLike, model: Optional[nn.Module] = None, *, map_location: Any = "cpu"
                    ) -> tuple[nn.Module, dict[str, Any]]:
    """Load a checkpoint written by :func:`save_checkpoint`.

    Args:
        path: the file.
        model: the network to fill; ``None`` rebuilds it with
            ``srtutor.models.create(meta["name"], scale=meta["scale"], **meta["kwargs"])``.

    Returns:
        ``(model, meta)``.
    """
    ckpt = read_checkpoint(path, map_location=map_location)
    meta = dict(ckpt.get("meta", {}))
    if model is None:
        if "name" not in meta:
            raise ValueError(f"path: checkpoint {path} has no meta['name']; pass model=")
        model = create(meta["name"], scale=meta.get("scale", 2), **meta.get("kwargs", {}))
    _net(model).load_state_dict(ckpt["state_dict"])
    return model, meta


def load_matching(model: nn.Module, state: Mapping[str, Tensor]) -> list[str]:
    """Copy into ``model`` every tensor of ``state`` whose name and shape match (fine-tuning a
    ×3/×4 network from a ×2 one: EDSR, Lim et al. 2017 §4.1). Returns the names of ``model``'s
    tensors left as they were (e.g. the upsampler); raises ``ValueError`` when nothing matches."""
    own = _net(model).state_dict()
    common = {k: v for k, v in state.items() if k in own and tuple(own[k].shape) == tuple(v.shape)}
    if not common:
        raise ValueError("state: no tensor matches the model's names and shapes")
    own.update({k: v.to(own[k].dtype) for k, v in common.items()})
    _net(model).load_state_dict(own)
    return sorted(k for k in own if k not in common)
