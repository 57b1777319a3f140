"""Receptive fields of blocks: analytic for stride-1 chains, empirical from the gradient of a
centre output pixel (an analysis tool for chapter 7, not a layer)."""

from __future__ import annotations

import copy
from typing import Iterable

import torch
import torch.nn as nn

from srtutor._checks import check_positive_int

Tensor = torch.Tensor

__all__ = ["chain_receptive_field", "empirical_receptive_field"]


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
