"""MATLAB-exact image resizing (survey §2.1, the degradation model).

Almost every SR paper makes its low-resolution inputs with MATLAB's
``imresize(HR, 1/s, 'bicubic')`` (Wang, Chen, Hoi, *Deep Learning for Image Super-resolution:
A Survey*, TPAMI 2020, §2.1: "the most commonly used degradation is bicubic
interpolation with antialiasing"). Published PSNR/SSIM tables are only reproducible with
*that* resampler, which differs from ``torch.nn.functional.interpolate`` and PIL in three
ways that this module copies exactly:

1. **Kernel.** Keys' cubic with ``a = -0.5``::

       k(x) = 1.5|x|^3 - 2.5|x|^2 + 1                 for |x| <= 1
            = -0.5|x|^3 + 2.5|x|^2 - 4|x| + 2         for 1 < |x| <= 2

   When shrinking (scale ``s < 1``) with antialiasing, the kernel is stretched to
   ``s * k(s x)``, i.e. its support becomes ``4 / s`` input pixels.
2. **Geometry.** Output pixel ``i`` (1-based) sits at input coordinate
   ``u = i / s + (1 - 1 / s) / 2``; its taps are ``floor(u - width / 2) + 0 .. ceil(width) + 1``,
   the weights are normalised to sum to 1, and out-of-range taps are mirrored
   *symmetrically* (``... 2 1 | 1 2 3 ... n | n n-1 ...``, the edge pixel repeated).
3. **Order and rounding.** The output size is ``ceil(s * n)``; the two axes are resized one
   after the other, the axis with the *smaller* scale first (rows first on ties). For ``uint8``
   images every pass is computed in float64 and rounded back to ``uint8`` (half away from
   zero, saturated to 0..255), as MATLAB's ``imresizemex`` does.

The resampling is linear and separable: for each axis a weight matrix ``(out, in)`` is built
once in float64 (cached per size, scale, kernel, dtype and device) and applied as a matrix
product in the input's dtype, so the function is batched, runs on any device and is
differentiable. The matrix is banded, so on the CPU it is cut into blocks of output rows, each
multiplying only the slice of input it reads. float64 results equal MATLAB's to rounding
error (~1e-15); float32 ones to ~1e-7.

Example::

    from srtutor.resize import imresize, modcrop
    hr = modcrop(hr, 4)                  # (3, H, W) float in [0, 1]
    lr = imresize(hr, scale=1 / 4)       # MATLAB imresize(hr, 1/4, 'bicubic')
    up = imresize(lr, scale=4)           # the "bicubic" baseline of every results table
"""

from __future__ import annotations

import functools
import math
import numbers
import operator
from typing import Callable, Sequence, Union, cast

import numpy as np
import torch

from srtutor._checks import check_finite, check_float, check_hwc, check_positive_int, check_tensor

Tensor = torch.Tensor
ScaleArg = Union[float, Sequence[float], None]
SizeArg = Union[Sequence[Union[int, None]], None]

__all__ = ["imresize", "modcrop", "center_crop", "contributions", "Resize", "KERNELS"]


# --------------------------------------------------------------------------- kernels
def _cubic(x: np.ndarray) -> np.ndarray:
    ax = np.abs(x)
    ax2, ax3 = ax * ax, ax * ax * ax
    return (1.5 * ax3 - 2.5 * ax2 + 1.0) * (ax <= 1) + (
        -0.5 * ax3 + 2.5 * ax2 - 4.0 * ax + 2.0
    ) * ((ax > 1) & (ax <= 2))


def _triangle(x: np.ndarray) -> np.ndarray:
    return (x + 1.0) * ((x >= -1) & (x < 0)) + (1.0 - x) * ((x >= 0) & (x <= 1))


def _box(x: np.ndarray) -> np.ndarray:
    return ((x >= -0.5) & (x < 0.5)).astype(np.float64)


def _lanczos(a: int) -> Callable[[np.ndarray], np.ndarray]:
    eps = np.finfo(np.float64).eps  # MATLAB adds eps to avoid 0/0 at x = 0

    def kernel(x: np.ndarray) -> np.ndarray:
        num = np.sin(np.pi * x) * np.sin(np.pi * x / a) + eps
        return num / (np.pi**2 * x * x / a + eps) * (np.abs(x) < a)

    return kernel


#: MATLAB's kernels: name -> (function, support width in input pixels at scale 1).
KERNELS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], float]] = {
    "cubic": (_cubic, 4.0),
    "linear": (_triangle, 2.0),
    "nearest": (_box, 1.0),
    "box": (_box, 1.0),
    "lanczos2": (_lanczos(2), 4.0),
    "lanczos3": (_lanczos(3), 6.0),
}
_ALIASES = {"bicubic": "cubic", "bilinear": "linear", "triangle": "linear"}


def _kernel_name(kernel: object) -> str:
    if not isinstance(kernel, str):
        raise TypeError(f"kernel must be a string, got {type(kernel).__name__} {kernel!r}")
    name = _ALIASES.get(kernel.lower(), kernel.lower())
    if name not in KERNELS:
        known = sorted(set(KERNELS) | set(_ALIASES))
        raise ValueError(f"kernel must be one of {known}, got {kernel!r}")
    return name


# --------------------------------------------------------------------------- weight tables
def contributions(
    in_length: int, out_length: int, scale: float, kernel: str = "cubic", antialias: bool = True
) -> tuple[Tensor, Tensor]:
    """Weights and source indices of a 1-D MATLAB resize (MATLAB's ``contributions``).

    Args:
        in_length: input length ``n`` (pixels).
        out_length: output length.
        scale: output/input scale used for the geometry (MATLAB uses the given scale, not
            ``out_length / in_length``, when a scale is given).
        kernel: ``"cubic"`` (``"bicubic"``), ``"linear"`` (``"bilinear"``), ``"nearest"``,
            ``"box"``, ``"lanczos2"``, ``"lanczos3"``.
        antialias: stretch the kernel by ``1 / scale`` when shrinking (ignored for
            ``"nearest"``, whose MATLAB default is no antialiasing; use ``"box"`` for that).

    Returns:
        ``(weights, indices)``, float64 and int64 tensors of shape ``(out_length, P)``:
        output pixel ``i`` is ``sum_k weights[i, k] * input[indices[i, k]]`` (0-based indices,
        borders already mirrored symmetrically, each row of weights summing to 1). ``P`` is
        MATLAB's tap count, except for kernels wider than the input (scales far below
        ``1 / in_length``), whose taps are summed per input pixel: ``P <= in_length``.

    Raises:
        ValueError: a scale so small that even the folded table would take more than 2**27
            kernel evaluations (pass ``size=`` to shrink to a few pixels).
    """
    name = _kernel_name(kernel)
    fn, width = KERNELS[name]
    if scale < 1 and antialias and name != "nearest":
        h = lambda t: scale * fn(scale * t)  # noqa: E731  (stretched kernel)
        width = width / scale
    else:
        h = fn
    x = np.arange(1, out_length + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1.0 - 1.0 / scale)  # 1-based input coordinate of each output
    left = np.floor(u - width / 2.0)
    taps = int(math.ceil(width)) + 2
    mirror = np.concatenate([np.arange(in_length), np.arange(in_length - 1, -1, -1)])
    if taps > in_length and out_length * taps > _FOLD_ABOVE:
        return _folded(h, u, left, taps, in_length, mirror, scale)
    idx = left[:, None] + np.arange(taps, dtype=np.float64)[None, :]  # 1-based
    w = h(u[:, None] - idx)
    w = w / w.sum(axis=1, keepdims=True)
    idx0 = mirror[np.mod(idx.astype(np.int64) - 1, 2 * in_length)]
    keep = np.any(w != 0, axis=0)  # MATLAB drops all-zero columns
    return torch.from_numpy(np.ascontiguousarray(w[:, keep])), torch.from_numpy(
        np.ascontiguousarray(idx0[:, keep])
    )


# A kernel wider than the input (a tiny scale: 1e-6 shrinks any image to one pixel with a
# 4-million-tap kernel) is folded onto the input pixels it mirrors to: the table is capped at
# ``(out, in_length)`` and built in chunks. Beyond _MAX_TAP_EVALUATIONS kernel evaluations the
# request is refused instead of running for minutes (scale 1e-9 asked for a 30 GiB table).
_FOLD_ABOVE = 1 << 16
_MAX_TAP_EVALUATIONS = 1 << 27


def _folded(h: Callable[[np.ndarray], np.ndarray], u: np.ndarray, left: np.ndarray, taps: int, in_length: int,
            mirror: np.ndarray, scale: float) -> tuple[Tensor, Tensor]:
    """:func:`contributions` for ``taps > in_length``: weights summed per input pixel, ``(out, in_length)``."""
    out_length = u.shape[0]
    if out_length * taps > _MAX_TAP_EVALUATIONS:
        raise ValueError(
            f"scale={scale:.3g} needs a {taps:,}-tap kernel for an input of {in_length} pixels "
            f"({out_length * taps:,} kernel evaluations, more than {_MAX_TAP_EVALUATIONS:,}); the output is "
            f"{out_length} pixel(s) long: ask for it with size= instead, or use a scale >= "
            f"{4 * out_length / _MAX_TAP_EVALUATIONS:.3g}"
        )
    w = np.zeros((out_length, in_length))
    chunk = max(1, (1 << 20) // max(1, out_length))
    for k0 in range(0, taps, chunk):
        k = np.arange(k0, min(taps, k0 + chunk), dtype=np.float64)
        idx = left[:, None] + k[None, :]  # 1-based
        wk = h(u[:, None] - idx)
        col = mirror[np.mod(idx.astype(np.int64) - 1, 2 * in_length)]
        for i in range(out_length):
            w[i] += np.bincount(col[i], weights=wk[i], minlength=in_length)
    w = w / w.sum(axis=1, keepdims=True)
    keep = np.any(w != 0, axis=0)
    idx0 = np.broadcast_to(np.arange(in_length), w.shape)
    return torch.from_numpy(np.ascontiguousarray(w[:, keep])), torch.from_numpy(
        np.ascontiguousarray(idx0[:, keep])
    )


# A resampling matrix is banded: output row i only touches a window of about
# ``width / min(scale, 1)`` input pixels. On the CPU a dense ``(out, in)`` product wastes most of
# its work (×4 shrinking of 512 pixels: 18 useful taps out of 512), so the rows are cut into
# blocks of consecutive outputs and each block multiplies only the input slice it reads.
_MIN_BLOCK = 16


@functools.lru_cache(maxsize=32)
def _table(
    in_len: int, out_len: int, scale: float, kernel: str, antialias: bool,
    dtype: torch.dtype, device: torch.device,
) -> tuple[str, object]:
    """Cached per-axis operator built from :func:`contributions` (float64, then cast):

    * ``("index", idx)``: every output copies one input pixel (nearest, identity), a gather;
    * ``("dense", M)``: ``M`` of shape ``(out_len, in_len)`` (accelerators, small images);
    * ``("blocks", [(o0, o1, s0, s1, M_blk), ...])``: ``out[o0:o1] = M_blk @ in[s0:s1]``.

    Built outside inference mode: a table first made under ``torch.inference_mode()`` would
    otherwise be an inference tensor, unusable later in a graph that autograd records.
    """
    with torch.inference_mode(False):
        return _build_table(in_len, out_len, scale, kernel, antialias, dtype, device)


def _build_table(
    in_len: int, out_len: int, scale: float, kernel: str, antialias: bool,
    dtype: torch.dtype, device: torch.device,
) -> tuple[str, object]:
    w, idx = contributions(in_len, out_len, scale, kernel, antialias)
    nonzero = w != 0
    if bool((nonzero.sum(dim=1) == 1).all()):  # nearest neighbour or identity: exact copy
        pick = idx.gather(1, nonzero.to(torch.int64).argmax(dim=1, keepdim=True)).squeeze(1)
        return "index", pick.to(device)
    mat = torch.zeros(out_len, in_len, dtype=torch.float64)
    mat.scatter_add_(1, idx, w)
    # a block of b outputs reads about b / scale + taps inputs: take b / scale = 3 taps, so that
    # at most ~1/4 of the products are wasted and the number of products (calls) stays small
    block = max(_MIN_BLOCK, math.ceil(3 * w.shape[1] * scale))
    if device.type != "cpu" or block >= out_len:
        return "dense", mat.to(device=device, dtype=dtype)
    lo = torch.where(nonzero, idx, in_len).min(dim=1).values  # first/last input read per row
    hi = torch.where(nonzero, idx, -1).max(dim=1).values
    spans = []
    for o0 in range(0, out_len, block):
        o1 = min(o0 + block, out_len)
        spans.append((o0, o1, int(lo[o0:o1].min()), int(hi[o0:o1].max()) + 1))
    if out_len * in_len <= 2 * sum((o1 - o0) * (s1 - s0) for o0, o1, s0, s1 in spans):
        return "dense", mat.to(device=device, dtype=dtype)  # one product beats several here
    blocks = [(o0, o1, s0, s1, mat[o0:o1, s0:s1].to(dtype=dtype).contiguous())
              for o0, o1, s0, s1 in spans]
    return "blocks", blocks


def _resize_axis(x: Tensor, dim: int, in_len: int, out_len: int, scale: float,
                 kernel: str, antialias: bool) -> Tensor:
    """Resize the last (``dim=-1``) or second-to-last (``dim=-2``) axis of ``x``."""
    kind, op = _table(in_len, out_len, scale, kernel, antialias, x.dtype, x.device)
    if kind == "index":
        return x.index_select(dim, cast(Tensor, op))
    if kind == "dense":
        mat = cast(Tensor, op)
        return torch.matmul(x, mat.t()) if dim == -1 else torch.matmul(mat, x)
    blocks = cast(list, op)
    if dim == -1:
        parts = [torch.matmul(x[..., s0:s1], m.t()) for _, _, s0, s1, m in blocks]
    else:
        parts = [torch.matmul(m, x[..., s0:s1, :]) for _, _, s0, s1, m in blocks]
    return torch.cat(parts, dim=dim)


# --------------------------------------------------------------------------- argument parsing
def _check_scale_value(v: object, name: str) -> float:
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise TypeError(f"{name} must be a positive number, got {type(v).__name__} {v!r}")
    f = float(v)
    if math.isnan(f) or math.isinf(f) or f <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {v!r}")
    return f


def _plan(in_hw: tuple[int, int], scale: ScaleArg, size: SizeArg) -> tuple[list[float], list[int]]:
    """MATLAB's scale/size resolution: returns per-axis ``(scales, out_sizes)`` for (H, W)."""
    if (scale is None) == (size is None):
        raise ValueError(
            "give exactly one of scale and size, got "
            + ("both" if scale is not None else "neither")
        )
    if scale is not None:
        if isinstance(scale, (tuple, list)):
            if len(scale) != 2:
                raise ValueError(f"scale must be a number or a pair (sh, sw), got {scale!r}")
            scales = [_check_scale_value(s, f"scale[{i}]") for i, s in enumerate(scale)]
        else:
            scales = [_check_scale_value(scale, "scale")] * 2
        out = [int(math.ceil(s * n)) for s, n in zip(scales, in_hw)]
    else:
        if isinstance(size, (str, bytes)) or not isinstance(size, Sequence) or len(size) != 2:
            raise ValueError(f"size must be a pair (H, W) of positive ints, got {size!r}")
        vals: list[int | None] = []
        for i, v in enumerate(size):
            if v is None:
                vals.append(None)
                continue
            if isinstance(v, bool):
                raise TypeError(f"size[{i}] must be an int, got bool {v!r}")
            try:
                iv = operator.index(v)
            except TypeError:
                raise TypeError(
                    f"size[{i}] must be an int or None, got {type(v).__name__} {v!r}"
                ) from None
            if iv <= 0:
                raise ValueError(f"size[{i}] must be a positive int, got {iv}")
            vals.append(iv)
        if vals[0] is None and vals[1] is None:
            raise ValueError("size must have at least one int entry, got (None, None)")
        if vals[0] is None or vals[1] is None:  # MATLAB's NaN: keep the aspect ratio
            k = 0 if vals[0] is not None else 1
            s = vals[k] / in_hw[k]
            other = int(math.ceil(vals[k] * in_hw[1 - k] / in_hw[k]))
            vals[1 - k] = other
            scales = [s, s]
        else:
            scales = [vals[0] / in_hw[0], vals[1] / in_hw[1]]
        out = [int(v) for v in vals]  # type: ignore[arg-type]
    for i, o in enumerate(out):
        if o <= 0:
            raise ValueError(f"output size along axis {'HW'[i]} is {o}; it must be >= 1")
        if o > MAX_OUTPUT_SIDE:
            arg = "scale" if scale is not None else "size"
            raise ValueError(f"{arg}: the output would be {o:,} pixels along axis {'HW'[i]}, more than "
                             f"{MAX_OUTPUT_SIDE:,}; check {arg} (a factor of 4 is scale=4, not 400)")
    return scales, out


#: largest output side :func:`imresize` produces (a runaway scale is refused, not allocated).
MAX_OUTPUT_SIDE = 1 << 20


def _resize_float(x: Tensor, scales: list[float], out: list[int], kernel: str, antialias: bool,
                  round_uint8: bool = False) -> Tensor:
    """Resize the last two axes of a float tensor, MATLAB order (smaller scale first)."""
    order = [0, 1] if scales[0] <= scales[1] else [1, 0]
    for ax in order:
        dim = -2 if ax == 0 else -1
        x = _resize_axis(x, dim, x.shape[dim], out[ax], scales[ax], kernel, antialias)
        if round_uint8:  # imresizemex returns the input class after every pass
            x = torch.floor(x + 0.5).clamp_(0.0, 255.0)
    return x


# --------------------------------------------------------------------------- public API
def imresize(
    x: Union[Tensor, np.ndarray],
    scale: ScaleArg = None,
    size: SizeArg = None,
    antialias: bool = True,
    kernel: str = "cubic",
) -> Union[Tensor, np.ndarray]:
    """MATLAB's ``imresize`` (default ``'bicubic'``), exactly.

    Args:
        x: a float tensor ``(H, W)``, ``(C, H, W)`` or ``(N, C, H, W)`` on any device (any
            float dtype; computed in that dtype; values are *not* clamped or rounded, so the
            bicubic overshoot beyond [0, 1] is kept — quantise with ``srtutor.io.quantize``
            to mimic saving a PNG); or a ``uint8`` numpy image ``(H, W)`` / ``(H, W, C)``,
            computed in float64 and returned as ``uint8`` rounded like MATLAB (each of the
            two passes rounded half away from zero and saturated).
        scale: output/input factor, a positive number or a pair ``(sh, sw)``; the output size
            is ``ceil(scale * input)`` (``1/4`` shrinks 4×, ``2.5`` enlarges).
        size: explicit output size ``(H, W)``; one entry may be ``None`` to keep the aspect
            ratio (MATLAB's ``NaN``). The scales are then ``out / in`` per axis. Give exactly
            one of ``scale`` and ``size``.
        antialias: when shrinking, stretch the kernel by ``1 / scale`` (MATLAB's default).
        kernel: ``"cubic"``/``"bicubic"`` (default), ``"linear"``/``"bilinear"``,
            ``"nearest"`` (MATLAB's nearest: never antialiased), ``"box"``, ``"lanczos2"``,
            ``"lanczos3"``.

    Returns:
        The resized image, same type, dtype, device and leading dimensions as ``x``.

    Raises:
        TypeError: ``x`` is neither a float tensor nor a uint8 numpy array (uint8 *tensors*
            are refused: the package's tensors are float in [0, 1]; divide by 255).
        ValueError: bad shape, empty image, bad ``scale``/``size``/``kernel``, NaN or inf
            values in ``x`` (they would spread over whole rows and columns of the result), an
            output side above :data:`MAX_OUTPUT_SIDE`, a numpy array that looks channel-first.
    """
    name = _kernel_name(kernel)
    if isinstance(x, np.ndarray):
        if x.dtype != np.uint8:
            raise TypeError(
                f"x as a numpy array must be a uint8 image (H, W) or (H, W, C), got dtype "
                f"{x.dtype}; for float images pass a tensor: torch.from_numpy(a).permute(2, 0, 1)"
            )
        check_hwc(x, "x")
        scales, out = _plan(_image_hw(x), scale, size)
        t = torch.from_numpy(x.astype(np.float64))  # a writable float64 copy
        t = t.permute(2, 0, 1) if x.ndim == 3 else t
        y = _resize_float(t, scales, out, name, bool(antialias), round_uint8=True)
        y = y.permute(1, 2, 0) if x.ndim == 3 else y
        return y.to(torch.uint8).numpy()
    check_tensor(x, "x")
    if x.dtype == torch.uint8:
        raise TypeError(
            "x is a uint8 tensor; srtutor tensors are float in [0, 1]: pass x.float() / 255 "
            "(or a uint8 numpy HWC array to get MATLAB's uint8 rounding)"
        )
    check_float(x, "x")
    scales, out = _plan(_image_hw(x), scale, size)
    check_finite(x, "x")  # one NaN would become a NaN row and column (a whole channel on a dense table)
    return _resize_float(x, scales, out, name, bool(antialias))


def _image_hw(x: Union[Tensor, np.ndarray]) -> tuple[int, int]:
    """``(H, W)`` of a tensor ``([N, [C, ]] H, W)`` or a numpy image ``(H, W[, C])``."""
    if isinstance(x, np.ndarray):
        if x.ndim not in (2, 3):
            raise ValueError(
                f"x as a numpy image must have shape (H, W) or (H, W, C), got {x.shape}"
            )
        h, w = x.shape[0], x.shape[1]
    elif isinstance(x, torch.Tensor):
        if x.ndim not in (2, 3, 4):
            raise ValueError(
                f"x must have shape (H, W), (C, H, W) or (N, C, H, W), got {x.ndim} dims "
                f"{tuple(x.shape)}"
            )
        h, w = x.shape[-2], x.shape[-1]
    else:
        raise TypeError(f"x must be a torch.Tensor or a numpy array, got {type(x).__name__}")
    if h == 0 or w == 0:
        raise ValueError(f"x is empty: shape {tuple(x.shape)}")
    return int(h), int(w)


def modcrop(x: Union[Tensor, np.ndarray], scale: int) -> Union[Tensor, np.ndarray]:
    """Crop height and width down to multiples of ``scale``, keeping the top-left corner.

    MATLAB's ``img(1:end-mod(end,s), 1:end-mod(end,s), :)``, used before making LR images so
    that ``imresize(imresize(hr, 1/s), s)`` has the size of ``hr``.

    Args:
        x: tensor ``(..., H, W)`` (2 to 4 dims) or numpy image ``(H, W)`` / ``(H, W, C)``.
        scale: positive int.

    Returns:
        A view of ``x`` of size ``(H - H % scale, W - W % scale)``.
    """
    s = check_positive_int(scale, "scale")
    h, w = _image_hw(x)
    if h < s or w < s:
        raise ValueError(f"x of size {h}x{w} is smaller than scale {s}: nothing would be left")
    h2, w2 = h - h % s, w - w % s
    if isinstance(x, np.ndarray):
        return x[:h2, :w2]
    return x[..., :h2, :w2]


def center_crop(x: Tensor, size: int) -> Tensor:
    """The central ``size x size`` window of ``x`` ``(..., H, W)`` (a view); a side shorter than
    ``size`` is kept whole. The offset is ``(H - size) // 2`` (the extra pixel of an odd
    difference stays at the bottom/right), as the book's quick mode crops its validation images.
    """
    n = check_positive_int(size, "size")
    if not isinstance(x, Tensor) or x.ndim < 2:
        raise TypeError(f"x must be a tensor (..., H, W), got {type(x).__name__}")
    h, w = x.shape[-2:]
    t, l = max(0, (h - n) // 2), max(0, (w - n) // 2)
    return x[..., t:t + n, l:l + n]


class Resize(torch.nn.Module):
    """``nn.Module`` wrapper of :func:`imresize` (e.g. the fixed bicubic upsampler of
    pre-upsampling SR, survey §3.1.1, or the bicubic degradation of §2.1)."""

    def __init__(self, scale: ScaleArg = None, size: SizeArg = None, antialias: bool = True,
                 kernel: str = "cubic") -> None:
        super().__init__()
        _kernel_name(kernel)
        self.scale, self.size, self.antialias, self.kernel = scale, size, antialias, kernel

    def forward(self, x: Tensor) -> Tensor:
        return imresize(x, scale=self.scale, size=self.size, antialias=self.antialias,
                        kernel=self.kernel)

    def extra_repr(self) -> str:
        return (f"scale={self.scale}, size={self.size}, antialias={self.antialias}, "
                f"kernel={self.kernel!r}")
