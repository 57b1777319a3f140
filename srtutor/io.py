"""Reading, writing and converting images: the only place where files and ``uint8`` live.

Inside srtutor an image is a ``torch.Tensor`` of shape ``(C, H, W)`` (or ``(N, C, H, W)``),
float in ``[0, 1]``. This module converts at the edges:

* files (PNG, BMP, JPEG, anything Pillow reads) → :func:`read_image` → ``(C, H, W)`` float;
* ``(C, H, W)`` float → :func:`write_image` → an 8-bit PNG (values rounded);
* numpy ``HWC``/``HW`` ``uint8`` ↔ tensors with :func:`to_tensor` / :func:`to_numpy`.

Rounding follows MATLAB's ``im2uint8`` (``floor(255 x + 0.5)``, i.e. round half up, after
clamping to ``[0, 1]``), which is what the SR evaluation scripts of the survey's era used
(survey §2.3): :func:`quantize` applies the same rounding but keeps a float tensor, so that a
result can be scored "as if it had been saved to a PNG".
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path
from typing import Union

import numpy as np
import torch
from PIL import Image

from srtutor._checks import check_image

Tensor = torch.Tensor
PathLike = Union[str, Path]

__all__ = ["read_image", "write_image", "to_tensor", "to_numpy", "quantize", "sha256_file"]


def _round_half_up(x255: Tensor) -> Tensor:
    """``floor(x + 0.5)`` after clamping to ``[0, 255]`` (MATLAB ``uint8()`` rounding)."""
    return torch.floor(x255.clamp(0.0, 255.0) + 0.5)


def to_tensor(image: np.ndarray, *, dtype: torch.dtype = torch.float32) -> Tensor:
    """Convert a numpy image to a ``(C, H, W)`` float tensor in ``[0, 1]``.

    Args:
        image: ``HWC`` or ``HW`` array, either ``uint8`` (divided by 255), ``bool`` (0/1),
            or floating point already in ``[0, 1]``.
        dtype: floating dtype of the result (``float32`` by default; ``float64`` for
            reference computations).

    Returns:
        ``(C, H, W)`` tensor (``C = 1`` for an ``HW`` array), values in ``[0, 1]``.

    Raises:
        TypeError: not a numpy array, or an unsupported dtype (e.g. ``uint16``, ``int64``).
        ValueError: wrong number of dimensions, or float values outside ``[0, 1]`` / NaN.
    """
    if isinstance(image, torch.Tensor):
        raise TypeError("image must be a numpy array (HWC or HW); it is already a torch.Tensor")
    if not isinstance(image, np.ndarray):
        raise TypeError(f"image must be a numpy array (HWC or HW), got {type(image).__name__}")
    if not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        raise TypeError(f"dtype must be a floating torch.dtype, got {dtype!r}")
    if image.ndim == 2:
        image = image[:, :, None]
    elif image.ndim != 3:
        raise ValueError(f"image must have shape (H, W, C) or (H, W), got {image.ndim} dims {image.shape}")
    if image.shape[0] == 0 or image.shape[1] == 0 or image.shape[2] == 0:
        raise ValueError(f"image is empty: shape {image.shape}")
    if not image.flags.writeable:  # e.g. np.asarray(PIL image); torch wants writable memory
        image = image.copy()
    if image.dtype == np.uint8:
        arr = torch.from_numpy(np.ascontiguousarray(image)).to(dtype) / 255.0
    elif image.dtype == np.bool_:
        arr = torch.from_numpy(np.ascontiguousarray(image)).to(dtype)
    elif np.issubdtype(image.dtype, np.floating):
        if not np.isfinite(image).all():
            raise ValueError("image contains NaN or inf values")
        lo, hi = float(image.min()), float(image.max())
        if lo < -1e-6 or hi > 1 + 1e-6:
            raise ValueError(
                f"a floating-point image must have values in [0, 1], got min {lo:.4g} and max {hi:.4g}; "
                f"pass uint8 arrays for 0..255 data"
            )
        arr = torch.from_numpy(np.ascontiguousarray(image)).to(dtype).clamp_(0.0, 1.0)
    else:
        raise TypeError(
            f"image must have dtype uint8, bool or float in [0, 1], got {image.dtype}; "
            f"convert 16-bit images yourself (e.g. image / 65535.0)"
        )
    return arr.permute(2, 0, 1).contiguous()


def to_numpy(x: Tensor) -> np.ndarray:
    """Convert a ``(C, H, W)`` float tensor in ``[0, 1]`` to a numpy ``uint8`` image.

    Values are clamped to ``[0, 1]`` and rounded half up (``floor(255 x + 0.5)``, MATLAB's
    ``im2uint8``). Works for tensors on any device (the result is on the CPU).

    Args:
        x: ``(C, H, W)`` with ``C`` in {1, 3, 4}; float. Overshoots from resamplers or models
            are clamped; values outside ``[-0.5, 1.5]`` raise (most likely a 0..255 image).

    Returns:
        ``(H, W, C)`` ``uint8`` array, or ``(H, W)`` for a 1-channel image.
    """
    check_image(x, "x", channels=(1, 3, 4), tol=0.5)
    if x.ndim != 3:
        raise ValueError(f"x must have shape (C, H, W) (one image), got {tuple(x.shape)}; index the batch first")
    q = _round_half_up(x.detach().to("cpu", torch.float64) * 255.0).to(torch.uint8)
    arr = q.permute(1, 2, 0).numpy()
    return arr[:, :, 0].copy() if arr.shape[2] == 1 else np.ascontiguousarray(arr)


def quantize(x: Tensor) -> Tensor:
    """Round an image to the 8-bit grid ``{0, 1/255, ..., 1}``, keeping dtype, shape and device.

    Args:
        x: ``(C, H, W)`` or ``(N, C, H, W)`` float tensor (values are clamped to ``[0, 1]``).

    Returns:
        ``floor(clamp(x, 0, 1) * 255 + 0.5) / 255`` with the same dtype, shape and device.
        Gradients do not flow through the rounding (use it for evaluation, not in a loss).
    """
    check_image(x, "x", check_range=False)
    return _round_half_up(x.detach() * 255.0) / 255.0


def read_image(path: PathLike, *, dtype: torch.dtype = torch.float32) -> Tensor:
    """Read an image file into a ``(C, H, W)`` float tensor in ``[0, 1]``.

    Greyscale files (Pillow mode ``'L'``, e.g. Set14's ``bridge.png``) keep a single channel,
    so that they are scored on their grey values. RGB stays RGB. Other modes (palette ``'P'``,
    ``'RGBA'``, ``'LA'``, ``'CMYK'``, 1-bit, 16-bit ``'I;16'`` …) are converted to RGB with a
    :class:`UserWarning` saying so (an alpha channel is dropped, not composited).

    Args:
        path: file path (PNG, BMP, JPEG, TIFF … anything Pillow reads).
        dtype: floating dtype of the result.

    Returns:
        ``(C, H, W)`` tensor with ``C`` 1 or 3.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: Pillow cannot decode the file.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"path: no such image file: {p}")
    try:
        with Image.open(p) as im:
            im.load()
            mode = im.mode
            if mode not in ("L", "RGB"):
                warnings.warn(f"read_image: {p.name} has mode {mode!r}; converted to RGB", UserWarning, stacklevel=2)
                im = im.convert("RGB")
            arr = np.array(im, dtype=np.uint8)
    except (OSError, SyntaxError) as exc:  # Pillow raises UnidentifiedImageError (an OSError)
        raise ValueError(f"path: cannot decode {p} as an image: {exc}") from exc
    return to_tensor(arr, dtype=dtype)


def write_image(path: PathLike, x: Tensor) -> Path:
    """Write a ``(C, H, W)`` float image in ``[0, 1]`` as an 8-bit PNG (values rounded).

    Args:
        path: destination; parent folders are created. The file is always PNG-encoded
            (lossless), whatever the suffix; use a ``.png`` name.
        x: ``(C, H, W)`` tensor with 1 (greyscale), 3 (RGB) or 4 (RGBA) channels.

    Returns:
        The path written, as a :class:`pathlib.Path`.
    """
    arr = to_numpy(x)
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr).save(p, format="PNG")
    return p


def sha256_file(path: Union[str, Path]) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks (verifies downloads and shipped weights)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
