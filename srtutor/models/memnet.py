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


def _pre_act(channels: int, bn: bool) -> list[nn.Module]:
    return ([nn.BatchNorm2d(channels)] if bn else []) + [nn.ReLU()]


class MemoryBlock(nn.Module):
    """One memory block: a recursive unit (one pre-activation residual block applied ``R``
    times with shared weights; each application is a short-term memory) and a gate unit
    (``1x1`` conv over ``[long-term memories, short-term memories]``, ``(R + m) C -> C``)."""

    def __init__(self, channels: int, recursions: int, n_long: int, *, bn: bool = False, bias: bool = True):
        super().__init__()
        self.recursions = recursions
        self.residual = nn.Sequential(*_pre_act(channels, bn), conv(channels, channels, bias=bias),
                                      *_pre_act(channels, bn), conv(channels, channels, bias=bias))
        cin = (recursions + n_long) * channels
        self.gate = nn.Sequential(*_pre_act(cin, bn), conv(cin, channels, 1, bias=bias))

    def forward(self, x: Tensor, long_term: list[Tensor]) -> Tensor:
        short = []
        h = x
        for _ in range(self.recursions):
            h = h + self.residual(h)
            short.append(h)
        return self.gate(torch.cat(long_term + short, 1))


@legacy_names
class MemNet(nn.Module):
    """MemNet (Tai et al. ICCV 2017), pre-upsampling framework, multi-supervised.

    The paper's M6R6 (80 layers, Y channel) has 677K parameters (conv weights): here
    ``MemNet(channels=1)`` has 676,992 weights + 6 averaging weights + 1,217 biases.

    Args:
        scale: upscaling factor (of the bicubic step before the network).  channels: image channels.
        features: ``C`` (64).  memory_blocks: ``M`` (6).  recursions: ``R`` (6).  bn: pre-act BN.
    """

    upsampling = "pre"
    supported_scales = None  # the bicubic step before the network takes any factor
    _legacy_width = True  # srtutor 0.1: colors = image channels, channels = width

    def __init__(self, scale: int = 2, *, channels: int = 3, features: int = 64, memory_blocks: int = 6,
                 recursions: int = 6, bn: bool = False):
        super().__init__()
        self.scale, self.in_channels = scale, channels
        self.fenet = nn.Sequential(*_pre_act(channels, bn)[:-1], conv(channels, features))
        self.blocks = nn.ModuleList(MemoryBlock(features, recursions, m + 1, bn=bn) for m in range(memory_blocks))
        self.recon = nn.Sequential(*_pre_act(features, bn), conv(features, channels))
        self.weights = nn.Parameter(torch.full((memory_blocks,), 1.0 / memory_blocks))

    def forward_all(self, x: Tensor) -> list[Tensor]:
        """The ``M`` intermediate predictions followed by the final weighted average."""
        up = x
        memories = [self.fenet(up)]
        preds = []
        for block in self.blocks:
            memories.append(block(memories[-1], list(memories)))
            preds.append(up + self.recon(memories[-1]))
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
