"""RDN: Residual Dense Network (Zhang, Tian, Kong, Zhong & Fu, CVPR 2018) — survey §3.3.4.

Framework: post-upsampling. Residual dense blocks (dense connections + local feature
fusion + local residual), then global feature fusion of every block's output.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from ..blocks import PixelShuffleTail, ResidualDenseBlock, conv
from ..models import register
from ._api import legacy_names

Tensor = torch.Tensor


@legacy_names
class RDN(nn.Module):
    """RDN (Zhang et al. CVPR 2018), post-upsampling framework.

    Two shallow convs (``F_{-1}``, ``F_0``), ``D`` residual dense blocks of ``C`` layers with
    growth ``G`` on ``G0`` channels, global feature fusion (``1x1`` conv over the ``D``
    block outputs then ``3x3`` conv) plus global residual from ``F_{-1}``, sub-pixel upsampler,
    output conv. The paper's RDN (D=16, C=8, G=G0=64) has about 22M parameters:
    22,123,395 for ×2 and 22,271,107 for ×4 here (commonly cited 22.1M / 22.3M).

    Checked against the authors' Torch7 code (yulunzhang/RDN, ``RDN_TrainCode/code/model/RDN.lua``:
    dense layers conv-ReLU concatenated after their input, ``1x1`` local fusion and local skip,
    global fusion over ``[F_1, ..., F_D]`` in block order, ``3x3`` conv, global skip from the first
    shallow conv, upsampler without activation on ``G0`` channels, output conv; no mean shift)
    and the PyTorch port most RDN checkpoints use (EDSR-PyTorch ``src/model/rdn.py``, 0–255
    images, no mean shift). ``rgb_range=255`` computes in that 0–255 range (``x * 255`` in,
    ``/ 255`` out); the default ``1`` in srtutor's ``[0, 1]``. Remaining deviation: the
    EDSR-PyTorch port's upsampler widens ``G0 -> G s^2`` (``G`` channels after the shuffle),
    the authors' and this one ``G0 -> G0 s^2``; the two agree when ``G = G0`` (the paper's RDN).
    """

    upsampling = "post"
    supported_scales = (2, 3, 4)
    _legacy_names = {"G0": "features"}  # srtutor 0.1 (and colors = image channels)

    def __init__(self, scale: int = 2, *, channels: int = 3, D: int = 16, C: int = 8, G: int = 64, features: int = 64,
                 rgb_range: float = 1.0):
        super().__init__()
        colors, G0 = channels, features
        self.scale, self.in_channels = scale, colors
        self.rgb_range = float(rgb_range)
        self.sfe1, self.sfe2 = conv(colors, G0), conv(G0, G0)
        self.rdbs = nn.ModuleList(ResidualDenseBlock(G0, G, C) for _ in range(D))
        self.gff = nn.Sequential(conv(D * G0, G0, 1), conv(G0, G0))
        self.tail = nn.Sequential(PixelShuffleTail(G0, scale), conv(G0, colors))

    def forward(self, x: Tensor) -> Tensor:
        f_1 = self.sfe1(x * self.rgb_range)
        h = self.sfe2(f_1)
        outs = []
        for rdb in self.rdbs:
            h = rdb(h)
            outs.append(h)
        return self.tail(self.gff(torch.cat(outs, 1)) + f_1) / self.rgb_range


@register("rdn", model=RDN)
def rdn(scale: int = 2, **kw) -> RDN:
    """Full RDN: D=16, C=8, G=G0=64."""
    return RDN(scale, **kw)


@register("rdn-small", model=RDN)
def rdn_small(scale: int = 2, **kw) -> RDN:
    """Quick-mode RDN: D=3, C=4, G=16, G0=32."""
    for k, v in dict(D=3, C=4, G=16, features=32).items():
        kw.setdefault(k, v)
    return RDN(scale, **kw)


__all__ = ["RDN"]
