"""LapSRN (Lai et al., CVPR 2017): Laplacian pyramid SR network, **progressive upsampling**.

Two branches, one pyramid level per ×2:

* feature extraction: an input conv, then per level ``d`` convolutions ``3 x 3 x 64`` (leaky
  ReLU 0.2) and a ``3 x 3`` transposed conv ×2 (leaky ReLU);
* image reconstruction: the previous level's image upsampled ×2 by a ``4 x 4`` transposed conv
  without bias (initialised bilinear), plus the residual predicted from the features by a
  ``3 x 3`` conv.

One forward pass yields the ×2, ×4 (and ×8) predictions (:meth:`LapSRN.pyramid`), which the
paper supervises jointly (deep supervision, Charbonnier loss).

Checked against the authors' MatConvNet code (phoenix104104/LapSRN, ``init_LapSRN_model.m``):
input conv + LReLU; per level ``depth`` conv + LReLU, ``level<s>_upconv`` a ``3 x 3`` (``conv_f``)
transposed conv with ``upsample 2, crop [0 1 0 1]`` + LReLU, ``level<s>_residual`` conv; image
branch ``level<s>_img_up`` ``4 x 4``, ``crop 1``, ``hasBias false``, bilinear initialisation;
the sum. The ``crop [0 1 0 1]`` of the ``3 x 3`` feature upsampler (the full ``2H + 1`` output
minus its last row and column) is reproduced exactly.

Parameters (Y, depth ``d = 10``): weights ``576 + L (10 * 36,864 + 36,864 + 576 + 16)`` for
``L = log2 s`` levels: ×4 **812,768** — the paper's and the survey's "812K" —, ×2 406,672; with
biases ×2 **407,441**, ×4 **814,242**, ×8 1,221,043.

``paper=False`` is srtutor 0.1's variant (a ``4 x 4`` feature transposed conv, a bias in the
image upsampler; ×4 871,588 parameters), kept because the shipped ``lapsrn`` weights were
trained with it (their model card passes ``paper=False``).
"""

from __future__ import annotations

import torch
import torch.nn as nn

from srtutor.models import register


class _CroppedUpconv(nn.ConvTranspose2d):
    """MatConvNet's ``ConvTranspose(upsample 2, crop [0 1 0 1])`` of a ``3 x 3`` filter: the full
    transposed convolution (``2H + 1`` rows) without its last row and column -> ``2H``."""

    def forward(self, x):
        return super().forward(x)[..., : 2 * x.shape[-2], : 2 * x.shape[-1]]


class LapSRN(nn.Module):
    """LapSRN (Lai et al. 2017), progressive. ``(N, C, H, W) -> (N, C, sH, sW)``, ``s`` in {2, 4, 8}.

    Args:
        scale: 2, 4 or 8 (number of levels ``log2 s``).
        channels: 1 (Y, as the paper) or 3.
        depth: conv layers per level (10).
        features: filters (64).
        paper: the authors' layers (default); ``False``: srtutor 0.1's variant (module docstring).
    """

    upsampling = "progressive"
    supported_scales = (2, 4, 8)  # one pyramid level per x2

    def __init__(self, scale: int = 4, channels: int = 1, depth: int = 10, features: int = 64, paper: bool = True):
        super().__init__()
        if scale not in (2, 4, 8):
            raise ValueError(f"scale must be 2, 4 or 8 for LapSRN, got {scale!r}")
        self.scale, self.in_channels, self.paper = scale, channels, bool(paper)
        levels = scale.bit_length() - 1

        def act():
            return nn.LeakyReLU(0.2, inplace=True)

        self.input = nn.Sequential(nn.Conv2d(channels, features, 3, padding=1), act())
        self.features = nn.ModuleList()
        self.residuals = nn.ModuleList()
        self.images = nn.ModuleList()
        for _ in range(levels):
            layers = []
            for _ in range(depth):
                layers += [nn.Conv2d(features, features, 3, padding=1), act()]
            up = _CroppedUpconv(features, features, 3, stride=2) if paper else \
                nn.ConvTranspose2d(features, features, 4, stride=2, padding=1)
            layers += [up, act()]
            self.features.append(nn.Sequential(*layers))
            self.residuals.append(nn.Conv2d(features, channels, 3, padding=1))
            self.images.append(nn.ConvTranspose2d(channels, channels, 4, stride=2, padding=1, bias=not paper))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, a=0.2)
                nn.init.zeros_(m.bias)
        for up in self.images:  # start the image branch as bilinear ×2 upsampling
            nn.init.zeros_(up.weight)
            if up.bias is not None:
                nn.init.zeros_(up.bias)
            k = 1 - ((torch.arange(4.0) - 1.5) / 2).abs()  # bilinear kernel (0.25, 0.75, 0.75, 0.25)
            with torch.no_grad():
                for c in range(channels):
                    up.weight[c, c] = k[:, None] * k[None, :]

    def pyramid(self, x):
        """All levels' outputs ``[×2, ×4, (×8)]``, each ``(N, C, 2^l H, 2^l W)``."""
        outs, f, img = [], self.input(x), x
        for feat, res, up in zip(self.features, self.residuals, self.images):
            f = feat(f)
            img = up(img) + res(f)
            outs.append(img)
        return outs

    def forward(self, x, pyramid: bool = False):
        """The ``×scale`` prediction, or with ``pyramid=True`` every level's (:meth:`pyramid`:
        what deep supervision in :func:`srtutor.train.train` calls, through DDP wrappers too)."""
        outs = self.pyramid(x)
        return outs if pyramid else outs[-1]


@register("lapsrn", model=LapSRN)
def lapsrn(scale: int = 4, **kw) -> LapSRN:
    """LapSRN, depth 10 per level (814,242 parameters at ×4 on Y; 812,768 weights: the paper's 812K)."""
    return LapSRN(scale=scale, **kw)
