"""SR models, one file per family, and a registry (survey §3.1, §3.3, §3.6).

    >>> import srtutor
    >>> srtutor.models.available()          # doctest: +SKIP
    ['srcnn', 'fsrcnn', ...]
    >>> net = srtutor.models.create("espcn", scale=3)   # doctest: +SKIP

A model family registers its constructors with :func:`register`; each constructor takes
``scale`` as a keyword argument plus its own options.
"""

from __future__ import annotations

import importlib
from typing import Callable

import torch.nn as nn

_REGISTRY: dict[str, Callable[..., nn.Module]] = {}
# modules imported on first use of the registry; each calls register() at import time
_FAMILIES: tuple[str, ...] = ("srcnn", "vdsr", "fsrcnn", "espcn", "edsr", "lapsrn", "dbpn", "metasr",
                              "drrn", "memnet", "carn", "rdn", "rcan", "msrn", "blocknet",
                              "drcn", "dsrn", "fusion", "multitask", "fsrnet")


def register(name: str) -> Callable[[Callable[..., nn.Module]], Callable[..., nn.Module]]:
    """Decorator: register a model constructor under ``name`` (lower case)."""

    def deco(fn: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        key = name.lower()
        if key in _REGISTRY and _REGISTRY[key] is not fn:
            raise ValueError(f"model name {key!r} is already registered")
        _REGISTRY[key] = fn
        return fn

    return deco


def _load_families() -> None:
    for fam in _FAMILIES:
        importlib.import_module(f"{__name__}.{fam}")


def available() -> list[str]:
    """Names accepted by :func:`create`, sorted."""
    _load_families()
    return sorted(_REGISTRY)


def create(name: str, scale: int = 2, **kwargs) -> nn.Module:
    """Build the registered model ``name`` for upscaling factor ``scale``.

    Raises:
        ValueError: unknown ``name`` (the message lists the available ones).
    """
    _load_families()
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    key = name.lower()
    if key not in _REGISTRY:
        raise ValueError(f"unknown model name {name!r}; available: {', '.join(available()) or '(none)'}")
    return _REGISTRY[key](scale=scale, **kwargs)


def count_parameters(model: nn.Module, *, trainable_only: bool = True) -> int:
    """Number of (trainable) parameters of ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


from srtutor.models.inference import framework, predict, upscale  # noqa: E402  (after register)


def pretrained(name: str, scale: int, **kwargs) -> nn.Module:
    """Model ``name`` at ``scale`` with srtutor's shipped weights (:func:`srtutor.pretrained.pretrained`)."""
    from srtutor.pretrained import pretrained as _pretrained

    return _pretrained(name, scale, **kwargs)
