"""A toy pixel-recursive SR model (survey §3.3.7, "pixel recursive learning"; Dahl, Norouzi &
Shlens, ICCV 2017): an autoregressive PixelCNN prior conditioned on the LR image.

Not registered (it is not an ``lr -> sr`` network: it samples). Chapter 7 trains it on grey
images to show why pixel-by-pixel generation is slow.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from srtutor._checks import check_positive_int
from srtutor.blocks import MaskedConv2d, conv

Tensor = torch.Tensor

__all__ = ["TinyPixelRecursiveSR"]


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
