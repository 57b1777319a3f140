"""Wavelet transform (survey §3.3.7): one level of the orthonormal 2-D Haar transform and its inverse."""

from __future__ import annotations

import torch
import torch.nn as nn

from srtutor._checks import check_tensor

Tensor = torch.Tensor

__all__ = ["haar_dwt", "haar_iwt", "HaarDWT", "HaarIWT"]


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
