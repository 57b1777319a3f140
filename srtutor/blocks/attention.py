"""Attention (survey §3.3.5): RCAN's channel attention, RCAB and residual group; the non-local block."""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from srtutor._checks import check_positive_int
from srtutor.blocks.convs import conv

Tensor = torch.Tensor

__all__ = ["ChannelAttention", "RCAB", "ResidualGroup", "NonLocalBlock"]


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
