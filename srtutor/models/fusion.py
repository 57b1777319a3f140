"""Context-wise network fusion (Ren, El-Khamy, Lee, CVPRW 2017) — survey §3.5.1.

Several SR networks ``S_1..S_M`` super-resolve the same LR image; their outputs are fused by
learned layers (a stacking ensemble):

* **pixel-wise fusion** (PWF, the paper's baseline): ``ŷ = Σ_j w_j S_j(x)`` with one learned
  scalar per network (:class:`PixelWiseFusion`);
* **context-wise fusion** (CNF, the paper's method): each output passes through its own
  convolution, which looks at a neighbourhood ("context") of the SR image, and the results are
  summed, ``ŷ = Σ_j conv_j(S_j(x))`` (:class:`ContextWiseFusion`). Each fusion conv starts as
  ``1/M`` times the identity (so an untrained CNF is the plain average of its members).

The members may follow any framework (pre- or post-upsampling, Y or RGB): each is given the input
it expects by :func:`srtutor.models.inference.prepare_input` and called by
:func:`srtutor.models.inference.forward_sr`, and its output is brought to the fused model's
channel count (a Y-channel member of an RGB fusion gets the bicubic-upscaled chroma, as
:func:`srtutor.models.upscale` gives it). ``freeze_members=True`` trains only the fusion layers (the paper fine-tunes either
way). The fused model takes the LR image (``upsampling = "post"``).
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn as nn

from srtutor.models import create, register
from srtutor.color import rgb_to_ycbcr, ycbcr_to_rgb
from srtutor.models.inference import bicubic_upsample, forward_sr, prepare_input, to_model_channels

Tensor = torch.Tensor


class _Fusion(nn.Module):
    upsampling = "post"
    supported_scales: tuple[int, ...] = (2, 3, 4)  # an instance serves its members' scale only

    def __init__(self, members: Sequence[nn.Module], scale: int, channels: int, freeze_members: bool):
        super().__init__()
        if len(members) < 2:
            raise ValueError(f"fusion needs at least 2 member networks, got {len(members)}")
        self.members = nn.ModuleList(members)
        self.scale, self.in_channels = scale, channels
        self.supported_scales = (scale,)
        if freeze_members:
            for p in self.members.parameters():
                p.requires_grad_(False)

    def member_outputs(self, x: Tensor) -> list[Tensor]:
        """Each member's SR image ``(N, channels, sH, sW)`` for the LR batch ``x``."""
        size = (x.shape[-2] * self.scale, x.shape[-1] * self.scale)
        outs = []
        for m in self.members:
            y = forward_sr(m, prepare_input(m, x, self.scale, size), self.scale, size)
            if y.shape[1] == 1 and self.in_channels == 3 and x.shape[1] == 3:
                # a Y-channel member: its Y with the bicubic-upscaled chroma, as srtutor.models.upscale does
                ycc = bicubic_upsample(rgb_to_ycbcr(x), size)
                y = ycbcr_to_rgb(torch.cat([y.clamp(0, 1), ycc[:, 1:]], 1))
            elif y.shape[1] != self.in_channels:
                y = to_model_channels(y, self.in_channels)
            outs.append(y)
        return outs


class PixelWiseFusion(_Fusion):
    """PWF: ``ŷ = Σ_j w_j S_j(x)``, one learned scalar per member (initialised to ``1/M``)."""

    def __init__(self, members: Sequence[nn.Module], scale: int, channels: int = 3, *,
                 freeze_members: bool = False):
        super().__init__(members, scale, channels, freeze_members)
        self.weights = nn.Parameter(torch.full((len(members),), 1.0 / len(members)))

    def fuse(self, outputs: Sequence[Tensor]) -> Tensor:
        """The fused image from the members' outputs (as :meth:`member_outputs` returns them)."""
        return sum(w * y for w, y in zip(self.weights, outputs))

    def forward(self, x: Tensor) -> Tensor:
        return self.fuse(self.member_outputs(x))


class ContextWiseFusion(_Fusion):
    """CNF: ``ŷ = Σ_j conv_j(S_j(x))`` with a ``kernel_size`` conv per member (``C -> C``).

    Args:
        members: SR networks producing ``scale``-times larger images.
        scale: the upscaling factor.
        channels: image channels of the fused output (1 or 3).
        kernel_size: fusion context (odd; the paper's fusion layers are single convolutions).
        freeze_members: train only the fusion convolutions.
    """

    def __init__(self, members: Sequence[nn.Module], scale: int, channels: int = 3, *, kernel_size: int = 3,
                 freeze_members: bool = False):
        super().__init__(members, scale, channels, freeze_members)
        if kernel_size % 2 != 1:
            raise ValueError(f"kernel_size must be odd, got {kernel_size}")
        self.fusion_convs = nn.ModuleList(nn.Conv2d(channels, channels, kernel_size, padding=kernel_size // 2)
                                  for _ in members)
        c = kernel_size // 2
        with torch.no_grad():
            for f in self.fusion_convs:
                f.weight.zero_()
                f.bias.zero_()
                for i in range(channels):
                    f.weight[i, i, c, c] = 1.0 / len(members)

    def fuse(self, outputs: Sequence[Tensor]) -> Tensor:
        """The fused image ``Σ_j conv_j(outputs[j])`` from the members' outputs."""
        return sum(f(y) for f, y in zip(self.fusion_convs, outputs))

    def forward(self, x: Tensor) -> Tensor:
        return self.fuse(self.member_outputs(x))


@register("cnf")
def cnf(scale: int = 2, members: Sequence[str] = ("srcnn", "fsrcnn", "espcn"), channels: int = 1,
        kernel_size: int = 3, freeze_members: bool = False) -> ContextWiseFusion:
    """CNF over registered models built with ``create(name, scale=scale, channels=channels)``
    (defaults: SRCNN, FSRCNN, ESPCN on Y — three frameworks' outputs fused)."""
    nets = [create(name, scale=scale, channels=channels) for name in members]
    return ContextWiseFusion(nets, scale, channels, kernel_size=kernel_size, freeze_members=freeze_members)


__all__ = ["PixelWiseFusion", "ContextWiseFusion"]
