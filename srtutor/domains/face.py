"""Face SR (survey §5.2): a face box for scikit-image's ``astronaut``, box and skin-colour masks,
face-aware evaluation (:func:`region_psnr`) and a facial-prior loss that weights the face more
(:func:`weighted_l1_loss`), with a small loop that trains with it (:func:`train_weighted_sr`).
On the synthetic faces of :mod:`srtutor.priors` (exact landmarks and parsing maps):
:func:`train_landmark_net` fits the small heatmap estimator that Super-FAN's prior loss
(:class:`srtutor.priors.HeatmapPriorLoss`, survey §3.4.1) freezes, and :func:`train_face_sr`
trains FSRNet-lite with its structural priors as extra supervision. All three are thin calls of
the training engine (:func:`srtutor.train.train`). Real systems need real faces (CelebA, FFHQ)
and real priors (landmarks, parsing maps, identity).
"""

from __future__ import annotations

from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from srtutor._checks import as_batch, check_image, check_positive_int, check_same_shape
from srtutor.color import rgb_to_ycbcr
from srtutor.train import train

Tensor = torch.Tensor

__all__ = ["ASTRONAUT_FACE_BOX", "box_mask", "skin_mask", "region_psnr", "weighted_l1_loss", "train_weighted_sr",
           "train_landmark_net", "train_face_sr"]


#: ``(y, x, h, w)`` of the face (hair to chin) in scikit-image's 512x512 ``astronaut`` image
#: (Eileen Collins), found by eye; scale it for resized copies.
ASTRONAUT_FACE_BOX: tuple[int, int, int, int] = (48, 160, 160, 128)


def box_mask(shape: Sequence[int], box: Sequence[int], *, scale: float = 1.0) -> Tensor:
    """A ``(1, H, W)`` mask, 1 inside ``box = (y, x, h, w)`` (multiplied by ``scale``), else 0."""
    H, W = int(shape[-2]), int(shape[-1])
    y, x, h, w = (int(round(v * scale)) for v in box)
    if h <= 0 or w <= 0 or y < 0 or x < 0 or y >= H or x >= W:
        raise ValueError(f"box (y, x, h, w) = {tuple(box)} (x{scale}) does not lie in a {H}x{W} image")
    m = torch.zeros(1, H, W)
    m[:, y:y + h, x:x + w] = 1
    return m


def skin_mask(rgb: Tensor, *, cb: tuple[float, float] = (77, 127), cr: tuple[float, float] = (133, 173)) -> Tensor:
    """Skin-colour mask: BT.601 ``Cb ∈ [77, 127]`` and ``Cr ∈ [133, 173]`` (Chai & Ngan 1999).

    A crude facial-region detector (it also fires on orange suits and wood), used here as the
    cheapest face prior. Returns a float mask ``(…, 1, H, W)`` of 0/1.
    """
    check_image(rgb, "rgb", channels=(3,))
    ycc = rgb_to_ycbcr(rgb) * 255.0
    c_b, c_r = ycc[..., 1:2, :, :], ycc[..., 2:3, :, :]
    return ((c_b >= cb[0]) & (c_b <= cb[1]) & (c_r >= cr[0]) & (c_r <= cr[1])).to(rgb.dtype)


def region_psnr(sr: Tensor, hr: Tensor, mask: Tensor, *, data_range: float = 1.0) -> Tensor:
    """PSNR restricted to the pixels where ``mask > 0`` (e.g. the face), mean over the batch.

    ``10 log10(R² / MSE_region)``, the MSE averaged over the masked pixels and all channels.
    """
    check_same_shape(sr, hr, "sr", "hr")
    sb, hb = as_batch(sr)[0], as_batch(hr)[0]
    m = as_batch(mask.to(sb))[0].expand_as(sb)
    if not bool((m > 0).any()):
        raise ValueError("mask selects no pixel")
    mse = (((sb - hb) ** 2) * m).flatten(1).sum(1) / m.flatten(1).sum(1)
    return (10 * torch.log10(data_range ** 2 / mse.clamp(min=1e-12))).mean()


def weighted_l1_loss(sr: Tensor, hr: Tensor, weight: Tensor) -> Tensor:
    """``Σ w |sr − hr| / Σ w``: an L1 loss weighted by a spatial map (e.g. ``1 + λ·face_mask``).

    The simplest "facial prior" in the loss: errors inside the face cost ``1 + λ`` times more,
    so a network of fixed capacity spends more of it there. ``weight`` broadcasts to ``sr``.
    """
    check_same_shape(sr, hr, "sr", "hr")
    w = weight.to(sr).expand_as(sr)
    return (w * (sr - hr).abs()).sum() / w.sum().clamp(min=1e-12)


def train_weighted_sr(net: nn.Module, inp: Tensor, target: Tensor, weight: Optional[Tensor] = None, *,
                      steps: int = 200, patch: int = 48, batch_size: int = 8, lr: float = 1e-3,
                      seed: int = 0) -> list[float]:
    """Train a pre-upsampling network (``net(x)`` same size as ``x``) on random crops of one
    aligned ``(inp, target, weight)`` triple with :func:`weighted_l1_loss` (plain L1 when
    ``weight`` is ``None``); Adam, cosine schedule. Returns the per-step losses.

    ``inp``/``target``: ``(C, H, W)`` (the interpolated LR image and the HR image); ``weight``:
    ``(1, H, W)``. Used by the book to compare a face-weighted loss with a plain one at equal
    budget.
    """
    check_same_shape(inp, target, "inp", "target")
    check_positive_int(steps, "steps")
    torch.manual_seed(int(seed))
    w_full = torch.ones_like(target[:1]) if weight is None else weight.to(target)
    hist = train(net, _crops(inp, target, w_full, patch, batch_size, seed), steps=steps, lr=lr,
                 loss=lambda pred, t: weighted_l1_loss(pred, t[0], t[1]), schedule="cosine", min_lr_ratio=0.02,
                 device=None, log_every=1, progress=False, forward=lambda m, b: (m(b[0]), (b[1], b[2])))
    return hist.loss


def _crops(inp: Tensor, target: Tensor, weight: Tensor, patch: int, batch_size: int, seed: int):
    """Endless random aligned crops ``(inp, target, weight)`` of one image."""
    g = torch.Generator().manual_seed(int(seed))
    H, W = target.shape[-2:]
    while True:
        ys = torch.randint(0, H - patch + 1, (batch_size,), generator=g)
        xs = torch.randint(0, W - patch + 1, (batch_size,), generator=g)
        yield tuple(torch.stack([t[:, y:y + patch, x:x + patch] for y, x in zip(ys, xs)])
                    for t in (inp, target, weight))


def _draws(tensors: Sequence[Tensor], batch_size: int, seed: int):
    """Endless mini-batches of rows of ``tensors`` (all of the same length ``n``): each batch is
    ``min(batch_size, n)`` indices drawn with replacement (``torch.randint``) from a generator
    seeded by ``seed``, the draws of the original loops of :func:`train_landmark_net` and
    :func:`train_face_sr`."""
    g = torch.Generator().manual_seed(int(seed))
    n = int(tensors[0].shape[0])
    while True:
        idx = torch.randint(0, n, (min(batch_size, n),), generator=g)
        yield tuple(t[idx] for t in tensors)


def train_landmark_net(net: nn.Module, images: Tensor, heatmaps: Tensor, *, steps: int = 200,
                       lr: float = 2e-3, batch: int = 16, seed: int = 0) -> list[float]:
    """Fit a heatmap estimator (e.g. :class:`srtutor.priors.LandmarkNet`) to ``heatmaps``: MSE,
    Adam at a constant rate ``lr``, ``steps`` steps on mini-batches of ``min(batch, N)`` faces
    drawn with replacement by a generator seeded by ``seed``.

    ``images``: ``(N, C, H, W)`` in [0, 1] (e.g. :func:`srtutor.priors.synthetic_faces`);
    ``heatmaps``: ``(N, K, H, W)`` in [0, 1] (:func:`srtutor.priors.landmark_heatmaps`). Trained on
    the HR faces and then frozen, the network is the face-alignment estimator of Super-FAN's
    prior loss (Bulat & Tzimiropoulos, CVPR 2018; :class:`srtutor.priors.HeatmapPriorLoss`).
    The network stays on its device (the batches go to it), in full precision. Returns the loss
    of every step; the network is left in eval mode.
    """
    if images.ndim != 4 or heatmaps.ndim != 4 or images.shape[0] != heatmaps.shape[0] \
            or images.shape[-2:] != heatmaps.shape[-2:]:
        raise ValueError(f"images (N, C, H, W) and heatmaps (N, K, H, W) must share N, H and W, got "
                         f"{tuple(images.shape)} and {tuple(heatmaps.shape)}")
    check_positive_int(steps, "steps")
    check_positive_int(batch, "batch")
    hist = train(net, _draws((images, heatmaps), batch, seed), steps=steps, lr=lr, loss=F.mse_loss,
                 schedule="constant", device=None, amp=False, log_every=1, progress=False,
                 forward=lambda m, b: (m(b[0]), b[1]))
    return hist.loss


def train_face_sr(model: nn.Module, batch: dict[str, Tensor], *, steps: int = 300, prior_weight: float = 0.1,
                  lr: float = 2e-3, batch_size: int = 16, seed: int = 0) -> list[float]:
    """Train an :class:`srtutor.models.fsrnet.FSRNetLite` on a :func:`srtutor.priors.face_sr_batch`
    with FSRNet's loss (Chen et al., CVPR 2018; :func:`srtutor.models.fsrnet.face_prior_loss`):
    image losses on the coarse and final SR faces plus ``prior_weight`` × (heatmap MSE + parsing
    cross-entropy).

    ``batch``: ``"up"`` ``(N, 3, S, S)`` (the bicubic-upsampled LR faces, the network's input) and
    ``"hr"`` ``(N, 3, S, S)`` in [0, 1], ``"heatmaps"`` ``(N, 5, S, S)`` in [0, 1] and ``"parsing"``
    ``(N, S, S)`` class indices. Adam with a cosine schedule from ``lr`` to 2 % of it;
    mini-batches of ``min(batch_size, N)`` faces drawn with replacement by a generator seeded by
    ``seed``. ``prior_weight = 0`` with ``use_priors=False`` trains the no-prior baseline on
    exactly the same batches. The model stays on its device (the batches go to it), in full
    precision. Returns the total loss of every step; the model is left in eval mode.
    """
    from srtutor.models.fsrnet import face_prior_loss

    check_positive_int(steps, "steps")
    check_positive_int(batch_size, "batch_size")
    data = _draws((batch["up"], batch["hr"], batch["heatmaps"], batch["parsing"]), batch_size, seed)

    def loss(out, target):
        return face_prior_loss(out, *target, prior_weight=prior_weight)[0]

    hist = train(model, data, steps=steps, lr=lr, loss=loss, schedule="cosine", min_lr_ratio=0.02,
                 device=None, amp=False, log_every=1, progress=False,
                 forward=lambda m, b: (m(b[0], return_all=True), b[1:]))
    return hist.loss
