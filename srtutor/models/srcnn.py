"""SRCNN (Dong et al., ECCV 2014 / TPAMI 2016): the first CNN for SR, **pre-upsampling** framework.

Three convolutions on the bicubic-upscaled Y channel — patch extraction ``f1 x f1``,
non-linear mapping ``f2 x f2``, reconstruction ``f3 x f3`` — with ``n1 = 64``, ``n2 = 32``.

Parameter counts (Y channel, ``c = 1``), weights only as the paper counts them
(``n1 f1^2 c + n1 n2 f2^2 + n2 f3^2 c``) and with the ``n1 + n2 + 1`` biases:

=========  ===================  ==============
setting    paper (weights)      with biases
=========  ===================  ==============
9-1-5      8,032                8,129
9-5-5      57,184               57,281
=========  ===================  ==============

The paper uses unpadded ("valid") convolutions and a smaller output; here the convolutions are
zero-padded ("same") so that output and input sizes agree — the parameter count is unchanged.

Reference: the papers (Dong et al. ECCV 2014 §3, TPAMI 2016 §3: conv ``f1`` + ReLU, conv ``f2`` +
ReLU, conv ``f3``, with biases). The authors' Caffe/MATLAB code (``SRCNN_train.zip`` of the
project page) is not in a public repository and was not available to check against. Remaining
deviation: the padding above (the authors' nets are "valid"; farther than
``(f1 + f2 + f3 - 3) / 2`` pixels from the border both give the same values).
"""

from __future__ import annotations

import torch.nn as nn

from srtutor.models import register


class SRCNN(nn.Module):
    """SRCNN (Dong et al. 2014), pre-upsampling. Input/output ``(N, C, sH, sW)``.

    Args:
        scale: the factor the model was trained for (the network itself does not resize).
        channels: 1 (Y, as the paper) or 3.
        kernel_sizes: ``(f1, f2, f3)``, ``(9, 5, 5)`` or ``(9, 1, 5)`` in the paper.
        features: ``(n1, n2)``.
    """

    upsampling = "pre"
    supported_scales = None  # the bicubic step before the network takes any factor

    def __init__(self, scale: int = 3, channels: int = 1, kernel_sizes=(9, 5, 5), features=(64, 32)):
        super().__init__()
        self.scale, self.in_channels = scale, channels
        (f1, f2, f3), (n1, n2) = kernel_sizes, features
        self.body = nn.Sequential(
            nn.Conv2d(channels, n1, f1, padding=f1 // 2), nn.ReLU(inplace=True),
            nn.Conv2d(n1, n2, f2, padding=f2 // 2), nn.ReLU(inplace=True),
            nn.Conv2d(n2, channels, f3, padding=f3 // 2),
        )

    def forward(self, x):
        return self.body(x)


@register("srcnn", model=SRCNN)
def srcnn(scale: int = 3, **kw) -> SRCNN:
    """SRCNN 9-5-5 (57,184 weights, 57,281 parameters on Y)."""
    return SRCNN(scale=scale, **kw)


@register("srcnn-915", model=SRCNN)
def srcnn_915(scale: int = 3, **kw) -> SRCNN:
    """SRCNN 9-1-5 (8,032 weights, 8,129 parameters on Y)."""
    return SRCNN(scale=scale, kernel_sizes=(9, 1, 5), **kw)
