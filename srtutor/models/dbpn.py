"""D-DBPN (Haris, Shakhnarovich, Ukita, CVPR 2018): deep back-projection networks,
**iterative up-and-down sampling** framework.

Feature extraction (``conv 3x3 -> n0``, ``conv 1x1 -> nr``), then ``T`` alternating
*up-projection* and *down-projection* units, each computing a back-projection error:

* up:   ``H0 = deconv(L);  L0 = conv(H0);  H1 = deconv(L0 - L);  H = H0 + H1``
* down: ``L0 = conv(H);   H0 = deconv(L0);  L1 = conv(H0 - H);   L = L0 + L1``

with ``(kernel, stride, padding)`` = (6, 2, 2) for ×2, (7, 3, 2) ×3, (8, 4, 2) ×4 and PReLU
after every (de)conv. *Dense* DBPN feeds each unit the concatenation of all previous units'
outputs of the other resolution, compressed by a ``1 x 1`` conv; the reconstruction is a
``3 x 3`` conv on the concatenation of all HR maps.

Checked against the authors' PyTorch code (alterzero/DBPN-Pytorch, ``dbpn.py`` with
``base_networks.py``: ``Net`` = D-DBPN, ``T = 7``; ``dbpn_v1.py`` = DBPN-LL, ``T = 10``): same
layers (every conv and deconv followed by a single-slope PReLU, the ``1 x 1`` compression also;
the reconstruction conv without activation; the first up/down units without compression);
same concatenation order — the *newest* map first, ``[H_t, ..., H_1]`` and ``[L_t, ..., L_1]``,
also for the reconstruction; inputs and outputs in ``[0, 1]``, no mean shift, no global
residual. Remaining deviations: ×3 (``(7, 3, 2)``, from the paper's text) is not in the
authors' code; their weights load with :func:`srtutor.models.official.load_official`.

The paper's D-DBPN (``n0 = 256``, ``nr = 64``, ``T = 7``) has 10,426,358 parameters at
×4 here (RGB, with biases and PReLU slopes; the survey lists 10.4M); :func:`dbpn_small`
(``n0 = 32``, ``nr = 16``, ``T = 3``) has 142,278 parameters at ×2 and trains
on a CPU in minutes.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from srtutor.models import register

_PROJ = {2: (6, 2, 2), 3: (7, 3, 2), 4: (8, 4, 2), 8: (12, 8, 2)}


def _conv(i, o, k, s=1, p=0):
    return nn.Sequential(nn.Conv2d(i, o, k, s, p), nn.PReLU())


def _deconv(i, o, k, s, p):
    return nn.Sequential(nn.ConvTranspose2d(i, o, k, s, p), nn.PReLU())


class UpProjection(nn.Module):
    """Up-projection unit: LR ``(N, in, H, W)`` -> HR ``(N, nr, sH, sW)``."""

    def __init__(self, in_features: int, features: int, scale: int):
        super().__init__()
        k, s, p = _PROJ[scale]
        self.squeeze = _conv(in_features, features, 1) if in_features != features else nn.Identity()
        self.up1, self.down, self.up2 = _deconv(features, features, k, s, p), _conv(features, features, k, s, p), \
            _deconv(features, features, k, s, p)

    def forward(self, lr):
        lr = self.squeeze(lr)
        h0 = self.up1(lr)
        return h0 + self.up2(self.down(h0) - lr)


class DownProjection(nn.Module):
    """Down-projection unit: HR ``(N, in, sH, sW)`` -> LR ``(N, nr, H, W)``."""

    def __init__(self, in_features: int, features: int, scale: int):
        super().__init__()
        k, s, p = _PROJ[scale]
        self.squeeze = _conv(in_features, features, 1) if in_features != features else nn.Identity()
        self.down1, self.up, self.down2 = _conv(features, features, k, s, p), _deconv(features, features, k, s, p), \
            _conv(features, features, k, s, p)

    def forward(self, hr):
        hr = self.squeeze(hr)
        l0 = self.down1(hr)
        return l0 + self.down2(self.up(l0) - hr)


class DBPN(nn.Module):
    """Dense DBPN, iterative up-and-down sampling. ``(N, C, H, W) -> (N, C, sH, sW)``.

    Args:
        scale: 2, 3, 4 or 8.
        channels: 3 (RGB, as the paper) or 1.
        n0, features: widths of the initial features and of the projection units (256, 64 in the paper).
        stages: number ``T`` of up-projection units (``T - 1`` down-projection units).
    """

    upsampling = "iterative"
    supported_scales = tuple(sorted(_PROJ))

    def __init__(self, scale: int = 2, channels: int = 3, n0: int = 256, features: int = 64, stages: int = 7):
        super().__init__()
        if scale not in _PROJ:
            raise ValueError(f"scale must be one of {sorted(_PROJ)} for DBPN, got {scale!r}")
        self.scale, self.in_channels = scale, channels
        self.extract = nn.Sequential(_conv(channels, n0, 3, 1, 1), _conv(n0, features, 1))
        self.ups = nn.ModuleList(UpProjection(features * max(t, 1), features, scale) for t in range(stages))
        self.downs = nn.ModuleList(DownProjection(features * (t + 1), features, scale) for t in range(stages - 1))
        self.reconstruct = nn.Conv2d(features * stages, channels, 3, padding=1)

    def forward(self, x):
        lows: list = []
        highs = [self.ups[0](self.extract(x))]
        for up, down in zip(self.ups[1:], self.downs):  # newest map first, as the authors concatenate
            lows.insert(0, down(torch.cat(highs, 1)))
            highs.insert(0, up(torch.cat(lows, 1)))
        return self.reconstruct(torch.cat(highs, 1))


@register("dbpn", model=DBPN)
def dbpn(scale: int = 2, **kw) -> DBPN:
    """D-DBPN as in the paper (n0 = 256, nr = 64, T = 7)."""
    return DBPN(scale=scale, **kw)


@register("dbpn-small", model=DBPN)
def dbpn_small(scale: int = 2, **kw) -> DBPN:
    """A small D-DBPN (n0 = 32, nr = 16, T = 3; 142,278 parameters at ×2) for CPU experiments."""
    kw = {"n0": 32, "features": 16, "stages": 3, **kw}
    return DBPN(scale=scale, **kw)
