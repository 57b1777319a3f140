"""SR models, one file per family, and a registry (survey §3.1, §3.3, §3.6).

    >>> import srtutor
    >>> srtutor.models.available()          # doctest: +SKIP
    ['srcnn', 'fsrcnn', ...]
    >>> net = srtutor.models.create("espcn", scale=3)   # doctest: +SKIP

A model family registers its constructors with :func:`register`, naming the model class each
builds. One vocabulary for every class (:mod:`srtutor.models._api`): ``scale`` (checked against
the class's ``supported_scales``), ``channels`` = image channels (1 = Y, 3 = RGB) and
``features`` = body width; :func:`create` checks the keyword arguments against the class's
constructor and raises ``TypeError``/``ValueError`` naming the argument.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, NamedTuple, Optional

import torch.nn as nn

from srtutor.models._api import accepted_kwargs, check_kwargs, check_model_scale, translate_legacy


class _Entry(NamedTuple):
    factory: Callable[..., nn.Module]
    model: type


_REGISTRY: dict[str, _Entry] = {}
# modules imported on first use of the registry; each calls register() at import time
_FAMILIES: tuple[str, ...] = ("srcnn", "vdsr", "fsrcnn", "espcn", "edsr", "lapsrn", "dbpn", "metasr",
                              "drrn", "memnet", "carn", "rdn", "rcan", "msrn", "blocknet",
                              "drcn", "dsrn", "fusion", "multitask", "fsrnet")


def _returned_class(fn: Callable[..., Any]) -> Optional[type]:
    """The class named by ``fn``'s return annotation (``def carn(...) -> CARN``), if it is one."""
    ann = getattr(fn, "__annotations__", {}).get("return")
    if isinstance(ann, str):
        ann = getattr(fn, "__globals__", {}).get(ann)
    return ann if isinstance(ann, type) and issubclass(ann, nn.Module) else None


def register(name: str, model: Optional[type] = None) -> Callable[[Callable[..., nn.Module]], Callable[..., nn.Module]]:
    """Decorator: register a model constructor under ``name`` (lower case).

    ``model`` is the ``nn.Module`` class the constructor builds (default: the decorated object
    itself when it is a class, else the class its return annotation names). :func:`create` checks keyword arguments against that class's
    signature and the scale against its ``supported_scales`` (a tuple of ints, or ``None`` for
    any factor > 0), which every registered class must define.
    """

    def deco(fn: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        key = name.lower()
        cls = model if model is not None else fn if isinstance(fn, type) else _returned_class(fn)
        if not isinstance(cls, type):
            raise TypeError(f"register({name!r}): pass model=<the nn.Module class> for a constructor function")
        if not hasattr(cls, "supported_scales"):
            raise TypeError(f"register({name!r}): {cls.__name__} must define supported_scales "
                            "(a tuple of ints, or None for any scale)")
        if key in _REGISTRY and _REGISTRY[key].factory is not fn:
            raise ValueError(f"model name {key!r} is already registered")
        _REGISTRY[key] = _Entry(fn, cls)
        return fn

    return deco


def _load_families() -> None:
    for fam in _FAMILIES:
        importlib.import_module(f"{__name__}.{fam}")


def available() -> list[str]:
    """Names accepted by :func:`create`, sorted."""
    _load_families()
    return sorted(_REGISTRY)


def model_class(name: str) -> type:
    """The ``nn.Module`` class registered ``name`` builds (raises ``ValueError`` for an unknown name)."""
    _load_families()
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    key = name.lower()
    if key not in _REGISTRY:
        raise ValueError(f"unknown model name {name!r}; available: {', '.join(available()) or '(none)'}")
    return _REGISTRY[key].model


def supported_scales(name: str) -> Optional[tuple[int, ...]]:
    """``supported_scales`` of model ``name``: a tuple of integer factors, or ``None`` (any factor > 0)."""
    return model_class(name).supported_scales


def create(name: str, scale: Any = 2, **kwargs: Any) -> nn.Module:
    """Build the registered model ``name`` for upscaling factor ``scale``.

    Args:
        name: a name from :func:`available` (case-insensitive).
        scale: the factor; checked against the model's ``supported_scales`` (``2.0`` counts as 2).
        **kwargs: constructor arguments of the model class, e.g. ``channels`` (image channels,
            1 = Y or 3 = RGB) and ``features`` (body width). The srtutor 0.1 names ``colors`` (image
            channels) and ``channels`` meaning the width are accepted with a ``DeprecationWarning``
            where unambiguous (:func:`srtutor.models._api.translate_legacy`).

    Raises:
        ValueError: unknown ``name`` (the message lists the available ones), unsupported ``scale``,
            an ambiguous srtutor 0.1 argument.
        TypeError: a keyword argument the model does not take (the message lists those it takes).
    """
    cls = model_class(name)
    key = name.lower()
    scale = check_model_scale(key, cls.supported_scales, scale)
    kwargs = translate_legacy(cls, kwargs, stacklevel=3)
    factory = _REGISTRY[key].factory
    check_kwargs(key, cls if accepted_kwargs(factory)[1] else factory, kwargs)
    return _REGISTRY[key].factory(scale=scale, **kwargs)


def count_parameters(model: nn.Module, *, trainable_only: bool = True) -> int:
    """Number of (trainable) parameters of ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


from srtutor.models.inference import framework, predict, upscale  # noqa: E402  (after register)
# model ``name`` at ``scale`` with srtutor's shipped weights (the zoo uses create(), defined above)
from srtutor.models.zoo import pretrained  # noqa: E402
# the authors' released checkpoints in srtutor models (adapters per family, srtutor.models.official)
from srtutor.models.official import load_official  # noqa: E402
