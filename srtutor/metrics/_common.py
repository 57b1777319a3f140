"""Argument checks, value checks, precision and input preparation shared by every metric.

Value checks (NaN/inf, the ``[0, data_range]`` range, and a ``data_range`` that does not fit
the values) read the tensors' minimum and maximum, which makes the host wait for the device.
They are on by default; :func:`value_checks` turns them off for a block of code (and the
``check_range=False`` / ``check_finite=False`` arguments per call), so that a metric on a GPU
queues its kernels and returns without synchronising.
"""

from __future__ import annotations

import contextlib
import math
import threading
from typing import Iterator, Optional

import torch

from srtutor._checks import as_batch, check_positive_int, check_same_shape, check_tensor

Tensor = torch.Tensor

PRECISIONS = ("auto", "float32", "float64")

# BT.601 studio-range luminance (MATLAB rgb2ycbcr) on the [0, 1] scale, as Python floats so
# that no coefficient tensor has to be copied to the device (a copy would synchronise)
_Y_WEIGHTS = (65.481 / 255.0, 128.553 / 255.0, 24.966 / 255.0)
_Y_OFFSET = 16.0 / 255.0

_STATE = threading.local()


@contextlib.contextmanager
def value_checks(enabled: bool) -> Iterator[None]:
    """Turn the value checks of every metric on or off in this thread, for a ``with`` block.

    With ``value_checks(False)``, calls that leave ``check_range``/``check_finite`` at their
    default (``None``) skip the NaN/inf and range checks, so that nothing waits for the device::

        with metrics.value_checks(False):
            loss = 1 - metrics.ssim(sr, hr)   # no host synchronisation on a GPU

    An explicit ``check_range=True``/``check_finite=True`` still checks.
    """
    if not isinstance(enabled, bool):
        raise TypeError(f"enabled must be a bool, got {type(enabled).__name__} {enabled!r}")
    before = getattr(_STATE, "enabled", True)
    _STATE.enabled = enabled
    try:
        yield
    finally:
        _STATE.enabled = before


def checks_enabled() -> bool:
    """Whether value checks are on in this thread (see :func:`value_checks`)."""
    return getattr(_STATE, "enabled", True)


def resolve_flag(value: object, name: str) -> bool:
    """``None`` → the thread's default (:func:`value_checks`); otherwise a bool."""
    if value is None:
        return checks_enabled()
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool or None, got {type(value).__name__} {value!r}")
    return value


def check_number(v: object, name: str, *, positive: bool) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(v).__name__} {v!r}")
    v = float(v)
    if not math.isfinite(v) or (v <= 0 if positive else v < 0):
        raise ValueError(f"{name} must be a finite number {'> 0' if positive else '>= 0'}, got {v}")
    return v


def check_reduction(reduction: object) -> str:
    if reduction not in ("mean", "none"):
        raise ValueError(f"reduction must be 'mean' or 'none', got {reduction!r}")
    return reduction  # type: ignore[return-value]


def check_window(window_size: object, sigma: object) -> tuple[int, float]:
    window_size = check_positive_int(window_size, "window_size")
    if window_size % 2 == 0:
        raise ValueError(f"window_size must be odd (the window needs a centre pixel), got {window_size}")
    return window_size, check_number(sigma, "sigma", positive=True)


def compute_dtype(precision: object, x: Tensor) -> torch.dtype:
    """The dtype a metric computes in.

    ``"auto"``: ``float64`` for ``float64`` tensors on the CPU (the reference), ``float32``
    otherwise (``float32``/``float16``/``bfloat16`` inputs, and every input on a GPU).
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if precision == "float64":
        return torch.float64
    if precision == "float32":
        return torch.float32
    return torch.float64 if (x.dtype == torch.float64 and x.device.type == "cpu") else torch.float32


def _check_structure(x: object, name: str, channels: Optional[tuple[int, ...]]) -> Tensor:
    check_tensor(x, name)
    if not torch.is_floating_point(x):
        raise TypeError(
            f"{name} must be a floating-point tensor, got dtype {x.dtype}; convert integer images with "
            f"srtutor.io.to_tensor (uint8 / 255), or x.float() with data_range=255"
        )
    if x.ndim not in (3, 4):
        raise ValueError(f"{name} must have shape (C, H, W) or (N, C, H, W), got {x.ndim} dims {tuple(x.shape)}")
    if channels is not None and x.shape[-3] not in channels:
        raise ValueError(
            f"{name} must have {' or '.join(map(str, channels))} channels (dim -3), got {x.shape[-3]} "
            f"(shape {tuple(x.shape)})"
        )
    if x.shape[-1] == 0 or x.shape[-2] == 0:
        raise ValueError(f"{name} is empty: shape {tuple(x.shape)}")
    if x.ndim == 4 and x.shape[0] == 0:
        raise ValueError(f"{name} is an empty batch: shape {tuple(x.shape)}")
    return x


def check_values(sr: Tensor, hr: Tensor, *, peak: float, check_range: bool, check_finite: bool,
                 tol: float = 1e-3) -> None:
    """NaN/inf, range ``[0, peak]`` and ``data_range`` plausibility, one ``aminmax`` per tensor.

    A NaN propagates to the minimum and maximum and an inf becomes one of them, so one pass
    finds both. The plausibility check: with ``data_range > 1`` and every value of both images
    in ``(0, 1]`` the images are almost certainly on the ``[0, 1]`` scale, and the metric would
    be a silently wrong number (PSNR 48 dB too high for ``data_range=255``).
    """
    if not (check_range or check_finite):
        return
    bounds = {}
    for x, name in ((sr, "sr"), (hr, "hr")):
        lo, hi = (float(v) for v in torch.aminmax(x.detach()))
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise ValueError(f"{name} contains NaN or inf values")
        bounds[name] = (lo, hi)
    if not check_range:
        return
    for name, (lo, hi) in bounds.items():
        if lo < -tol * peak or hi > (1 + tol) * peak:
            hint = ("divide uint8-valued images by 255 or pass data_range=255" if peak == 1.0 and hi <= 255 * (1 + tol)
                    else f"pass the images' real data_range, or check_range=False for unbounded values")
            raise ValueError(
                f"{name} must have values in [0, {peak:g}] (data_range={peak:g}), got min {lo:.4g} and max {hi:.4g}; {hint}"
            )
    top = max(bounds["sr"][1], bounds["hr"][1])
    if peak > 1 + tol and 0 < top <= 1 + tol:
        raise ValueError(
            f"data_range={peak:g} but sr and hr have values in [0, 1] (max {top:.4g}): they look like [0, 1] "
            f"images, for which data_range must be 1 (the default); pass data_range=1, or multiply the images "
            f"by {peak:g} (check_range=False skips this check)"
        )


def luminance(x: Tensor) -> Tensor:
    """BT.601 studio-range Y of ``(N, 3, H, W)`` on the [0, 1] scale → ``(N, 1, H, W)``;
    ``(N, 1, H, W)`` is returned as is. Python-float coefficients: no device copy."""
    if x.shape[1] == 1:
        return x
    wr, wg, wb = _Y_WEIGHTS
    return (x[:, 0:1] * wr + x[:, 1:2] * wg + x[:, 2:3] * wb) + _Y_OFFSET


def prepare(
    sr: object,
    hr: object,
    *,
    crop_border: object,
    y_channel: object,
    data_range: object,
    check_range: object,
    check_finite: object,
    precision: object = "auto",
    min_size: int = 1,
    why: str = "",
) -> tuple[Tensor, Tensor, bool, float]:
    """Validate and return ``(x, y, was_3d, peak)``: ``(N, C', H', W')`` tensors on the [0, 1]
    scale (divided by ``data_range``), cropped, Y taken, in the compute dtype of ``precision``.

    ``min_size`` is the smallest height/width that must remain after cropping (1 for PSNR,
    the window size for SSIM, more for MS-SSIM); ``why`` explains it in the error message.
    """
    if not isinstance(y_channel, bool):
        raise TypeError(f"y_channel must be a bool, got {type(y_channel).__name__} {y_channel!r}")
    channels = (1, 3) if y_channel else None
    _check_structure(sr, "sr", channels)
    _check_structure(hr, "hr", channels)
    check_same_shape(sr, hr, "sr", "hr")
    if sr.device != hr.device:
        raise ValueError(f"sr and hr must be on the same device, got {sr.device} and {hr.device}")
    peak = check_number(data_range, "data_range", positive=True)
    crop = check_positive_int(crop_border, "crop_border", minimum=0)
    c_range = resolve_flag(check_range, "check_range")
    c_finite = resolve_flag(check_finite, "check_finite")
    dtype = compute_dtype(precision, sr)
    check_values(sr, hr, peak=peak, check_range=c_range, check_finite=c_finite)
    h, w = sr.shape[-2:]
    if h - 2 * crop < min_size or w - 2 * crop < min_size:
        raise ValueError(
            f"crop_border={crop} leaves a {max(h - 2 * crop, 0)}x{max(w - 2 * crop, 0)} region of the "
            f"{h}x{w} images sr/hr, but at least {min_size}x{min_size} is needed{why}; use a smaller "
            f"crop_border or larger images"
        )
    x, was_3d = as_batch(sr)
    y, _ = as_batch(hr)
    if crop:
        x = x[..., crop:h - crop, crop:w - crop]
        y = y[..., crop:h - crop, crop:w - crop]
    # the reference path keeps float64; lower-precision inputs are widened to float32 first
    work = torch.float64 if x.dtype == torch.float64 else torch.float32
    x, y = x.to(work), y.to(work)
    if peak != 1.0:
        x, y = x / peak, y / peak
    if y_channel:
        x, y = luminance(x), luminance(y)
    return x.to(dtype), y.to(dtype), was_3d, peak


def reduce(per_image: Tensor, reduction: str, was_3d: bool) -> Tensor:
    """``per_image`` has shape ``(N,)``."""
    if reduction == "mean":
        return per_image.mean()
    return per_image[0] if was_3d else per_image
