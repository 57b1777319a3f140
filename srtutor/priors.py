"""Structural priors for SR: synthetic faces with landmarks/parsing, heatmaps, prior-based losses.

Survey §3.4.1 ("prior-based loss"): Super-FAN (Bulat & Tzimiropoulos, CVPR 2018) constrains
face SR with a pre-trained face-alignment network — the landmark **heatmaps** it predicts on the
SR image must match those on the HR image. Survey §5.2 (face SR): FSRNet (Chen et al., CVPR 2018)
estimates landmark heatmaps and parsing maps from a coarse SR face and feeds them back as
**structural priors**, supervised by ground-truth landmarks and parsing (see
:class:`srtutor.models.fsrnet.FSRNetLite`).

Real face data sets and alignment networks are large; for a CPU-fast, self-contained
demonstration this module renders **synthetic faces** with exact ground truth:

* :func:`synthetic_faces` — cartoon faces (elliptic face, two eyes, nose, mouth) with random
  position, size, in-plane rotation, skin tone and background, returning images ``(N, 3, S, S)``
  in [0, 1], five landmarks ``(N, 5, 2)`` as ``(x, y)`` pixel coordinates (eye centres, nose
  tip, mouth corners) and parsing maps ``(N, S, S)`` with classes
  :data:`PARSING_CLASSES`;
* :func:`landmark_heatmaps` — Gaussian heatmaps ``(N, K, H, W)`` (peak 1 at each landmark);
* :class:`LandmarkNet` — a small heatmap regressor (fully convolutional), trainable on the
  synthetic faces in seconds (:func:`srtutor.domains.face.train_landmark_net`);
* :class:`HeatmapPriorLoss` — Super-FAN's heatmap loss with a frozen estimator:
  ``mean (E(sr) − E(hr))²`` (or against given heatmaps); gradients reach ``sr`` only;
* :func:`face_sr_batch` — FSRNet-style face SR data from the synthetic faces: LR and
  bicubic-upsampled inputs with heatmap and parsing targets.

This module holds data and pieces only; the training loops that use them are applications of the
training engine and live in :mod:`srtutor.domains.face` (:func:`~srtutor.domains.face.train_landmark_net`,
:func:`~srtutor.domains.face.train_face_sr`, with FSRNet's loss: the structural priors as extra
supervision).
"""

from __future__ import annotations

import math
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

Tensor = torch.Tensor

__all__ = ["PARSING_CLASSES", "LANDMARKS", "synthetic_faces", "landmark_heatmaps", "LandmarkNet",
           "HeatmapPriorLoss", "heatmap_argmax", "face_sr_batch"]

#: parsing labels of :func:`synthetic_faces`.
PARSING_CLASSES = ("background", "skin", "eyes", "nose", "mouth")
#: landmark order of :func:`synthetic_faces`.
LANDMARKS = ("left eye", "right eye", "nose tip", "left mouth corner", "right mouth corner")


def synthetic_faces(n: int, size: int = 64, *, seed: int = 0, rotation_deg: float = 15.0,
                    dtype: torch.dtype = torch.float32) -> dict[str, Tensor]:
    """Render ``n`` synthetic faces of ``size x size`` pixels with landmarks and parsing maps.

    Geometry (face frame, before rotation by ``U(-rotation_deg, rotation_deg)``): face ellipse
    radii ``(rx, ry)`` with ``rx ~ U(0.26, 0.34) S``, ``ry = U(1.15, 1.35) rx``; eyes at
    ``(±0.42 rx, −0.25 ry)`` (radius ``0.16 rx``); nose a small ellipse ending at the tip
    ``(0, 0.12 ry)``; mouth an ellipse centred ``(0, 0.45 ry)`` with half-width ``0.42 rx``, whose
    corners are the mouth landmarks. Edges are anti-aliased (a 1-pixel sigmoid ramp).

    Returns:
        ``{"image": (n, 3, S, S), "landmarks": (n, 5, 2) (x, y), "parsing": (n, S, S) long}``.
    """
    if n < 1 or size < 16:
        raise ValueError(f"need n >= 1 and size >= 16, got n={n}, size={size}")
    g = torch.Generator().manual_seed(seed)

    def u(lo, hi, shape=(n,)):
        return lo + (hi - lo) * torch.rand(shape, generator=g, dtype=torch.float64)

    s = float(size)
    cx, cy = u(0.44, 0.56) * s, u(0.44, 0.56) * s
    rx = u(0.26, 0.34) * s
    ry = u(1.15, 1.35) * rx
    th = u(-rotation_deg, rotation_deg) * math.pi / 180
    skin = torch.stack([u(0.55, 0.95), u(0.35, 0.75), u(0.25, 0.6)], 1)
    bg_a, bg_b = torch.rand(n, 3, generator=g, dtype=torch.float64), torch.rand(n, 3, generator=g, dtype=torch.float64)

    yy, xx = torch.meshgrid(torch.arange(size, dtype=torch.float64) + 0.5,
                            torch.arange(size, dtype=torch.float64) + 0.5, indexing="ij")
    c, sn = torch.cos(th).view(n, 1, 1), torch.sin(th).view(n, 1, 1)
    dx, dy = xx - cx.view(n, 1, 1), yy - cy.view(n, 1, 1)
    u_, v_ = c * dx + sn * dy, -sn * dx + c * dy  # face frame coordinates (pixels)
    rx3, ry3 = rx.view(n, 1, 1), ry.view(n, 1, 1)

    def ellipse(x0, y0, ax, ay):  # soft inside-ness in [0, 1], ~1 px ramp
        d = torch.sqrt(((u_ - x0) / ax) ** 2 + ((v_ - y0) / ay) ** 2)
        return torch.sigmoid((1 - d) * torch.minimum(ax, ay) * 2.0)

    face = ellipse(0, 0, rx3, ry3)
    eye_l = ellipse(-0.42 * rx3, -0.25 * ry3, 0.16 * rx3, 0.11 * rx3)
    eye_r = ellipse(0.42 * rx3, -0.25 * ry3, 0.16 * rx3, 0.11 * rx3)
    nose = ellipse(0 * rx3, 0.02 * ry3, 0.09 * rx3, 0.10 * ry3)
    mouth = ellipse(0 * rx3, 0.45 * ry3, 0.42 * rx3, 0.08 * ry3)

    ramp = (xx / s).unsqueeze(0).unsqueeze(0)
    bg = bg_a.view(n, 3, 1, 1) * (1 - ramp) + bg_b.view(n, 3, 1, 1) * ramp
    img = bg * (1 - face.unsqueeze(1)) + skin.view(n, 3, 1, 1) * face.unsqueeze(1)
    dark = skin.view(n, 3, 1, 1) * 0.35
    for part, colour in ((nose, skin.view(n, 3, 1, 1) * 0.75), (eye_l, img.new_tensor([0.08, 0.06, 0.05]).view(1, 3, 1, 1)),
                         (eye_r, img.new_tensor([0.08, 0.06, 0.05]).view(1, 3, 1, 1)),
                         (mouth, dark + img.new_tensor([0.35, 0.0, 0.0]).view(1, 3, 1, 1))):
        p = (part * face).unsqueeze(1)
        img = img * (1 - p) + colour * p

    parsing = torch.zeros(n, size, size, dtype=torch.long)
    parsing[face > 0.5] = 1
    parsing[(nose * face) > 0.5] = 3
    parsing[((eye_l + eye_r) * face) > 0.5] = 2
    parsing[(mouth * face) > 0.5] = 4

    pts_face = torch.stack([
        torch.stack([-0.42 * rx, -0.25 * ry], 1), torch.stack([0.42 * rx, -0.25 * ry], 1),
        torch.stack([0 * rx, 0.12 * ry], 1),
        torch.stack([-0.42 * rx, 0.45 * ry], 1), torch.stack([0.42 * rx, 0.45 * ry], 1)], 1)  # (n, 5, 2)
    c2, s2 = torch.cos(th).view(n, 1), torch.sin(th).view(n, 1)
    px = c2 * pts_face[..., 0] - s2 * pts_face[..., 1] + cx.view(n, 1)
    py = s2 * pts_face[..., 0] + c2 * pts_face[..., 1] + cy.view(n, 1)
    landmarks = torch.stack([px, py], -1)
    return {"image": img.clamp(0, 1).to(dtype), "landmarks": landmarks.to(dtype), "parsing": parsing}


def landmark_heatmaps(landmarks: Tensor, size: tuple[int, int], sigma: float = 1.5) -> Tensor:
    """Gaussian heatmaps ``exp(-|p − l|² / (2 σ²))`` at pixel centres ``p = (x + 0.5, y + 0.5)``.

    Args:
        landmarks: ``(N, K, 2)`` ``(x, y)`` in pixel units of an image of ``size = (H, W)``.
        sigma: standard deviation in pixels.

    Returns:
        ``(N, K, H, W)`` in (0, 1]; value 1 exactly where a landmark sits on a pixel centre.
    """
    if landmarks.ndim != 3 or landmarks.shape[-1] != 2:
        raise ValueError(f"landmarks must have shape (N, K, 2), got {tuple(landmarks.shape)}")
    h, w = size
    ys = torch.arange(h, dtype=landmarks.dtype, device=landmarks.device) + 0.5
    xs = torch.arange(w, dtype=landmarks.dtype, device=landmarks.device) + 0.5
    dx = xs.view(1, 1, 1, w) - landmarks[..., 0, None, None]
    dy = ys.view(1, 1, h, 1) - landmarks[..., 1, None, None]
    return torch.exp(-(dx ** 2 + dy ** 2) / (2 * sigma ** 2))


def heatmap_argmax(heatmaps: Tensor) -> Tensor:
    """``(N, K, H, W)`` -> ``(N, K, 2)`` ``(x, y)`` of each map's maximum (pixel centres)."""
    n, k, h, w = heatmaps.shape
    idx = heatmaps.flatten(2).argmax(-1)
    return torch.stack([(idx % w).to(heatmaps.dtype) + 0.5, (idx // w).to(heatmaps.dtype) + 0.5], -1)


class LandmarkNet(nn.Module):
    """A small fully convolutional heatmap regressor ``(N, C, H, W) -> (N, K, H, W)``.

    Four 3×3 convolutions (two dilated, receptive field 19 px) with ReLU, then a 1×1 conv to
    ``K`` maps — enough to localise the synthetic faces' parts.
    """

    def __init__(self, channels: int = 3, landmarks: int = 5, features: int = 32):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, features, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(features, features, 3, padding=2, dilation=2), nn.ReLU(inplace=True),
            nn.Conv2d(features, features, 3, padding=4, dilation=4), nn.ReLU(inplace=True),
            nn.Conv2d(features, features, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(features, landmarks, 1))

    def forward(self, x: Tensor) -> Tensor:
        return self.body(x)


class HeatmapPriorLoss(nn.Module):
    """Super-FAN-style prior loss: ``mean (E(sr) − E(hr))²`` with a frozen heatmap estimator ``E``.

    ``forward(sr, hr=None, target=None)``: compares ``E(sr)`` with ``target`` heatmaps when
    given (ground truth), else with ``E(hr)`` (computed without gradients). The estimator's
    parameters are frozen at construction (``requires_grad=False``) and it is kept in eval
    mode; the gradient flows to ``sr`` only.
    """

    def __init__(self, estimator: nn.Module):
        super().__init__()
        self.estimator = estimator.eval()
        for p in self.estimator.parameters():
            p.requires_grad_(False)

    def train(self, mode: bool = True):  # the estimator stays in eval mode
        super().train(mode)
        self.estimator.eval()
        return self

    def forward(self, sr: Tensor, hr: Optional[Tensor] = None, target: Optional[Tensor] = None) -> Tensor:
        if (hr is None) == (target is None):
            raise ValueError("give exactly one of hr (compare with E(hr)) and target (given heatmaps)")
        if target is None:
            with torch.no_grad():
                target = self.estimator(hr)
        return F.mse_loss(self.estimator(sr), target)


def face_sr_batch(n: int, size: int, scale: int, *, seed: int = 0, sigma: Optional[float] = None) -> dict[str, Tensor]:
    """``n`` :func:`synthetic_faces` prepared for pre-upsampling face SR (FSRNet's setting).

    The LR face is MATLAB-bicubic ``↓scale`` of the HR face; the network's input is its
    bicubic ``↑scale`` (clamped to [0, 1]). Heatmaps are :func:`landmark_heatmaps` with
    ``sigma = size / 32`` pixels unless given.

    Returns:
        ``{"hr" (n, 3, S, S), "lr" (n, 3, S/s, S/s), "up" (n, 3, S, S), "heatmaps" (n, 5, S, S),
        "parsing" (n, S, S) long, "landmarks" (n, 5, 2)}``.
    """
    from srtutor.resize import imresize

    if size % scale:
        raise ValueError(f"size must be a multiple of scale, got size={size}, scale={scale}")
    d = synthetic_faces(n, size, seed=seed)
    lr = imresize(d["image"], scale=1 / scale).clamp(0, 1)
    up = imresize(lr, scale=scale).clamp(0, 1)
    heat = landmark_heatmaps(d["landmarks"], (size, size), sigma=size / 32 if sigma is None else sigma)
    return {"hr": d["image"], "lr": lr, "up": up, "heatmaps": heat, "parsing": d["parsing"],
            "landmarks": d["landmarks"]}

