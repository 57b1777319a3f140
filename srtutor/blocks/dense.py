"""Dense connections (survey §3.3.4): SRDenseNet's dense block and RDN's residual dense block."""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from srtutor._checks import check_positive_int
from srtutor.blocks.convs import conv

Tensor = torch.Tensor

__all__ = ["DenseBlock", "ResidualDenseBlock"]


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
