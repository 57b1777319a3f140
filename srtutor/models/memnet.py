"""MemNet: a persistent memory network (Tai, Yang, Liu & Xu, ICCV 2017) — survey §3.3.2, §3.4.5.

Framework: pre-upsampling (``upsampling = "pre"``: ``forward`` takes the bicubic-upsampled
image). Recursive units inside memory blocks, dense long-term memory through gate units, and multi-supervision: every memory
block's output is reconstructed and the final image is a learned weighted average.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from ..blocks import conv
from ..models import register
from ._api import legacy_names

Tensor = torch.Tensor


class MemoryBlock(nn.Module):
    """One memory block: a recursive unit (one pre-activation residual block applied ``R``
    times with shared convolution weights, ``H_r = H_{r-1} + G(H_{r-1})``; each ``H_r`` is a
    short-term memory) and a gate unit ((BN-)ReLU, ``1x1`` conv over
    ``[long-term memories, short-term memories]``, ``(m + R) C -> C``).

    ``bn=True``: as the authors' Caffe files, each recursion has its own two BatchNorms
    (``bn_conv<m>_<r>_a/b``) while the two convs are shared (``conv<m>_wa``, ``conv<m>_wb``).
    """

    def __init__(self, channels: int, recursions: int, n_long: int, *, bn: bool = False, bias: bool = True):
        super().__init__()
        self.recursions = recursions
        # (ReLU, conv, ReLU, conv): keys residual.1 / residual.3 as in srtutor 0.1
        self.residual = nn.Sequential(nn.ReLU(), conv(channels, channels, bias=bias),
                                      nn.ReLU(), conv(channels, channels, bias=bias))
        self.norms = nn.ModuleList(nn.ModuleList([nn.BatchNorm2d(channels), nn.BatchNorm2d(channels)])
                                   for _ in range(recursions)) if bn else None
        cin = (recursions + n_long) * channels
        self.gate = nn.Sequential(*([nn.BatchNorm2d(cin)] if bn else []), nn.ReLU(), conv(cin, channels, 1, bias=bias))

    def _residual(self, h: Tensor, r: int) -> Tensor:
        if self.norms is None:
            return self.residual(h)
        bn_a, bn_b = self.norms[r]
        return self.residual[3](torch.relu(bn_b(self.residual[1](torch.relu(bn_a(h))))))

    def forward(self, x: Tensor, long_term: list[Tensor]) -> Tensor:
        short = []
        h = x
        for r in range(self.recursions):
            h = h + self._residual(h, r)
            short.append(h)
        return self.gate(torch.cat(long_term + short, 1))


@legacy_names
class MemNet(nn.Module):
    """MemNet (Tai et al. ICCV 2017), pre-upsampling framework, multi-supervised.

    Feature extraction conv, ``M`` memory blocks (block ``m`` gates the long-term memories
    ``[FENet output, B_1, ..., B_{m-1}]`` followed by its ``R`` short-term memories), one
    reconstruction conv shared by all blocks, the bicubic input added to each block's
    reconstruction, and a learned weighted sum of the ``M`` predictions.

    The paper's M6R6 (80 layers, Y channel) has 677K parameters (conv weights): here
    ``MemNet(channels=1)`` has 676,992 weights + 6 averaging weights + 1,217 biases
    (678,215); ``bn=True`` adds the authors' BatchNorms' scale and shift: ``2`` (input)
    + ``6 x 6 x 256`` (recursions) + ``sum_m 128 (6 + m)`` (gates) + ``6 x 128`` (reconstructions)
    = 17,282, so 695,497 in all.

    Checked against the authors' Caffe files (tyshiwo/MemNet,
    ``test/MemNet_M6R6_80C64/MemNet_M6R6_80C64_deploy.prototxt`` and
    ``caffe_files/MemNet_M6R6_80C64/MemNet_M6R6_80C64_train.prototxt``). ``bn=True`` is that
    network: BN-ReLU-conv on the image; in block ``m`` the two convs are shared by the ``R``
    recursions, each recursion with BatchNorms of its own; gate BN-ReLU-conv ``1x1`` over
    ``[conv1, transition_1..m-1, H_1..H_R]``; per block its own BN-ReLU then the shared
    reconstruction conv (``Recon_w``), plus the input, times a scalar weight, all summed.
    ``bn=False`` (default, what the book trains) is the same network without the BatchNorms
    (a lighter variant). Remaining deviation: the weighted sum starts at ``1/M`` (the Caffe
    ``Scale`` layers' initialisation is not in the files).

    Args:
        scale: upscaling factor (of the bicubic step before the network).  channels: image channels.
        features: ``C`` (64).  memory_blocks: ``M`` (6).  recursions: ``R`` (6).
        bn: the authors' pre-activation BatchNorms.
    """

    upsampling = "pre"
    supported_scales = None  # the bicubic step before the network takes any factor
    _legacy_width = True  # srtutor 0.1: colors = image channels, channels = width

    def __init__(self, scale: int = 2, *, channels: int = 3, features: int = 64, memory_blocks: int = 6,
                 recursions: int = 6, bn: bool = False):
        super().__init__()
        self.scale, self.in_channels = scale, channels
        # no ReLU without BN: on an image in [0, 1] it would be the identity anyway (key fenet.0 kept)
        self.fenet = nn.Sequential(nn.BatchNorm2d(channels), nn.ReLU(), conv(channels, features)) if bn \
            else nn.Sequential(conv(channels, features))
        self.blocks = nn.ModuleList(MemoryBlock(features, recursions, m + 1, bn=bn) for m in range(memory_blocks))
        self.recon_norms = nn.ModuleList(nn.BatchNorm2d(features) for _ in range(memory_blocks)) if bn else None
        self.recon = nn.Sequential(nn.ReLU(), conv(features, channels))
        self.weights = nn.Parameter(torch.full((memory_blocks,), 1.0 / memory_blocks))

    def forward_all(self, x: Tensor) -> list[Tensor]:
        """The ``M`` intermediate predictions followed by the final weighted average."""
        up = x
        memories = [self.fenet(up)]
        preds = []
        for m, block in enumerate(self.blocks):
            memories.append(block(memories[-1], list(memories)))
            h = memories[-1] if self.recon_norms is None else self.recon_norms[m](memories[-1])
            preds.append(up + self.recon(h))
        final = sum(w * p for w, p in zip(self.weights, preds))
        return preds + [final]

    def forward(self, x: Tensor) -> Tensor:
        return self.forward_all(x)[-1]


@register("memnet", model=MemNet)
def memnet(scale: int = 2, **kw) -> MemNet:
    """MemNet M6R6, 64 channels."""
    return MemNet(scale, **kw)


@register("memnet-lite", model=MemNet)
def memnet_lite(scale: int = 2, **kw) -> MemNet:
    """A quick-mode MemNet: M3R3, 32 channels."""
    kw.setdefault("features", 32)
    kw.setdefault("memory_blocks", 3)
    kw.setdefault("recursions", 3)
    return MemNet(scale, **kw)


__all__ = ["MemNet", "MemoryBlock"]
