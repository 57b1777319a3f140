"""Primitive layers of the block families: a 'same' convolution and its dilated, grouped and
depthwise-separable variants (survey §3.3.7, "advanced convolution"), the fixed mean shift of
EDSR/RCAN/RDN/CARN and the activation factory the blocks share.

Shapes: ``(N, C, H, W) -> (N, C', H, W)`` (stride 1, ``same`` padding, odd kernels).
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn as nn

from srtutor._checks import check_positive_int

Tensor = torch.Tensor

__all__ = ["conv", "dilated_conv", "group_conv", "DepthwiseSeparableConv", "MeanShift"]


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
