"""DRRN: Deep Recursive Residual Network (Tai, Yang & Liu, CVPR 2017) — survey §3.3.2.

Framework: pre-upsampling (``upsampling = "pre"``): the network refines the bicubic-upsampled
image; :func:`srtutor.models.inference.upscale` and :func:`srtutor.train.train` do that step.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from ..blocks import RecursiveResidualUnit, conv
from ..models import register
from ._api import legacy_names

Tensor = torch.Tensor


@legacy_names
class DRRN(nn.Module):
    """DRRN (Tai et al. CVPR 2017), pre-upsampling framework.

    ``B`` recursive blocks, each a conv then ``U`` residual units sharing their two convs
    (:class:`srtutor.blocks.RecursiveResidualUnit`); a final ReLU-conv and the global
    residual (the bicubic input is added back). Depth ``d = (1 + 2U) B + 1``.

    The paper's DRRN_B1U9 (d = 20) on the Y channel has 297K parameters (conv weights);
    ``DRRN(channels=1)`` has 297,216 weights + 385 biases = 297,601; with ``bn=True``
    (the authors' form) 297,601 + 2 (input BN) + 9 x 512 (unit BNs) + 256 (output BN)
    = 302,467 trainable parameters.

    Checked against the authors' Caffe files (tyshiwo/DRRN_CVPR17,
    ``caffe_files/DRRN_B1U9_20C128/DRRN_B1U9_20C128_train.prototxt``). ``bn=True`` is that
    network exactly: BN-ReLU before the first conv (on the image), per unit
    BN-ReLU-conv-BN-ReLU-conv with the two convs shared by all units and a BatchNorm (with its
    scale/shift) of its own per unit and position, the unit adds the block input, then
    BN-ReLU-conv to one channel and the bicubic input added back. Caffe's ``BatchNorm`` +
    ``Scale`` is one ``nn.BatchNorm2d`` (eps ``1e-5``). ``bn=False`` (default, what the book
    trains) is the same network without the BatchNorms — a lighter variant, not the paper's.
    For ``B > 1`` (no Caffe file published) each block's entry conv gets the same
    (BN-)ReLU pre-activation in the ``bn=True`` form.

    Args:
        scale: upscaling factor (of the bicubic step done before the network).
        channels: image channels (1 for the Y channel as in the paper).
        features: feature maps per layer (128).
        recursive_blocks: ``B``.  units: ``U``.
        bn: the authors' pre-activation BatchNorms (see above).

    ``forward`` takes the bicubic-upsampled image ``(N, channels, sH, sW)``.
    """

    upsampling = "pre"
    supported_scales = None  # the bicubic step before the network takes any factor
    _legacy_width = True  # srtutor 0.1: colors = image channels, channels = width

    def __init__(self, scale: int = 2, *, channels: int = 3, features: int = 128, recursive_blocks: int = 1,
                 units: int = 9, bn: bool = False):
        super().__init__()
        self.scale, self.in_channels = scale, channels
        self.entries = nn.ModuleList(conv(channels if b == 0 else features, features) for b in range(recursive_blocks))
        self.entry_norms = nn.ModuleList(nn.BatchNorm2d(channels if b == 0 else features)
                                         for b in range(recursive_blocks)) if bn else None
        self.units = nn.ModuleList(RecursiveResidualUnit(features, units, bn=bn) for _ in range(recursive_blocks))
        self.exit_norm = nn.BatchNorm2d(features) if bn else None
        self.exit = nn.Sequential(nn.ReLU(), conv(features, channels))

    def forward(self, x: Tensor) -> Tensor:
        h = x
        for b, (entry, unit) in enumerate(zip(self.entries, self.units)):
            if self.entry_norms is not None:
                h = torch.relu(self.entry_norms[b](h))
            h = unit(entry(h))
        if self.exit_norm is not None:
            h = self.exit_norm(h)
        return x + self.exit(h)


@register("drrn", model=DRRN)
def drrn(scale: int = 2, **kw) -> DRRN:
    """DRRN_B1U9 (``recursive_blocks=1, units=9, features=128``)."""
    return DRRN(scale, **kw)


@register("drrn-small", model=DRRN)
def drrn_small(scale: int = 2, **kw) -> DRRN:
    """A quick-mode DRRN: 32 channels, B1U3."""
    kw.setdefault("features", 32)
    kw.setdefault("units", 3)
    return DRRN(scale, **kw)


__all__ = ["DRRN"]
