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

__all__ = ["save_checkpoint", "load_checkpoint", "read_checkpoint", "load_matching", "atomic_save",
           "check_output_path", "load_model_file"]


def check_output_path(path: PathLike, name: str = "path") -> Path:
    """Check, before any work is done, that ``path`` can be written: not a folder, its folder
    exists and accepts a new file. Raises ``ValueError`` naming ``name`` and the fix."""
    p = Path(path)
    if p.is_dir():
        raise ValueError(f"{name}: {p} is a directory; give a file name such as {p / 'model.pt'}")
    if not p.parent.is_dir():
        raise ValueError(f"{name}: the folder {p.parent} does not exist; create it or choose another path")
    probe = p.parent / f".{p.name}.{os.getpid()}.probe"
    try:
        probe.write_bytes(b"")
    except OSError as exc:
        raise ValueError(f"{name}: cannot write in {p.parent} ({exc.strerror}); choose a writable folder") from exc
    finally:
        probe.unlink(missing_ok=True)
    if p.exists() and not os.access(p, os.W_OK):
        raise ValueError(f"{name}: {p} exists and is not writable; choose another path")
    return p


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


def load_model_file(path: PathLike, name: Optional[str] = None, scale: Optional[int] = None, *,
                    device: Any = "cpu") -> tuple[nn.Module, dict[str, Any]]:
    """A ready network from a checkpoint file of either kind (what ``--checkpoint`` accepts).

    * an srtutor checkpoint (:func:`save_checkpoint`, ``{"state_dict", "meta"}`` with
      ``meta["name"]``): rebuilt from the registry; ``name``, when given, must be its model;
    * a released checkpoint of the papers' authors (or BasicSR): ``name`` is required and
      :func:`srtutor.models.official.load_official` converts it.

    Both are read with ``torch.load(weights_only=True)``.

    Args:
        path: the file.  name: registered model name (required for released checkpoints).
        scale: the factor to run at; checked against what the checkpoint can produce.
        device: where the network goes.

    Returns:
        A pair ``(model, info)``. The model is in evaluation mode; ``info`` is a dict with the keys
        ``kind`` (``"srtutor"`` or ``"official"``), ``name``, ``scale`` and ``path``, plus
        ``source`` for released checkpoints and ``meta`` for srtutor's.

    Raises:
        ValueError: unreadable file, a model or scale that does not fit (the message starts with
            ``checkpoint:`` and says what to change).
    """
    from srtutor.models import model_class
    from srtutor.models.inference import model_scales
    from srtutor.models.official import OfficialCheckpointError, adapters, load_official, read_file

    p = Path(path)
    try:
        obj = read_file(p)
    except OfficialCheckpointError as exc:
        raise ValueError(f"checkpoint: {exc}") from None
    meta = obj.get("meta") if isinstance(obj, dict) else None
    if isinstance(meta, dict) and "name" in meta and "state_dict" in obj:
        own = str(meta["name"]).lower()
        if name is not None and name.lower() != own:
            raise ValueError(f"checkpoint: {p} is an srtutor checkpoint of model {own!r}, not {name!r}; "
                             f"drop the model name or give {own!r}")
        try:
            net = create(own, scale=meta.get("scale", 2), **meta.get("kwargs", {}))
            _net(net).load_state_dict(obj["state_dict"])
        except (RuntimeError, TypeError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0][:300]
            raise ValueError(f"checkpoint: {p} does not fit model {own!r} as its meta describes it: {first}") from None
        allowed = model_scales(net)
        if scale is not None and allowed is not None and int(scale) not in allowed:
            raise ValueError(f"checkpoint: {p} holds a {own!r} network for scale(s) "
                             f"{', '.join(map(str, allowed))}, not {scale}")
        info = {"kind": "srtutor", "name": own, "scale": int(scale) if scale is not None else meta.get("scale"),
                "path": str(p), "meta": meta}
        return net.to(device).eval(), info
    if name is None:
        names = sorted({n for a in adapters() for n in a.names})
        raise ValueError(f"checkpoint: {p} is not an srtutor training checkpoint (no meta['name']); for a released "
                         f"checkpoint, name its model (one of {', '.join(names)})")
    try:
        model_class(name)
    except ValueError as exc:
        raise ValueError(f"checkpoint: {exc}") from None
    try:
        net = load_official(name, obj, scale, device=device)
    except OfficialCheckpointError as exc:
        raise ValueError(f"checkpoint: {str(exc).replace('<state dict>', str(p))}") from None
    return net, {"kind": "official", "name": name.lower(), "scale": scale if scale is not None else
                 net.official.get("scale"), "path": str(p), "source": net.official["source"]}
