"""DRCN (Kim, Lee, Lee, CVPR 2016): deeply-recursive convolutional network — survey §3.3.2.

Pre-upsampling (``upsampling = "pre"``): the network refines the bicubic-upsampled image.

* embedding net: two ``3 x 3`` convolutions with ReLU, ``1 -> F -> F`` (``F = 256``);
* inference net: ONE ``3 x 3`` convolution + ReLU applied ``D = 16`` times with shared weights
  (:class:`srtutor.blocks.RecursiveConv`): the receptive field grows by 2 per recursion
  (``1 + 2 D`` for the recursion alone, ``41 x 41`` for the whole network at ``D = 16``)
  while the parameters stay those of one layer;
* reconstruction net (shared by every recursion): ``3 x 3`` conv + ReLU ``F -> F``, then
  ``3 x 3`` conv ``F -> 1``; the **skip connection** adds the input image to every recursion's
  reconstruction, ``ŷ_d = x + rec(H_d)``;
* the output is the learned weighted average ``ŷ = Σ_d w_d ŷ_d`` (the paper's ensemble of the
  ``D`` intermediate predictions), ``w_d`` initialised to ``1 / D``.

**Recursive supervision** (:func:`recursive_supervision_loss`): every ``ŷ_d`` is supervised,
``α / D Σ_d ||y − ŷ_d||² + (1 − α) ||y − ŷ||²`` (the paper decays ``α`` from 1 towards 0 during
training; weight decay is the optimiser's business).

Parameters (Y, ``F = 256``, ``D = 16``): weights ``9·256 + 3·9·256·256 + 9·256 = 1,774,080``
(the "1,774K" of DRCN's comparison tables), plus ``4·256 + 1`` biases and the 16 ensemble
weights: 1,775,121. Checked against the paper's description (Kim et al. 2016, §3) — no
reference code was run here; the authors' MatConvNet release was not available offline.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from srtutor.blocks import RecursiveConv
from srtutor.models import register

Tensor = torch.Tensor


class DRCN(nn.Module):
    """DRCN (Kim et al. 2016), pre-upsampling. ``(N, C, sH, sW) -> (N, C, sH, sW)``.

    Args:
        scale: the factor of the bicubic step done before the network (2, 3 or 4).
        channels: image channels (1 = Y as in the paper, or 3).
        features: feature maps ``F`` (256).
        recursions: ``D`` (16).

    ``forward(x)`` returns ``ŷ``; ``forward(x, all_outputs=True)`` returns ``(ŷ, [ŷ_1..ŷ_D])``
    for :func:`recursive_supervision_loss`.
    """

    upsampling = "pre"
    supported_scales = (2, 3, 4)

    def __init__(self, scale: int = 2, channels: int = 1, features: int = 256, recursions: int = 16):
        super().__init__()
        self.scale, self.in_channels, self.recursions = scale, channels, recursions
        self.embed = nn.Sequential(nn.Conv2d(channels, features, 3, padding=1), nn.ReLU(inplace=True),
                                   nn.Conv2d(features, features, 3, padding=1), nn.ReLU(inplace=True))
        self.infer = RecursiveConv(features, recursions)
        self.reconstruct = nn.Sequential(nn.Conv2d(features, features, 3, padding=1), nn.ReLU(inplace=True),
                                         nn.Conv2d(features, channels, 3, padding=1))
        self.ensemble = nn.Parameter(torch.full((recursions,), 1.0 / recursions))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                nn.init.zeros_(m.bias)
        nn.init.zeros_(self.reconstruct[-1].weight)  # every ŷ_d starts as the bicubic input

    def forward(self, x: Tensor, all_outputs: bool = False):
        states = self.infer.forward_all(self.embed(x))
        preds = [x + self.reconstruct(h) for h in states]
        out = sum(w * p for w, p in zip(self.ensemble, preds))
        return (out, preds) if all_outputs else out

    def receptive_field(self) -> int:
        """Receptive field of the whole network in pixels: ``1 + 2 (2 + D + 2) = 2 D + 9``."""
        return 1 + 2 * (2 + self.recursions + 2)


def recursive_supervision_loss(output: Tensor, intermediates: Sequence[Tensor], hr: Tensor,
                               alpha: float = 0.5) -> Tensor:
    """DRCN's loss: ``α / D Σ_d MSE(ŷ_d, y) + (1 − α) MSE(ŷ, y)`` (mean squared errors).

    ``alpha`` in [0, 1] weighs the intermediate predictions (1: only them, 0: only the ensemble).
    """
    if not 0.0 <= float(alpha) <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    if len(intermediates) == 0:
        raise ValueError("intermediates must hold at least one prediction")
    inter = sum(F.mse_loss(p, hr) for p in intermediates) / len(intermediates)
    return alpha * inter + (1 - alpha) * F.mse_loss(output, hr)


@register("drcn")
def drcn(scale: int = 2, **kw) -> DRCN:
    """DRCN, 256 features, 16 recursions: 1,774,080 weights on Y."""
    return DRCN(scale=scale, **kw)


@register("drcn-small")
def drcn_small(scale: int = 2, **kw) -> DRCN:
    """A quick-mode DRCN: 32 features, 6 recursions."""
    kw.setdefault("features", 32)
    kw.setdefault("recursions", 6)
    return DRCN(scale=scale, **kw)


__all__ = ["DRCN", "recursive_supervision_loss"]
