"""Building blocks of SR networks (survey §3.3, "Network Design").

Every block maps ``(N, C, H, W)`` feature maps to ``(N, C', H', W')`` feature maps (not
images: values are unconstrained). The blocks are the vocabulary of chapter 7 and of the
model families in :mod:`srtutor.models` (DRRN, MemNet, CARN, RDN, RCAN, MSRN, ...):

========================  ==========================================================
survey strategy           blocks here
========================  ==========================================================
residual learning         :class:`ResBlock` (EDSR, no BN, residual scaling),
                          :class:`GlobalResidual`
recursive learning        :class:`RecursiveConv` (DRCN), :class:`RecursiveResidualUnit` (DRRN)
multi-path learning       :class:`MultiScaleResidualBlock` (MSRN), :class:`ScaleSpecificHeads` (MDSR)
dense connections         :class:`DenseBlock`, :class:`ResidualDenseBlock` (RDN)
attention                 :class:`ChannelAttention`, :class:`RCAB`, :class:`ResidualGroup` (RCAN),
                          :class:`NonLocalBlock`
advanced convolution      :func:`dilated_conv`, :func:`group_conv`, :class:`DepthwiseSeparableConv`,
                          :class:`EfficientResidualBlock`, :class:`CascadingBlock` (CARN / CARN-M)
region-recursive/pyramid  :class:`PyramidPooling` (PSPNet)
wavelet transform         :func:`haar_dwt`, :func:`haar_iwt`, :class:`HaarDWT`, :class:`HaarIWT`
desubpixel                :class:`Desubpixel`, :class:`Subpixel`
xUnit                     :class:`XUnit`
pixel-recursive learning  :class:`MaskedConv2d`, :class:`TinyPixelRecursiveSR` (a toy)
========================  ==========================================================

Receptive fields: each block has ``receptive_field()`` (analytic, stride-1 chains:
``1 + sum(d * (k - 1))`` along the longest path; ``math.inf`` for blocks with global
pooling or attention), and :func:`empirical_receptive_field` measures it from the gradient
of a centre output pixel.
"""

from __future__ import annotations

import math
from typing import Callable, Iterable, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from ._checks import check_positive_int, check_tensor

Tensor = torch.Tensor

__all__ = [
    "conv", "dilated_conv", "group_conv", "DepthwiseSeparableConv", "MeanShift",
    "ResBlock", "GlobalResidual", "RecursiveConv", "RecursiveResidualUnit",
    "MultiScaleResidualBlock", "ScaleSpecificHeads", "DenseBlock", "ResidualDenseBlock",
    "ChannelAttention", "RCAB", "ResidualGroup", "NonLocalBlock",
    "EfficientResidualBlock", "CascadingBlock", "PyramidPooling",
    "haar_dwt", "haar_iwt", "HaarDWT", "HaarIWT", "Desubpixel", "Subpixel", "XUnit",
    "PixelShuffleTail", "chain_receptive_field", "empirical_receptive_field",
    "MaskedConv2d", "TinyPixelRecursiveSR",
]


# ----------------------------------------------------------------------------- convolutions
def conv(in_channels: int, out_channels: int, kernel_size: int = 3, *, bias: bool = True,
         dilation: int = 1, groups: int = 1) -> nn.Conv2d:
    """A stride-1 'same' convolution (padding ``dilation * (k - 1) // 2``, odd ``k``)."""
    check_positive_int(kernel_size, "kernel_size")
    if kernel_size % 2 == 0:
        raise ValueError(f"kernel_size must be odd for a 'same' convolution, got {kernel_size}")
    return nn.Conv2d(in_channels, out_channels, kernel_size, padding=dilation * (kernel_size - 1) // 2,
                     dilation=dilation, groups=groups, bias=bias)


def dilated_conv(in_channels: int, out_channels: int, kernel_size: int = 3, dilation: int = 2,
                 **kw) -> nn.Conv2d:
    """Dilated ('atrous') convolution: receptive field ``d (k - 1) + 1`` with ``k^2`` weights
    (Yu & Koltun 2016; used for SR by e.g. Zhang et al. IRCNN 2017)."""
    check_positive_int(dilation, "dilation")
    return conv(in_channels, out_channels, kernel_size, dilation=dilation, **kw)


def group_conv(in_channels: int, out_channels: int, kernel_size: int = 3, groups: int = 4,
               **kw) -> nn.Conv2d:
    """Group convolution (ResNeXt; CARN-M uses ``groups=4``): ``1/groups`` of the weights."""
    check_positive_int(groups, "groups")
    if in_channels % groups or out_channels % groups:
        raise ValueError(f"groups={groups} must divide in_channels={in_channels} and out_channels={out_channels}")
    return conv(in_channels, out_channels, kernel_size, groups=groups, **kw)


class DepthwiseSeparableConv(nn.Sequential):
    """Depthwise ``k x k`` conv (one filter per channel) then pointwise ``1 x 1`` conv
    (MobileNet, Howard et al. 2017). Weights ``C k^2 + C C'`` instead of ``C C' k^2``."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, bias: bool = True):
        super().__init__(conv(in_channels, in_channels, kernel_size, groups=in_channels, bias=bias),
                         conv(in_channels, out_channels, 1, bias=bias))
        self.kernel_size = kernel_size

    def receptive_field(self) -> float:
        return self.kernel_size


class MeanShift(nn.Module):
    """Subtract (or add back) a fixed per-channel mean (EDSR/RCAN/RDN/CARN habit; no parameters).

    The DIV2K RGB mean ``(0.4488, 0.4371, 0.4040)`` is the default; for inputs whose channel
    count differs from the mean's length the module is the identity.
    """

    def __init__(self, mean: Sequence[float] = (0.4488, 0.4371, 0.4040), sign: int = -1):
        super().__init__()
        if sign not in (-1, 1):
            raise ValueError(f"sign must be -1 or +1, got {sign}")
        self.sign = sign
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1), persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[1] != self.mean.shape[1]:
            return x
        return x + self.sign * self.mean.to(x.dtype)


def _act(act: str | None) -> nn.Module:
    if act is None or act == "none":
        return nn.Identity()
    if act == "relu":
        return nn.ReLU(inplace=False)
    if act == "prelu":
        return nn.PReLU()
    if act == "lrelu":
        return nn.LeakyReLU(0.2)
    raise ValueError(f"act must be 'relu', 'prelu', 'lrelu' or None, got {act!r}")


# ----------------------------------------------------------------------------- residual learning
class ResBlock(nn.Module):
    """Residual block ``x + s * conv(act(conv(x)))`` (EDSR, Lim et al. 2017).

    EDSR removes batch normalisation from SRResNet's block (``bn=False``, the default) and
    scales the residual branch by ``res_scale`` (0.1 in the 32-block, 256-channel EDSR) to
    stabilise training of wide networks. ``bn=True`` gives SRResNet's block (Ledig et al. 2017)
    for the BN-vs-no-BN experiment of chapter 8.

    Shape: ``(N, C, H, W) -> (N, C, H, W)``.
    """

    def __init__(self, channels: int, kernel_size: int = 3, *, res_scale: float = 1.0, bn: bool = False,
                 act: str | None = "relu"):
        super().__init__()
        check_positive_int(channels, "channels")
        layers: list[nn.Module] = [conv(channels, channels, kernel_size, bias=not bn)]
        if bn:
            layers.append(nn.BatchNorm2d(channels))
        layers.append(_act(act))
        layers.append(conv(channels, channels, kernel_size, bias=not bn))
        if bn:
            layers.append(nn.BatchNorm2d(channels))
        self.body = nn.Sequential(*layers)
        self.res_scale = float(res_scale)
        self.kernel_size = kernel_size

    def forward(self, x: Tensor) -> Tensor:
        return x + self.res_scale * self.body(x)

    def receptive_field(self) -> float:
        return 1 + 2 * (self.kernel_size - 1)


class GlobalResidual(nn.Module):
    """Global residual learning: ``body(x) + skip(x)`` (VDSR, Kim et al. 2016).

    The network only learns the residual (the missing high frequencies). ``skip`` defaults
    to the identity (pre-upsampling networks, or feature-level skips); for post-upsampling
    nets pass e.g. ``lambda x: F.interpolate(x, scale_factor=s, mode='bicubic')``.
    """

    def __init__(self, body: nn.Module, skip: Callable[[Tensor], Tensor] | nn.Module | None = None):
        super().__init__()
        self.body = body
        self.skip = skip

    def forward(self, x: Tensor) -> Tensor:
        return self.body(x) + (x if self.skip is None else self.skip(x))


# ----------------------------------------------------------------------------- recursive learning
class RecursiveConv(nn.Module):
    """DRCN's recursive layer: one ``conv + ReLU`` applied ``T`` times with shared weights
    (Kim et al. 2016, "Deeply-Recursive Convolutional Network").

    ``forward`` returns the last state; ``forward_all`` returns the ``T`` intermediate states
    (DRCN reconstructs an image from each one and supervises them all, see
    :class:`srtutor.strategies.MultiSupervisionLoss`). Parameters do not grow with ``T``; the
    receptive field does: ``1 + T (k - 1)``.
    """

    def __init__(self, channels: int, recursions: int, kernel_size: int = 3):
        super().__init__()
        self.recursions = check_positive_int(recursions, "recursions")
        self.conv = conv(channels, channels, kernel_size)
        self.kernel_size = kernel_size

    def forward_all(self, x: Tensor) -> list[Tensor]:
        out = []
        for _ in range(self.recursions):
            x = F.relu(self.conv(x))
            out.append(x)
        return out

    def forward(self, x: Tensor) -> Tensor:
        return self.forward_all(x)[-1]

    def receptive_field(self) -> float:
        return 1 + self.recursions * (self.kernel_size - 1)


class RecursiveResidualUnit(nn.Module):
    """DRRN's recursive block (Tai et al. 2017): ``U`` residual units sharing their weights.

    ``H_0 = x``; ``H_u = G(H_{u-1}) + H_0`` with ``G`` = (BN-)ReLU-conv-(BN-)ReLU-conv (pre-
    activation). Every unit adds the block's *input* (multi-path local residual), and the
    two convolutions are reused ``U`` times. Shape ``(N, C, H, W) -> (N, C, H, W)``.
    """

    def __init__(self, channels: int, units: int, kernel_size: int = 3, *, bn: bool = False, bias: bool = True):
        super().__init__()
        self.units = check_positive_int(units, "units")

        def pre_act() -> list[nn.Module]:
            return ([nn.BatchNorm2d(channels)] if bn else []) + [nn.ReLU()]

        self.body = nn.Sequential(*pre_act(), conv(channels, channels, kernel_size, bias=bias),
                                  *pre_act(), conv(channels, channels, kernel_size, bias=bias))
        self.kernel_size = kernel_size

    def forward(self, x: Tensor) -> Tensor:
        h = x
        for _ in range(self.units):
            h = self.body(h) + x
        return h

    def receptive_field(self) -> float:
        return 1 + 2 * self.units * (self.kernel_size - 1)


# ----------------------------------------------------------------------------- multi-path learning
class MultiScaleResidualBlock(nn.Module):
    """MSRN's multi-scale residual block (Li et al. ECCV 2018).

    Two paths (3x3 and 5x5) exchange features after the first layer::

        S1 = relu(conv3(x)),  P1 = relu(conv5(x))
        S2 = relu(conv3'([S1, P1])), P2 = relu(conv5'([P1, S1]))      # 2C channels each
        out = conv1x1([S2, P2]) + x

    Shape ``(N, C, H, W) -> (N, C, H, W)``; about ``2 (9 + 25) C^2`` weights plus the 1x1 fusion.
    """

    def __init__(self, channels: int = 64):
        super().__init__()
        c = check_positive_int(channels, "channels")
        self.conv3_1, self.conv5_1 = conv(c, c, 3), conv(c, c, 5)
        self.conv3_2, self.conv5_2 = conv(2 * c, 2 * c, 3), conv(2 * c, 2 * c, 5)
        self.fuse = conv(4 * c, c, 1)

    def forward(self, x: Tensor) -> Tensor:
        s1, p1 = F.relu(self.conv3_1(x)), F.relu(self.conv5_1(x))
        s2 = F.relu(self.conv3_2(torch.cat([s1, p1], 1)))
        p2 = F.relu(self.conv5_2(torch.cat([p1, s1], 1)))
        return self.fuse(torch.cat([s2, p2], 1)) + x

    def receptive_field(self) -> float:
        return 1 + 4 + 4  # the 5x5 -> 5x5 path


class ScaleSpecificHeads(nn.Module):
    """MDSR's scale-specific pre-processing modules (Lim et al. 2017): one small branch per
    scale (two 5x5 residual blocks), selected at run time by ``scale``; the body after them
    is shared by all scales. ``forward(x, scale)``: ``(N, C, H, W) -> (N, C, H, W)``.
    """

    def __init__(self, channels: int, scales: Iterable[int] = (2, 3, 4), kernel_size: int = 5):
        super().__init__()
        self.scales = tuple(int(s) for s in scales)
        self.heads = nn.ModuleDict({
            str(s): nn.Sequential(ResBlock(channels, kernel_size), ResBlock(channels, kernel_size))
            for s in self.scales})

    def forward(self, x: Tensor, scale: int) -> Tensor:
        if str(scale) not in self.heads:
            raise ValueError(f"scale must be one of {self.scales}, got {scale!r}")
        return self.heads[str(scale)](x)


# ----------------------------------------------------------------------------- dense connections
class DenseBlock(nn.Module):
    """Dense block (DenseNet; SRDenseNet, Tong et al. 2017): layer ``i`` sees the
    concatenation of the input and all previous layers' outputs.

    Shape ``(N, C, H, W) -> (N, C + L * G, H, W)`` (``L`` layers of growth rate ``G``).
    """

    def __init__(self, in_channels: int, growth: int, layers: int, kernel_size: int = 3):
        super().__init__()
        check_positive_int(layers, "layers")
        self.layers = nn.ModuleList(conv(in_channels + i * growth, growth, kernel_size) for i in range(layers))
        self.out_channels = in_channels + layers * growth
        self.kernel_size = kernel_size

    def forward(self, x: Tensor) -> Tensor:
        feats = [x]
        for layer in self.layers:
            feats.append(F.relu(layer(torch.cat(feats, 1))))
        return torch.cat(feats, 1)

    def receptive_field(self) -> float:
        return 1 + len(self.layers) * (self.kernel_size - 1)


class ResidualDenseBlock(nn.Module):
    """RDN's residual dense block (Zhang et al. CVPR 2018): a :class:`DenseBlock` of ``C``
    layers (growth ``G``), local feature fusion by a ``1x1`` conv back to ``G0`` channels,
    and local residual learning. Shape ``(N, G0, H, W) -> (N, G0, H, W)``.
    """

    def __init__(self, channels: int, growth: int, layers: int, kernel_size: int = 3, res_scale: float = 1.0):
        super().__init__()
        self.dense = DenseBlock(channels, growth, layers, kernel_size)
        self.fuse = conv(self.dense.out_channels, channels, 1)
        self.res_scale = float(res_scale)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.res_scale * self.fuse(self.dense(x))

    def receptive_field(self) -> float:
        return self.dense.receptive_field()


# ----------------------------------------------------------------------------- attention
class ChannelAttention(nn.Module):
    """RCAN's channel attention (Zhang et al. ECCV 2018; squeeze-and-excitation, Hu et al.):
    global average pooling -> ``1x1`` conv ``C -> C/r`` -> ReLU -> ``1x1`` conv -> sigmoid,
    rescaling each channel. Shape-preserving; receptive field: the whole image.
    """

    def __init__(self, channels: int, reduction: int = 16):
        super().__init__()
        check_positive_int(reduction, "reduction")
        mid = max(1, channels // reduction)
        self.squeeze = conv(channels, mid, 1)
        self.excite = conv(mid, channels, 1)

    def weights(self, x: Tensor) -> Tensor:
        """Per-channel weights in (0, 1), shape ``(N, C, 1, 1)``."""
        return torch.sigmoid(self.excite(F.relu(self.squeeze(x.mean((2, 3), keepdim=True)))))

    def forward(self, x: Tensor) -> Tensor:
        return x * self.weights(x)

    def receptive_field(self) -> float:
        return math.inf


class RCAB(nn.Module):
    """Residual channel attention block: ``x + CA(conv(relu(conv(x))))`` (RCAN)."""

    def __init__(self, channels: int, reduction: int = 16, kernel_size: int = 3, res_scale: float = 1.0):
        super().__init__()
        self.body = nn.Sequential(conv(channels, channels, kernel_size), nn.ReLU(),
                                  conv(channels, channels, kernel_size), ChannelAttention(channels, reduction))
        self.res_scale = float(res_scale)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.res_scale * self.body(x)

    def receptive_field(self) -> float:
        return math.inf


class ResidualGroup(nn.Module):
    """RCAN's residual group: ``n_blocks`` RCABs, a conv, and a short skip connection.
    Stacking groups with a long skip gives "residual in residual" (RIR)."""

    def __init__(self, channels: int, n_blocks: int, reduction: int = 16, kernel_size: int = 3):
        super().__init__()
        check_positive_int(n_blocks, "n_blocks")
        self.body = nn.Sequential(*(RCAB(channels, reduction, kernel_size) for _ in range(n_blocks)),
                                  conv(channels, channels, kernel_size))

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)

    def receptive_field(self) -> float:
        return math.inf


class NonLocalBlock(nn.Module):
    """Non-local (self-attention) block, embedded-Gaussian form (Wang et al. CVPR 2018):

    .. math:: y_i = x_i + W_z \\sum_j \\mathrm{softmax}_j(\\theta(x_i)^T \\phi(x_j))\\, g(x_j)

    Every output position attends to every input position (cost ``O((HW)^2)``).
    Shape-preserving. ``W_z`` is zero-initialised, so the block starts as the identity.
    """

    def __init__(self, channels: int, inter_channels: int | None = None):
        super().__init__()
        inter = inter_channels or max(1, channels // 2)
        self.theta, self.phi, self.g = conv(channels, inter, 1), conv(channels, inter, 1), conv(channels, inter, 1)
        self.out = conv(inter, channels, 1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def attention(self, x: Tensor) -> Tensor:
        """Attention matrix ``(N, HW, HW)``; rows sum to one."""
        q = self.theta(x).flatten(2).transpose(1, 2)  # N, HW, C'
        k = self.phi(x).flatten(2)  # N, C', HW
        return torch.softmax(q @ k, dim=-1)

    def forward(self, x: Tensor) -> Tensor:
        n, _, h, w = x.shape
        v = self.g(x).flatten(2).transpose(1, 2)  # N, HW, C'
        y = (self.attention(x) @ v).transpose(1, 2).reshape(n, -1, h, w)
        return x + self.out(y)

    def receptive_field(self) -> float:
        return math.inf


# ----------------------------------------------------------------------------- efficient blocks (CARN)
class EfficientResidualBlock(nn.Module):
    """CARN-M's efficient residual block (Ahn et al. ECCV 2018): two ``3x3`` group convs
    (``groups``), a ``1x1`` conv, identity skip, ReLU after the sum."""

    def __init__(self, channels: int, groups: int = 4):
        super().__init__()
        self.body = nn.Sequential(group_conv(channels, channels, 3, groups), nn.ReLU(),
                                  group_conv(channels, channels, 3, groups), nn.ReLU(),
                                  conv(channels, channels, 1))

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x + self.body(x))

    def receptive_field(self) -> float:
        return 5


class _PlainResidual(nn.Module):
    """CARN's residual block: ``relu(x + conv(relu(conv(x))))``."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(conv(channels, channels), nn.ReLU(), conv(channels, channels))

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x + self.body(x))

    def receptive_field(self) -> float:
        return 5


class CascadingBlock(nn.Module):
    """CARN's local cascading block (Ahn et al. ECCV 2018).

    ``n`` residual blocks; after each, the concatenation of the block input and every
    output so far is fused by a ``1x1`` conv + ReLU (``(i + 1) C -> C``) and fed onward.
    ``efficient=True`` uses :class:`EfficientResidualBlock` with ``groups`` and *shares* one
    residual block across the cascade (CARN-M's recursive weight sharing).
    """

    def __init__(self, channels: int = 64, n: int = 3, *, efficient: bool = False, groups: int = 4):
        super().__init__()
        check_positive_int(n, "n")
        if efficient:
            shared = EfficientResidualBlock(channels, groups)
            self.blocks = nn.ModuleList([shared] * n)  # same module n times: weights shared
        else:
            self.blocks = nn.ModuleList(_PlainResidual(channels) for _ in range(n))
        self.fuse = nn.ModuleList(nn.Sequential(conv((i + 2) * channels, channels, 1), nn.ReLU())
                                  for i in range(n))

    def forward(self, x: Tensor) -> Tensor:
        cat, out = x, x
        for block, fuse in zip(self.blocks, self.fuse):
            cat = torch.cat([cat, block(out)], 1)
            out = fuse(cat)
        return out

    def receptive_field(self) -> float:
        return 1 + 4 * len(self.blocks)


# ----------------------------------------------------------------------------- pyramid pooling
class PyramidPooling(nn.Module):
    """Pyramid pooling module (PSPNet, Zhao et al. CVPR 2017; used for SR by EDSR-PP,
    see survey §3.3.7): average-pool to ``b x b`` grids for each bin size ``b``, ``1x1`` conv
    to ``C / len(bins)`` channels, upsample back (bilinear), concatenate with the input,
    fuse with a ``1x1`` conv. Shape-preserving; receptive field: the whole image.
    """

    def __init__(self, channels: int, bins: Sequence[int] = (1, 2, 3, 6)):
        super().__init__()
        self.bins = tuple(int(b) for b in bins)
        mid = max(1, channels // len(self.bins))
        self.reduce = nn.ModuleList(conv(channels, mid, 1) for _ in self.bins)
        self.fuse = conv(channels + mid * len(self.bins), channels, 1)

    def forward(self, x: Tensor) -> Tensor:
        h, w = x.shape[-2:]
        pooled = [F.interpolate(F.relu(red(F.adaptive_avg_pool2d(x, b))), size=(h, w), mode="bilinear",
                                align_corners=False) for b, red in zip(self.bins, self.reduce)]
        return self.fuse(torch.cat([x, *pooled], 1))

    def receptive_field(self) -> float:
        return math.inf


# ----------------------------------------------------------------------------- wavelets
def _check_even(x: Tensor, name: str) -> None:
    check_tensor(x, name)
    if x.ndim != 4:
        raise ValueError(f"{name} must have shape (N, C, H, W), got {tuple(x.shape)}")
    if x.shape[-1] % 2 or x.shape[-2] % 2:
        raise ValueError(f"{name} must have even height and width, got {tuple(x.shape[-2:])}")


def haar_dwt(x: Tensor) -> Tensor:
    """One level of the orthonormal 2-D Haar wavelet transform.

    ``(N, C, H, W) -> (N, 4C, H/2, W/2)``: channels ``[LL, LH, HL, HH]`` of each input
    channel are stacked band-major (``out[:, :C]`` is LL). Orthonormal (energy preserving),
    so :func:`haar_iwt` is its exact inverse. Used by wavelet SR nets (DWSR, Guo et al.
    2017; MWCNN, Liu et al. 2018).
    """
    _check_even(x, "x")
    a, b = x[..., 0::2, 0::2], x[..., 0::2, 1::2]
    c, d = x[..., 1::2, 0::2], x[..., 1::2, 1::2]
    ll = (a + b + c + d) / 2
    lh = (a - b + c - d) / 2  # horizontal detail (differences along W)
    hl = (a + b - c - d) / 2  # vertical detail (differences along H)
    hh = (a - b - c + d) / 2
    return torch.cat([ll, lh, hl, hh], 1)


def haar_iwt(y: Tensor) -> Tensor:
    """Inverse of :func:`haar_dwt`: ``(N, 4C, H, W) -> (N, C, 2H, 2W)``."""
    check_tensor(y, "y")
    if y.ndim != 4 or y.shape[1] % 4:
        raise ValueError(f"y must have shape (N, 4C, H, W), got {tuple(y.shape)}")
    ll, lh, hl, hh = y.chunk(4, 1)
    n, c, h, w = ll.shape
    out = y.new_empty(n, c, 2 * h, 2 * w)
    out[..., 0::2, 0::2] = (ll + lh + hl + hh) / 2
    out[..., 0::2, 1::2] = (ll - lh + hl - hh) / 2
    out[..., 1::2, 0::2] = (ll + lh - hl - hh) / 2
    out[..., 1::2, 1::2] = (ll - lh - hl + hh) / 2
    return out


class HaarDWT(nn.Module):
    """Layer form of :func:`haar_dwt`."""

    def forward(self, x: Tensor) -> Tensor:
        return haar_dwt(x)


class HaarIWT(nn.Module):
    """Layer form of :func:`haar_iwt`."""

    def forward(self, y: Tensor) -> Tensor:
        return haar_iwt(y)


# ----------------------------------------------------------------------------- desubpixel
class Desubpixel(nn.Module):
    """Space-to-depth (Vu et al. 2018, "Fast and efficient image quality enhancement via
    desubpixel CNN"): ``(N, C, H, W) -> (N, C r^2, H/r, W/r)``, the exact inverse of the
    sub-pixel shuffle, so the body can run at low resolution."""

    def __init__(self, factor: int = 2):
        super().__init__()
        self.factor = check_positive_int(factor, "factor")

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[-1] % self.factor or x.shape[-2] % self.factor:
            raise ValueError(f"x height and width must be multiples of factor={self.factor}, got {tuple(x.shape[-2:])}")
        return F.pixel_unshuffle(x, self.factor)


class Subpixel(nn.Module):
    """Depth-to-space (``F.pixel_shuffle``), the inverse of :class:`Desubpixel`."""

    def __init__(self, factor: int = 2):
        super().__init__()
        self.factor = check_positive_int(factor, "factor")

    def forward(self, x: Tensor) -> Tensor:
        return F.pixel_shuffle(x, self.factor)


# ----------------------------------------------------------------------------- xUnit
class XUnit(nn.Module):
    """xUnit, a learnable spatial activation (Kligvasser, Rott Shaham & Michaeli, CVPR 2018).

    ``y = x * g`` with the gate ``g = exp(-BN(dwconv(relu(BN(x))))^2)`` in (0, 1], computed
    by a depthwise ``k x k`` convolution (default ``k = 9``), so each activation depends on a
    spatial neighbourhood. Shape-preserving; replaces ReLU in lightweight SR nets.
    """

    def __init__(self, channels: int, kernel_size: int = 9, *, bn: bool = True):
        super().__init__()
        self.gate = nn.Sequential(
            nn.BatchNorm2d(channels) if bn else nn.Identity(), nn.ReLU(),
            conv(channels, channels, kernel_size, groups=channels),
            nn.BatchNorm2d(channels) if bn else nn.Identity())
        self.kernel_size = kernel_size

    def forward(self, x: Tensor) -> Tensor:
        return x * torch.exp(-self.gate(x) ** 2)

    def receptive_field(self) -> float:
        return self.kernel_size


# ----------------------------------------------------------------------------- pixel-recursive learning
class MaskedConv2d(nn.Conv2d):
    """PixelCNN's masked convolution (van den Oord et al. 2016): the output at pixel ``i``
    (raster order) sees only pixels before ``i`` (mask ``"A"``, first layer) or up to and
    including ``i`` (mask ``"B"``, later layers). Single-channel autoregression."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, mask: str = "B"):
        super().__init__(in_channels, out_channels, kernel_size, padding=kernel_size // 2)
        if mask not in ("A", "B"):
            raise ValueError(f"mask must be 'A' or 'B', got {mask!r}")
        k = kernel_size
        m = torch.ones(k, k)
        m[k // 2, k // 2 + (mask == "B"):] = 0
        m[k // 2 + 1:] = 0
        self.register_buffer("mask", m, persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


class TinyPixelRecursiveSR(nn.Module):
    """A toy pixel-recursive SR model (in the spirit of Dahl, Norouzi & Shlens 2017):
    ``p(y | x) = prod_i p(y_i | y_<i, x)`` over ``levels`` grey levels.

    A conditioning branch sees the (nearest-upsampled) LR image ``x``; a PixelCNN prior
    branch sees the HR pixels already generated. ``forward(y, x)`` gives logits
    ``(N, levels, H, W)`` for teacher-forced training (cross-entropy); :meth:`sample` draws an
    HR image one pixel at a time (``H W`` network calls: a Python loop over pixels, which is
    the point — and the reason pixel-recursive SR is slow). Grey images ``(N, 1, ., .)``.
    """

    def __init__(self, scale: int = 2, levels: int = 4, channels: int = 32, layers: int = 3):
        super().__init__()
        self.scale, self.levels = check_positive_int(scale, "scale"), check_positive_int(levels, "levels", minimum=2)
        self.prior = nn.ModuleList([MaskedConv2d(1, channels, 5, "A")]
                                   + [MaskedConv2d(channels, channels, 3, "B") for _ in range(layers - 1)])
        self.cond = nn.Sequential(conv(1, channels, 3), nn.ReLU(), conv(channels, channels, 3))
        self.out = conv(channels, levels, 1)

    def forward(self, y: Tensor, x: Tensor) -> Tensor:
        c = self.cond(F.interpolate(x, scale_factor=self.scale, mode="nearest"))
        h = y
        for i, layer in enumerate(self.prior):
            h = F.relu(layer(h) + (c if i == 0 else 0))
        return self.out(h)

    def quantize(self, y: Tensor) -> Tensor:
        """Grey values in [0, 1] -> level indices ``0 .. levels-1`` (long)."""
        return (y.clamp(0, 1) * (self.levels - 1)).round().long()

    @torch.no_grad()
    def sample(self, x: Tensor, *, temperature: float = 1.0, generator: torch.Generator | None = None) -> Tensor:
        """Draw one HR image per LR image ``x`` ``(N, 1, h, w)``; returns ``(N, 1, sh, sw)`` in
        [0, 1] on the grey-level grid. ``temperature -> 0`` approaches greedy decoding."""
        n, _, h, w = x.shape
        H, W = h * self.scale, w * self.scale
        y = x.new_zeros(n, 1, H, W)
        for i in range(H):
            for j in range(W):
                logits = self(y, x)[:, :, i, j] / max(temperature, 1e-6)
                k = torch.multinomial(torch.softmax(logits, 1), 1, generator=generator)
                y[:, 0, i, j] = k[:, 0].to(y.dtype) / (self.levels - 1)
        return y


# ----------------------------------------------------------------------------- upsampling tail
class PixelShuffleTail(nn.Sequential):
    """EDSR-style sub-pixel upsampler used by the post-upsampling families here:
    ``log2(s)`` times (conv ``C -> 4C``, shuffle 2) for powers of two, or conv ``C -> 9C``,
    shuffle 3 for ``s = 3`` (Shi et al. 2016). ``groups`` gives CARN-M's group-conv variant.
    ``(N, C, H, W) -> (N, C, sH, sW)``.
    """

    def __init__(self, channels: int, scale: int, *, groups: int = 1):
        check_positive_int(scale, "scale")
        layers: list[nn.Module] = []
        if scale == 1:
            pass
        elif scale & (scale - 1) == 0:
            for _ in range(int(math.log2(scale))):
                layers += [conv(channels, 4 * channels, 3, groups=groups), nn.PixelShuffle(2)]
        elif scale == 3:
            layers += [conv(channels, 9 * channels, 3, groups=groups), nn.PixelShuffle(3)]
        else:
            raise ValueError(f"scale must be 1, 3 or a power of two, got {scale}")
        super().__init__(*layers)


# ----------------------------------------------------------------------------- receptive fields
def chain_receptive_field(layers: Iterable[tuple[int, int]]) -> int:
    """Receptive field of a chain of stride-1 convolutions given ``(kernel, dilation)`` pairs:
    ``1 + sum(d * (k - 1))``."""
    return 1 + sum(int(d) * (int(k) - 1) for k, d in layers)


def empirical_receptive_field(module: nn.Module, channels: int, size: int = 33, *, eps: float = 1e-12,
                              seed: int = 0, device: torch.device | str | None = None) -> tuple[Tensor, int]:
    """Measure a shape-preserving block's receptive field from the gradient of its centre output.

    Feeds a random ``(1, channels, size, size)`` input (float64, eval mode), back-propagates the
    sum over channels of the centre output pixel, and returns ``(grad_map, extent)``:
    ``grad_map`` is ``(size, size)`` with ``|d out_centre / d in|`` summed over channels and
    ``extent`` the side of the smallest centred square holding every entry ``> eps``
    (``size`` means "at least the whole input"). Uses a float64 copy of ``module``.
    """
    import copy

    check_positive_int(size, "size")
    if size % 2 == 0:
        raise ValueError(f"size must be odd (a centre pixel), got {size}")
    m = copy.deepcopy(module).double().eval()
    if device is not None:
        m = m.to(device)
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(1, channels, size, size, generator=g, dtype=torch.float64)
    x = x.to(next(m.parameters()).device if any(True for _ in m.parameters()) else x.device).requires_grad_(True)
    y = m(x)
    c = size // 2
    yc, xc = y.shape[-2] // 2, y.shape[-1] // 2
    y[..., yc, xc].sum().backward()
    gmap = x.grad.abs().sum((0, 1)).detach().cpu()
    idx = torch.nonzero(gmap > eps)
    if idx.numel() == 0:
        return gmap, 0
    radius = int((idx - c).abs().max())
    return gmap, 2 * radius + 1
