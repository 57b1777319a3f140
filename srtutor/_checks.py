"""Input validation shared by every module: clear errors that name the argument.

The package promises that bad input raises ``TypeError``/``ValueError`` saying
which argument was wrong, what was expected and what came — never a silent wrong number.
"""

from __future__ import annotations

import math
from typing import Sequence

import torch

Tensor = torch.Tensor


def check_tensor(x: object, name: str) -> Tensor:
    """``x`` must be a ``torch.Tensor``."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    return x


def check_float(x: Tensor, name: str) -> Tensor:
    """``x`` must hold floating-point values (integer images must be converted first)."""
    if not torch.is_floating_point(x):
        raise TypeError(
            f"{name} must be a floating-point tensor with values in [0, 1], got dtype {x.dtype}; "
            f"convert integer images with srtutor.io.to_tensor (uint8 / 255)"
        )
    return x


def check_image(
    x: object,
    name: str,
    *,
    channels: Sequence[int] | None = None,
    check_range: bool = True,
    allow_nan: bool = False,
    tol: float = 1e-3,
) -> Tensor:
    """Validate an image tensor of shape ``(C, H, W)`` or ``(N, C, H, W)`` in ``[0, 1]``.

    Args:
        x: the candidate.
        name: the argument's name, used in the message.
        channels: allowed channel counts (``None`` for any).
        check_range: reject values outside ``[-tol, 1 + tol]``.
        allow_nan: accept NaN/inf.
        tol: slack on the range check (float rounding in resamplers overshoots a little).

    Returns:
        ``x`` unchanged.
    """
    check_tensor(x, name)
    check_float(x, name)
    if x.ndim not in (3, 4):
        raise ValueError(
            f"{name} must have shape (C, H, W) or (N, C, H, W), got {x.ndim} dims {tuple(x.shape)}"
        )
    c = x.shape[-3]
    if channels is not None and c not in channels:
        hint = ""
        if x.shape[-1] in channels:
            hint = (f"; it looks channel-last (..., H, W, C): permute it to channel-first, "
                    f"e.g. {name}.permute({'2, 0, 1' if x.ndim == 3 else '0, 3, 1, 2'})")
        raise ValueError(
            f"{name} must have {' or '.join(map(str, channels))} channels (dim -3), got {c} "
            f"(shape {tuple(x.shape)}){hint}"
        )
    if x.shape[-1] == 0 or x.shape[-2] == 0:
        raise ValueError(f"{name} is empty: shape {tuple(x.shape)}")
    if (check_range or not allow_nan) and x.numel() > 0:
        lo_t, hi_t = torch.aminmax(x.detach())  # one pass; NaN propagates, inf shows as a bound
        lo, hi = float(lo_t), float(hi_t)
        if not allow_nan and not (math.isfinite(lo) and math.isfinite(hi)):
            raise ValueError(f"{name} contains NaN or inf values")
        if check_range and (lo < -tol or hi > 1 + tol):
            raise ValueError(
                f"{name} must have values in [0, 1], got min {lo:.4g} and max {hi:.4g}; "
                f"divide uint8 images by 255"
            )
    return x


def check_hwc(image: object, name: str, *, max_channels: int = 4) -> None:
    """A numpy image expected channel-last, ``(H, W)`` or ``(H, W, C)``, must not look channel-first.

    An array ``(3, H, W)`` read as ``(H, W, C)`` would silently become a 3-pixel-high image
    with ``W`` channels; refuse when the last axis is larger than ``max_channels`` while the
    first one is a plausible channel count (1, 3 or 4).
    """
    shape = getattr(image, "shape", ())
    if len(shape) == 3 and shape[2] > max_channels and shape[0] in (1, 3, 4):
        raise ValueError(
            f"{name} has shape {tuple(shape)}, which looks channel-first (C, H, W); a numpy image here "
            f"is channel-last (H, W, C): pass {name}.transpose(1, 2, 0)"
        )


def check_finite(x: Tensor, name: str) -> Tensor:
    """``x`` must hold no NaN or inf (they would spread through a resampling or a convolution)."""
    if x.numel() and not bool(torch.isfinite(x.detach()).all()):
        bad = (~torch.isfinite(x.detach())).nonzero()[0].tolist()
        raise ValueError(f"{name} contains NaN or inf values (first at index {tuple(bad)}); "
                         f"they would spread over the whole result: clean the input first")
    return x


def check_same_shape(a: Tensor, b: Tensor, name_a: str, name_b: str) -> None:
    """``a`` and ``b`` must have the same shape."""
    if a.shape != b.shape:
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}"
        )


def check_positive_int(v: object, name: str, *, minimum: int = 1) -> int:
    """``v`` must be an ``int`` (not bool) ``>= minimum``."""
    if isinstance(v, bool) or not isinstance(v, int):
        raise TypeError(f"{name} must be an int, got {type(v).__name__} {v!r}")
    if v < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {v}")
    return v


def check_scale(v: object, name: str = "scale", *, integer: bool = False) -> float:
    """``v`` must be a finite positive number (an int ``>= 1`` when ``integer``)."""
    if integer:
        return check_positive_int(v, name)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise TypeError(f"{name} must be a positive number, got {type(v).__name__} {v!r}")
    if not (v > 0) or v != v or v == float("inf"):
        raise ValueError(f"{name} must be a finite number > 0, got {v}")
    return float(v)


def as_batch(x: Tensor) -> tuple[Tensor, bool]:
    """Return ``(x4, was_3d)``: ``(C, H, W)`` becomes ``(1, C, H, W)``."""
    if x.ndim == 3:
        return x.unsqueeze(0), True
    return x, False
