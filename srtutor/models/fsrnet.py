"""Face SR with structural priors, after FSRNet (Chen, Tai, Liu, Shen, Yang, CVPR 2018) — survey §5.2.

FSRNet's pipeline, at CPU scale:

1. **coarse SR**: a few convolutions refine the bicubic-upsampled LR face (pre-upsampling);
2. **prior estimation** from the coarse face: ``K`` landmark heatmaps and ``P``-class parsing
   logits (FSRNet uses an hourglass; here a small dilated CNN);
3. **fine SR encoder** on the coarse face;
4. **fusion and decoder**: encoder features concatenated with the heatmaps and the parsing
   probabilities, decoded to a residual on the coarse face.

:func:`face_prior_loss` supervises all of it — ``MSE(coarse, hr) + MSE(sr, hr) + λ
(MSE(heatmaps, gt_heatmaps) + CE(parsing, gt_parsing))``. FSRNet regresses the parsing maps
with MSE; cross-entropy is used here for the class maps (a stated deviation). With ``λ = 0`` and
``use_priors=False`` the same network is the no-prior baseline. Training data with exact
landmarks and parsing: :func:`srtutor.priors.synthetic_faces`.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from srtutor.models import register

Tensor = torch.Tensor


def _convs(cin: int, features: int, n: int, dilations=None) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for i in range(n):
        d = 1 if dilations is None else dilations[i]
        layers += [nn.Conv2d(cin if i == 0 else features, features, 3, padding=d, dilation=d), nn.ReLU(inplace=True)]
    return layers


class FSRNetLite(nn.Module):
    """Prior-guided face SR (FSRNet's structure at small width). ``(N, C, sH, sW) -> same``.

    Args:
        scale: factor of the bicubic step before the network (pre-upsampling).
        channels: image channels (3).
        features: width of every branch.
        landmarks: ``K`` heatmaps predicted.
        parsing_classes: ``P`` parsing classes predicted.
        use_priors: feed the estimated priors to the decoder (``False``: the decoder sees the
            encoder features only — the ablation without structural prior).

    The last convolutions of the coarse and fine branches start at zero, so an untrained model
    returns its (bicubic) input. ``forward(x)`` returns the SR face; ``forward(x, return_all=True)`` returns
    ``{"sr", "coarse", "heatmaps", "parsing"}`` (parsing as logits).
    """

    upsampling = "pre"
    supported_scales = (2, 3, 4, 8)

    def __init__(self, scale: int = 4, channels: int = 3, features: int = 32, landmarks: int = 5,
                 parsing_classes: int = 5, use_priors: bool = True):
        super().__init__()
        self.scale, self.in_channels, self.use_priors = scale, channels, use_priors
        self.coarse = nn.Sequential(*_convs(channels, features, 3), nn.Conv2d(features, channels, 3, padding=1))
        self.prior = nn.Sequential(*_convs(channels, features, 4, dilations=(1, 2, 4, 1)))
        self.heat_head = nn.Conv2d(features, landmarks, 1)
        self.parse_head = nn.Conv2d(features, parsing_classes, 1)
        self.encoder = nn.Sequential(*_convs(channels, features, 3))
        extra = landmarks + parsing_classes if use_priors else 0
        self.decoder = nn.Sequential(*_convs(features + extra, features, 3), nn.Conv2d(features, channels, 3, padding=1))
        for last in (self.coarse[-1], self.decoder[-1]):  # start as the bicubic input
            nn.init.zeros_(last.weight)
            nn.init.zeros_(last.bias)

    def forward(self, x: Tensor, return_all: bool = False):
        coarse = x + self.coarse(x)
        p = self.prior(coarse)
        heat, parse = self.heat_head(p), self.parse_head(p)
        f = self.encoder(coarse)
        if self.use_priors:
            f = torch.cat([f, heat, parse.softmax(1)], 1)
        sr = coarse + self.decoder(f)
        if return_all:
            return {"sr": sr, "coarse": coarse, "heatmaps": heat, "parsing": parse}
        return sr


def face_prior_loss(out: dict[str, Tensor], hr: Tensor, heatmaps: Tensor, parsing: Tensor,
                    prior_weight: float = 1.0) -> tuple[Tensor, dict[str, Tensor]]:
    """FSRNet-style loss on :meth:`FSRNetLite.forward` ``(return_all=True)`` outputs.

    ``MSE(coarse, hr) + MSE(sr, hr) + prior_weight · (MSE(heatmaps_pred, heatmaps) +
    CE(parsing_logits, parsing))``; ``heatmaps`` ``(N, K, H, W)``, ``parsing`` ``(N, H, W)`` long.

    Returns:
        ``(total, {"coarse", "sr", "heatmap", "parsing"})``.
    """
    if prior_weight < 0:
        raise ValueError(f"prior_weight must be >= 0, got {prior_weight}")
    parts = {"coarse": F.mse_loss(out["coarse"], hr), "sr": F.mse_loss(out["sr"], hr),
             "heatmap": F.mse_loss(out["heatmaps"], heatmaps), "parsing": F.cross_entropy(out["parsing"], parsing)}
    total = parts["coarse"] + parts["sr"] + prior_weight * (parts["heatmap"] + parts["parsing"])
    return total, parts


@register("fsrnet-lite")
def fsrnet_lite(scale: int = 4, **kw) -> FSRNetLite:
    """FSRNet-style prior-guided face SR, 32 features, 5 landmarks, 5 parsing classes."""
    return FSRNetLite(scale=scale, **kw)


__all__ = ["FSRNetLite", "face_prior_loss"]
