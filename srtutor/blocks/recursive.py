"""Recursive learning (survey §3.3.2): DRCN's recursive convolution and DRRN's recursive block."""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from srtutor._checks import check_positive_int
from srtutor.blocks.convs import conv

Tensor = torch.Tensor

__all__ = ["RecursiveConv", "RecursiveResidualUnit"]


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

    ``H_0 = x``; ``H_u = G_u(H_{u-1}) + H_0`` with ``G_u`` = (BN-)ReLU-conv-(BN-)ReLU-conv
    (pre-activation). Every unit adds the block's *input* (multi-path local residual), and the
    two convolutions are reused ``U`` times. Shape ``(N, C, H, W) -> (N, C, H, W)``.

    ``bn=True`` is the authors' form (Caffe files of tyshiwo/DRRN_CVPR17, e.g.
    ``DRRN_B1U9_20C128_train.prototxt``): the convolution weights are shared across the ``U``
    units (``RB1_wa``, ``RB1_wb``) but every unit has its **own** two BatchNorm (+ scale/shift)
    layers (``bn_conv1_<u>a``, ``bn_conv1_<u>b``), i.e. ``4 C`` affine parameters and ``4 C``
    running statistics per unit. ``bn=False`` (default) drops the BatchNorms.
    """

    def __init__(self, channels: int, units: int, kernel_size: int = 3, *, bn: bool = False, bias: bool = True):
        super().__init__()
        self.units = check_positive_int(units, "units")
        # (ReLU, conv, ReLU, conv): the keys body.1 / body.3 are those of srtutor 0.1
        self.body = nn.Sequential(nn.ReLU(), conv(channels, channels, kernel_size, bias=bias),
                                  nn.ReLU(), conv(channels, channels, kernel_size, bias=bias))
        self.norms = nn.ModuleList(nn.ModuleList([nn.BatchNorm2d(channels), nn.BatchNorm2d(channels)])
                                   for _ in range(self.units)) if bn else None
        self.kernel_size = kernel_size

    def _unit(self, h: Tensor, u: int) -> Tensor:
        if self.norms is None:
            return self.body(h)
        bn_a, bn_b = self.norms[u]
        return self.body[3](F.relu(bn_b(self.body[1](F.relu(bn_a(h))))))

    def forward(self, x: Tensor) -> Tensor:
        h = x
        for u in range(self.units):
            h = self._unit(h, u) + x
        return h

    def receptive_field(self) -> float:
        return 1 + 2 * self.units * (self.kernel_size - 1)
