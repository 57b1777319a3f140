"""The model constructor vocabulary and its checks (used by :func:`srtutor.models.create`).

Every registered model class takes

* ``scale`` — the upscaling factor, checked against the class attribute ``supported_scales``
  (a tuple of integers, or ``None`` for models that accept any factor > 0: pre-upsampling
  networks and Meta-SR); integer-valued floats such as ``2.0`` are accepted;
* ``channels`` — the number of **image** channels (1 = the Y channel, 3 = RGB);
* ``features`` — the width of the network's body (feature maps per layer), or the paper's
  own symbol where the paper names the widths (FSRCNN's ``d, s``; RDN's ``G``).

In srtutor 0.1 some classes called the image channels ``colors`` and the body width
``channels``. Those names are still accepted for one more release with a :class:`DeprecationWarning`
(:func:`translate_legacy`); a call that is ambiguous under the two meanings — e.g.
``rcan(channels=64)``, which used to mean 64 feature maps and now means 64 image channels —
raises a :class:`ValueError` that says what to write instead.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
import warnings
from typing import Any, Callable

#: image channel counts a model can be built for.
IMAGE_CHANNELS = (1, 3)


def _name(cls: type) -> str:
    return getattr(cls, "__name__", str(cls))


def translate_legacy(cls: type, kwargs: dict[str, Any], *, stacklevel: int = 3) -> dict[str, Any]:
    """Map the srtutor 0.1 keyword names of ``cls`` to the current ones (see the module docstring).

    ``cls._legacy_width`` is true for the classes whose ``channels`` used to be the body width
    (CARN, RCAN, MSRN, DRRN, MemNet, BlockNet); ``cls._legacy_names`` maps other renamed
    arguments (``{"G0": "features"}`` for RDN). Returns a new dict; raises ``ValueError`` for
    ambiguous or contradictory calls.
    """
    kw = dict(kwargs)
    legacy_width = bool(getattr(cls, "_legacy_width", False))
    name = _name(cls)

    def warn(old: str, new: str, meaning: str = "") -> None:
        warnings.warn(f"{name}: {old}={meaning} is deprecated and will be removed in the next release; "
                      f"use {new}= instead", DeprecationWarning, stacklevel=stacklevel + 1)

    for old, new in getattr(cls, "_legacy_names", {}).items():
        if old in kw:
            if new in kw:
                raise ValueError(f"{name}: give {new}= only ({old}= is its deprecated name), not both")
            warn(old, new)
            kw[new] = kw.pop(old)
    if "colors" in kw:
        colors = kw.pop("colors")
        if "channels" in kw:
            if not legacy_width:
                raise ValueError(f"{name}: give channels= only (colors= is its deprecated name), not both")
            if "features" in kw:
                raise ValueError(f"{name}: channels= is the number of image channels; it cannot be given "
                                 "together with colors= and features=")
            warn("channels", "features", " (meaning the feature width, as in srtutor 0.1)")
            kw["features"] = kw.pop("channels")
        warn("colors", "channels")
        kw["channels"] = colors
    elif legacy_width and "channels" in kw and "features" not in kw:
        c = kw["channels"]
        if not (isinstance(c, numbers.Integral) and c in IMAGE_CHANNELS):
            raise ValueError(
                f"{name}: channels= is the number of image channels (1 = Y, 3 = RGB); in srtutor 0.1 it "
                f"was the feature width. For a body {c!r} feature maps wide pass features={c!r} "
                f"(and channels=1 or 3 for the image)")
    return kw


def legacy_names(cls: type) -> type:
    """Class decorator: the constructor accepts the srtutor 0.1 names (:func:`translate_legacy`).

    ``inspect.signature(cls)`` still shows the current signature (``functools.wraps``).
    """
    init = cls.__init__

    @functools.wraps(init)
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **translate_legacy(type(self), kwargs, stacklevel=3))

    cls.__init__ = __init__
    return cls


def accepted_kwargs(fn: Callable[..., Any]) -> tuple[set[str], bool]:
    """``(names, has_var_keyword)`` of the keyword arguments ``fn`` (a class or function) takes."""
    sig = inspect.signature(fn)
    names = {p.name for p in sig.parameters.values()
             if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self"}
    return names, any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())


def check_kwargs(model_name: str, cls: type, kwargs: dict[str, Any]) -> None:
    """Raise ``TypeError`` naming the first keyword argument that ``cls`` does not accept."""
    names, var_kw = accepted_kwargs(cls)
    if var_kw:
        return
    for k in kwargs:
        if k == "scale":
            continue
        if k not in names:
            raise TypeError(f"model {model_name!r} got an unexpected keyword argument {k!r}; it accepts: "
                            f"{', '.join(sorted(names - {'scale'}))}")


def check_model_scale(model_name: str, supported: tuple[int, ...] | None, scale: Any) -> int | float:
    """Validate ``scale`` for a model with ``supported_scales = supported``.

    Returns the scale as an ``int`` when it is integer-valued (``2.0 -> 2``), else as a float
    (only for ``supported is None``). Raises ``TypeError`` for a non-number and ``ValueError``
    for a factor the model does not support (the message lists the supported ones).
    """
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real):
        raise TypeError(f"scale must be a number, got {type(scale).__name__} ({scale!r})")
    s = float(scale)
    if not math.isfinite(s) or s <= 0:
        raise ValueError(f"scale must be a finite number > 0, got {scale!r}")
    integral = s.is_integer()
    if supported is None:
        return int(s) if integral else s
    if not integral:
        raise ValueError(f"scale={scale!r} is not supported by model {model_name!r}: it upsamples by an integer "
                         f"factor, one of {', '.join(map(str, supported))}")
    if int(s) not in supported:
        raise ValueError(f"scale={scale!r} is not supported by model {model_name!r}; supported: "
                         f"{', '.join(map(str, supported))}")
    return int(s)


__all__ = ["IMAGE_CHANNELS", "translate_legacy", "legacy_names", "accepted_kwargs", "check_kwargs",
           "check_model_scale"]
