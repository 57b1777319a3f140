"""FSRCNN (Dong, Loy, Tang, ECCV 2016): fast SRCNN, **post-upsampling** with a transposed conv.

Feature extraction ``conv(5, d)``, shrinking ``conv(1, s)``, ``m`` mapping layers
``conv(3, s)``, expanding ``conv(1, d)``, PReLU after each, and a ``9 x 9`` transposed
convolution with stride ``scale`` (:class:`srtutor.upsample.TransposedConvUpsample`).

Parameters of FSRCNN(56, 12, 4) on Y: the paper counts weights only,
``25·56 + 56·12 + 4·9·12·12 + 12·56 + 81·56 = 12,464``; PyTorch also counts
173 biases and 172 PReLU slopes: ``12,809`` (independent of the scale).

Reference: the paper (Dong et al. 2016, §3.2: conv5 ``d``, conv1 ``s``, ``m`` x conv3 ``s``, conv1
``d``, PReLU after each — one slope per channel, Caffe's default —, deconv ``9 x 9`` stride
``s``). The authors' Caffe training files (``FSRCNN_train.zip`` of the project page, not in a
public repository; a copy of its prototxt on GitHub) use unpadded convolutions on training
patches; here every conv is
zero-padded ("same") and the deconvolution is cropped to exactly ``s`` times the input
(:func:`srtutor.upsample.deconv_padding`). Remaining deviation: that border handling.
"""

from __future__ import annotations

import torch.nn as nn

from srtutor.models import register
from srtutor.upsample import TransposedConvUpsample


class FSRCNN(nn.Module):
    """FSRCNN(d, s, m) (Dong et al. 2016), post-upsampling. ``(N, C, H, W) -> (N, C, sH, sW)``."""

    upsampling = "post"
    supported_scales = tuple(range(2, 9))  # any integer stride of the 9x9 deconvolution

    def __init__(self, scale: int = 3, channels: int = 1, d: int = 56, s: int = 12, m: int = 4):
        super().__init__()
        self.scale, self.in_channels = scale, channels

        def conv(i, o, k):
            return [nn.Conv2d(i, o, k, padding=k // 2), nn.PReLU(o)]

        layers = conv(channels, d, 5) + conv(d, s, 1)
        for _ in range(m):
            layers += conv(s, s, 3)
        layers += conv(s, d, 1)
        self.body = nn.Sequential(*layers)
        self.deconv = TransposedConvUpsample(d, channels, scale, kernel_size=9)
        for mod in self.body:
            if isinstance(mod, nn.Conv2d):
                nn.init.kaiming_normal_(mod.weight, a=0.25)
                nn.init.zeros_(mod.bias)
        nn.init.normal_(self.deconv.weight, std=0.001)
        nn.init.zeros_(self.deconv.bias)

    def forward(self, x):
        return self.deconv(self.body(x))


@register("fsrcnn", model=FSRCNN)
def fsrcnn(scale: int = 3, **kw) -> FSRCNN:
    """FSRCNN(56, 12, 4): 12,464 weights (paper), 12,809 parameters."""
    return FSRCNN(scale=scale, **kw)


@register("fsrcnn-s", model=FSRCNN)
def fsrcnn_s(scale: int = 3, **kw) -> FSRCNN:
    """FSRCNN-s = FSRCNN(32, 5, 1): 3,937 weights (paper)."""
    return FSRCNN(scale=scale, d=32, s=5, m=1, **kw)
