"""Upsampling methods (survey §3.2): interpolation, transposed convolution, sub-pixel
convolution, resize-convolution and the Meta-Upscale module of Meta-SR.

Every layer maps ``(N, C, H, W)`` feature maps or images to ``(N, C', sH, sW)``.

* **Interpolation** (:func:`interpolate`, :class:`Interpolate`): nearest, bilinear and bicubic
  through :func:`torch.nn.functional.interpolate` (``align_corners=False``, i.e. pixel centres
  aligned as in MATLAB). Note that PyTorch's bicubic uses the Keys kernel with ``a = -0.75``
  while MATLAB's ``imresize`` uses ``a = -0.5``; pass ``mode="matlab"`` to route through
  :func:`srtutor.resize.imresize` (MATLAB-exact, ``a = -0.5``, the one the SR literature uses to
  build LR images and the bicubic baseline). The 1-D kernels themselves are
  :func:`nearest_kernel`, :func:`linear_kernel` and :func:`cubic_kernel`.
* **Transposed convolution** (:class:`TransposedConvUpsample`), used by FSRCNN, LapSRN, DBPN.
  With kernel size not divisible by the stride it produces checkerboard artefacts
  (Odena et al. 2016).
* **Sub-pixel convolution** (:class:`SubPixelConv`, Shi et al. 2016, ESPCN): a convolution to
  ``C s^2`` channels then :class:`torch.nn.PixelShuffle`, a pure reshape
  (:func:`pixel_shuffle`); :func:`icnr_` (Aitken et al. 2017) initialises it to behave like
  nearest-neighbour upsampling at the start, which removes the initial checkerboard.
  :class:`SubPixelUpsampler` stacks such stages (×2 ×2 for ×4) into the upsampler of the
  post-upsampling families (EDSR, RCAN, RDN, MSRN, CARN).
* **Resize-convolution** (:class:`ResizeConv`, Odena et al. 2016): interpolate then convolve.
* **Meta-Upscale** (:class:`MetaUpscale`, Hu et al. 2019, Meta-SR): one module for any
  (non-integer) scale ``r``. Output pixel ``(i, j)`` is projected to the LR position
  ``(floor(i/r), floor(j/r))`` (:func:`position_projection`); its offset vector
  ``(i/r - floor(i/r), j/r - floor(j/r), 1/r)`` (:func:`offset_vectors`) is fed to a small
  fully connected *weight-prediction network* that outputs that pixel's own ``k x k`` filter,
  applied to the LR features around the projected position (*feature mapping*).
"""

from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn as nn
import torch.nn.functional as F

from srtutor._checks import as_batch, check_positive_int, check_scale, check_tensor
from srtutor.resize import imresize

Tensor = torch.Tensor

_MODES = ("nearest", "bilinear", "bicubic", "matlab")


# ----------------------------------------------------------------------------- kernels
def nearest_kernel(x: Tensor) -> Tensor:
    """Box kernel of nearest-neighbour interpolation: 1 on ``[-0.5, 0.5)``, else 0."""
    return ((x >= -0.5) & (x < 0.5)).to(x.dtype)


def linear_kernel(x: Tensor) -> Tensor:
    """Triangle kernel of (bi)linear interpolation: ``max(0, 1 - |x|)``."""
    return (1 - x.abs()).clamp(min=0)


def cubic_kernel(x: Tensor, a: float = -0.5) -> Tensor:
    """Keys' cubic convolution kernel (Keys 1981), support ``[-2, 2]``.

    ``a = -0.5`` is MATLAB's ``imresize`` bicubic; ``a = -0.75`` is PyTorch's/OpenCV's.
    """
    ax = x.abs()
    ax2, ax3 = ax**2, ax**3
    near = (a + 2) * ax3 - (a + 3) * ax2 + 1
    far = a * ax3 - 5 * a * ax2 + 8 * a * ax - 4 * a
    return torch.where(ax <= 1, near, torch.where(ax < 2, far, torch.zeros_like(ax)))


# ----------------------------------------------------------------------------- interpolation
def interpolate(x: Tensor, scale: float | None = None, *, size: tuple[int, int] | None = None,
                mode: str = "bicubic") -> Tensor:
    """Upsample ``x`` by interpolation.

    Args:
        x: ``(C, H, W)`` or ``(N, C, H, W)`` float tensor (images or features).
        scale: factor ``s > 0`` (output ``floor(s H) x floor(s W)``); or give ``size``.
        size: output ``(H', W')``.
        mode: ``"nearest"``, ``"bilinear"``, ``"bicubic"`` (PyTorch, Keys ``a = -0.75``,
            ``align_corners=False``, no clamping) or ``"matlab"`` (:func:`srtutor.resize.imresize`,
            ``a = -0.5``, antialiased; inputs must lie in [0, 1]).

    Returns:
        The upsampled tensor, same number of dims as ``x``.
    """
    check_tensor(x, "x")
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
    if (scale is None) == (size is None):
        raise ValueError("give exactly one of scale and size")
    if scale is not None:
        check_scale(scale)
    xb, was3 = as_batch(x)
    if xb.ndim != 4:
        raise ValueError(f"x must have shape (C, H, W) or (N, C, H, W), got {tuple(x.shape)}")
    if size is None:
        size = (int(math.floor(xb.shape[-2] * scale + 1e-9)), int(math.floor(xb.shape[-1] * scale + 1e-9)))
    size = (int(size[0]), int(size[1]))
    if min(size) < 1:
        arg = "scale" if scale is not None else "size"
        raise ValueError(f"{arg}: the output {size[0]}x{size[1]} of a {xb.shape[-2]}x{xb.shape[-1]} input is empty; "
                         f"use a larger {arg}")
    if mode == "matlab":
        out = imresize(xb, size=size)
    else:
        kw = {} if mode == "nearest" else {"align_corners": False}
        out = F.interpolate(xb, size=size, mode=mode, **kw)
    return out[0] if was3 else out


class Interpolate(nn.Module):
    """Module wrapper of :func:`interpolate` with a fixed ``scale`` and ``mode``."""

    def __init__(self, scale: float, mode: str = "bicubic"):
        super().__init__()
        self.scale = check_scale(scale)
        if mode not in _MODES:
            raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
        self.mode = mode

    def forward(self, x: Tensor) -> Tensor:
        return interpolate(x, self.scale, mode=self.mode)

    def extra_repr(self) -> str:
        return f"scale={self.scale}, mode={self.mode!r}"


# ----------------------------------------------------------------------------- transposed conv
def deconv_padding(kernel_size: int, stride: int) -> tuple[int, int]:
    """``(padding, output_padding)`` making ``ConvTranspose2d(k, stride=s)`` map ``H`` to ``s H``.

    The output size of a transposed convolution is ``(H - 1) s - 2p + k + op``; solving
    ``k - 2p + op = s`` with ``0 <= op < s`` gives ``p = ceil((k - s) / 2)``. Requires ``k >= s``.
    """
    check_positive_int(kernel_size, "kernel_size")
    check_positive_int(stride, "stride")
    if kernel_size < stride:
        raise ValueError(f"kernel_size must be >= stride, got kernel_size={kernel_size}, stride={stride}")
    p = math.ceil((kernel_size - stride) / 2)
    return p, stride - kernel_size + 2 * p


class TransposedConvUpsample(nn.ConvTranspose2d):
    """Transposed ("de-")convolution upsampling by an integer ``scale`` (survey §3.2.2).

    Args:
        in_channels, out_channels: channel counts.
        scale: integer stride ``s``; output is exactly ``(N, out_channels, sH, sW)``.
        kernel_size: defaults to ``2 s`` (divisible by the stride: even overlap); FSRCNN uses 9.
    """

    def __init__(self, in_channels: int, out_channels: int, scale: int, kernel_size: int | None = None,
                 bias: bool = True):
        check_positive_int(scale, "scale")
        k = 2 * scale if kernel_size is None else kernel_size
        p, op = deconv_padding(k, scale)
        super().__init__(in_channels, out_channels, k, stride=scale, padding=p, output_padding=op, bias=bias)


def checkerboard_score(y: Tensor, stride: int, border: int | None = None) -> Tensor:
    """Strength of a period-``stride`` checkerboard in ``y`` (Odena et al. 2016).

    The ``stride x stride`` *phases* ``y[..., i::s, j::s]`` of an upsampled image are averaged
    separately (after cropping ``border`` pixels, default ``2 s``); the score is the spread
    ``max - min`` of those ``s^2`` means divided by the mean absolute value of ``y``. A constant
    input upsampled without artefacts scores 0.

    Args:
        y: ``(C, H, W)`` or ``(N, C, H, W)``.
        stride: the upsampling factor ``s``.

    Returns:
        ``(N,)`` tensor (0-dim for a 3-D input), averaged over channels.
    """
    check_tensor(y, "y")
    check_positive_int(stride, "stride")
    yb, was3 = as_batch(y)
    b = 2 * stride if border is None else border
    if b:
        yb = yb[..., b:-b, b:-b]
    h, w = (yb.shape[-2] // stride) * stride, (yb.shape[-1] // stride) * stride
    if h == 0 or w == 0:
        raise ValueError(f"y is too small for stride={stride} and border={b}: {tuple(y.shape)}")
    yb = yb[..., :h, :w]
    ph = yb.reshape(*yb.shape[:2], h // stride, stride, w // stride, stride).mean(dim=(2, 4))  # (N, C, s, s)
    spread = ph.flatten(2).amax(-1) - ph.flatten(2).amin(-1)
    score = (spread / yb.abs().flatten(2).mean(-1).clamp(min=1e-12)).mean(1)
    return score[0] if was3 else score


# ----------------------------------------------------------------------------- sub-pixel
def pixel_shuffle(x: Tensor, r: int) -> Tensor:
    """Sub-pixel rearrangement written as the reshape it is (equals ``nn.PixelShuffle(r)``).

    ``(N, C r^2, H, W) -> (N, C, rH, rW)`` with ``out[n, c, h r + i, w r + j] =
    x[n, c r^2 + i r + j, h, w]``.
    """
    check_positive_int(r, "r")
    n, c, h, w = x.shape
    if c % (r * r):
        raise ValueError(f"x must have a multiple of r**2={r * r} channels, got {c}")
    c_out = c // (r * r)
    return x.reshape(n, c_out, r, r, h, w).permute(0, 1, 4, 2, 5, 3).reshape(n, c_out, h * r, w * r)


def icnr_(weight: Tensor, scale: int, init: Callable[[Tensor], Tensor] = nn.init.kaiming_normal_) -> Tensor:
    """ICNR initialisation (Aitken et al. 2017) of a sub-pixel conv weight, in place.

    Initialises a ``(C_out / s^2, C_in, k, k)`` kernel with ``init`` and repeats each output
    channel ``s^2`` times, so that after pixel shuffle the layer equals "convolve, then
    nearest-neighbour upsample": no checkerboard at initialisation.
    """
    out_ch = weight.shape[0]
    if out_ch % (scale * scale):
        raise ValueError(f"weight must have a multiple of scale**2 output channels, got {out_ch}")
    sub = torch.empty((out_ch // scale**2, *weight.shape[1:]), dtype=weight.dtype, device=weight.device)
    init(sub)
    with torch.no_grad():
        weight.copy_(sub.repeat_interleave(scale * scale, dim=0))
    return weight


class SubPixelConv(nn.Module):
    """Sub-pixel convolution layer (Shi et al. 2016): conv to ``C s^2`` channels + pixel shuffle.

    Args:
        in_channels, out_channels: channel counts.
        scale: integer upscaling factor ``s``.
        kernel_size: of the convolution (``same`` padding).
        icnr: initialise with :func:`icnr_`.
    """

    def __init__(self, in_channels: int, out_channels: int, scale: int, kernel_size: int = 3, icnr: bool = False):
        super().__init__()
        check_positive_int(scale, "scale")
        self.conv = nn.Conv2d(in_channels, out_channels * scale**2, kernel_size, padding=kernel_size // 2)
        self.shuffle = nn.PixelShuffle(scale)
        if icnr:
            icnr_(self.conv.weight, scale)
            nn.init.zeros_(self.conv.bias)

    def forward(self, x: Tensor) -> Tensor:
        return self.shuffle(self.conv(x))


def subpixel_factors(scale: int) -> tuple[int, ...]:
    """Stages of a sub-pixel upsampler by ``scale``: ``log2(s)`` stages of ×2 for a power of two,
    one ×3 stage for 3, none for 1 (EDSR's ``Upsampler``, Lim et al. 2017).

    >>> subpixel_factors(4), subpixel_factors(3), subpixel_factors(1)
    ((2, 2), (3,), ())
    """
    check_positive_int(scale, "scale")
    if scale & (scale - 1) == 0:
        return (2,) * (scale.bit_length() - 1)
    if scale == 3:
        return (3,)
    raise ValueError(f"scale must be 1, 3 or a power of two, got {scale}")


class SubPixelUpsampler(nn.Sequential):
    """The sub-pixel upsampler of the post-upsampling families (EDSR, RCAN, RDN, MSRN, CARN):
    one ``conv C -> f^2 C`` (+ optional ReLU, CARN) + ``PixelShuffle(f)`` per stage ``f`` of
    :func:`subpixel_factors` (``s = 4``: two ×2 stages). ``(N, C, H, W) -> (N, C, sH, sW)``.

    The layers sit flat in the ``Sequential`` (keys ``0.weight``, ``2.weight`` … as in
    EDSR-PyTorch's ``common.Upsampler``); ``groups`` gives CARN-M's group convolution.
    One stage, an output width other than ``C`` or ICNR initialisation: :class:`SubPixelConv`.
    """

    def __init__(self, channels: int, scale: int, *, groups: int = 1, act: str | None = None,
                 kernel_size: int = 3, bias: bool = True):
        check_positive_int(channels, "channels")
        if act not in (None, "relu"):
            raise ValueError(f"act must be None or 'relu', got {act!r}")
        layers: list[nn.Module] = []
        for f in subpixel_factors(scale):
            layers.append(nn.Conv2d(channels, f * f * channels, kernel_size, padding=kernel_size // 2,
                                    groups=groups, bias=bias))
            if act == "relu":
                layers.append(nn.ReLU())
            layers.append(nn.PixelShuffle(f))
        super().__init__(*layers)
        self.scale = scale


class ResizeConv(nn.Module):
    """Resize-convolution (Odena et al. 2016): interpolate by ``scale``, then a ``same`` conv."""

    def __init__(self, in_channels: int, out_channels: int, scale: float, kernel_size: int = 3,
                 mode: str = "nearest"):
        super().__init__()
        self.resize = Interpolate(scale, mode)
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(self.resize(x))


# ----------------------------------------------------------------------------- Meta-Upscale
def _out_size(n: int, scale: float) -> int:
    return int(math.floor(n * scale + 1e-9))


def position_projection(out_size: int, scale: float, device=None) -> Tensor:
    """Meta-SR location projection: LR index ``floor(i / r)`` of each output index ``i``.

    Returns a ``(out_size,)`` long tensor.
    """
    check_positive_int(out_size, "out_size")
    check_scale(scale)
    i = torch.arange(out_size, device=device, dtype=torch.float64)
    return torch.floor(i / scale + 1e-9).long()


def offset_vectors(out_h: int, out_w: int, scale: float, device=None, dtype=torch.float32) -> Tensor:
    """Meta-SR offset vectors ``(i/r - floor(i/r), j/r - floor(j/r), 1/r)`` of every output pixel.

    Returns:
        ``(out_h, out_w, 3)`` tensor, the input of the weight-prediction network.
    """
    check_scale(scale)
    i = torch.arange(out_h, device=device, dtype=torch.float64) / scale
    j = torch.arange(out_w, device=device, dtype=torch.float64) / scale
    ri = (i - torch.floor(i + 1e-9)).clamp(min=0)
    rj = (j - torch.floor(j + 1e-9)).clamp(min=0)
    v = torch.stack(torch.broadcast_tensors(ri[:, None], rj[None, :], torch.full((1, 1), 1 / scale,
                                                                                  dtype=torch.float64, device=device)), -1)
    return v.to(dtype)


class MetaUpscale(nn.Module):
    """Meta-Upscale module of Meta-SR (Hu et al., CVPR 2019): upscaling by any factor ``r > 0``.

    For output pixel ``(i, j)``::

        SR(i, j) = Phi( F_LR(floor(i/r), floor(j/r)),  W(i, j) ),   W(i, j) = phi(v_ij; theta)

    where ``v_ij`` is the offset vector (:func:`offset_vectors`), ``phi`` a fully connected
    weight-prediction network (3 -> hidden -> ``out_channels * in_channels * k^2``) and ``Phi``
    the matrix product of the predicted filter with the ``k x k`` feature patch.

    Args:
        in_channels: feature channels ``C`` of the LR feature map.
        out_channels: output channels (3 for RGB).
        kernel_size: ``k`` of the predicted filters (3 in the paper).
        hidden: width of the weight-prediction network (256 in the paper).

    Forward: ``(features (N, C, H, W), scale r) -> (N, out_channels, floor(rH), floor(rW))``
    (or ``out_size=(H', W')``).
    """

    def __init__(self, in_channels: int, out_channels: int = 3, kernel_size: int = 3, hidden: int = 256):
        super().__init__()
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.weight_net = nn.Sequential(
            nn.Linear(3, hidden), nn.ReLU(inplace=True),
            nn.Linear(hidden, out_channels * in_channels * kernel_size**2),
        )

    def forward(self, feat: Tensor, scale: float, out_size: tuple[int, int] | None = None) -> Tensor:
        check_tensor(feat, "feat")
        if feat.ndim != 4 or feat.shape[1] != self.in_channels:
            raise ValueError(f"feat must have shape (N, {self.in_channels}, H, W), got {tuple(feat.shape)}")
        scale = check_scale(scale)
        n, c, h, w = feat.shape
        oh, ow = out_size if out_size is not None else (_out_size(h, scale), _out_size(w, scale))
        k = self.kernel_size
        # k x k neighbourhood of every LR position: (N, C k^2, H, W)
        patches = F.unfold(feat, k, padding=k // 2).view(n, c * k * k, h, w)
        rows = position_projection(oh, scale, feat.device).clamp(max=h - 1)
        cols = position_projection(ow, scale, feat.device).clamp(max=w - 1)
        v = offset_vectors(oh, ow, scale, feat.device, feat.dtype)
        # rows are processed in blocks so that the predicted filters stay below ~2^24 numbers
        block = max(1, (1 << 24) // max(1, ow * self.out_channels * c * k * k))
        out = []
        for r0 in range(0, oh, block):
            rr = rows[r0:r0 + block]
            p = patches[:, :, rr][:, :, :, cols]  # (N, C k^2, rows, ow): location projection
            w = self.weight_net(v[r0:r0 + block]).view(len(rr), ow, self.out_channels, c * k * k)  # filters
            w = w.permute(2, 3, 0, 1)  # (out, C k^2, rows, ow)
            # feature mapping: out[n, o, i, j] = sum_k p[n, k, i, j] w[o, k, i, j]; a product and a sum per
            # output channel (a batched matmul over H'W' tiny matrices is far slower on CPU)
            out.append(torch.stack([(p * w[o]).sum(1) for o in range(self.out_channels)], 1))
        return torch.cat(out, 2)

    def extra_repr(self) -> str:
        return f"in_channels={self.in_channels}, out_channels={self.out_channels}, kernel_size={self.kernel_size}"


__all__ = [
    "nearest_kernel", "linear_kernel", "cubic_kernel", "interpolate", "Interpolate", "deconv_padding",
    "TransposedConvUpsample", "checkerboard_score", "pixel_shuffle", "icnr_", "SubPixelConv", "subpixel_factors",
    "SubPixelUpsampler", "ResizeConv",
    "position_projection", "offset_vectors", "MetaUpscale",
]
