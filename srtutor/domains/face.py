"""Face SR (survey §5.2): a face box for scikit-image's ``astronaut``, box and skin-colour masks,
face-aware evaluation (:func:`region_psnr`) and a facial-prior loss that weights the face more
(:func:`weighted_l1_loss`), with a small loop that trains with it. Real systems need real faces
(CelebA, FFHQ) and real priors (landmarks, parsing maps, identity).
"""

from __future__ import annotations

from typing import Optional, Sequence

import torch
import torch.nn as nn

from srtutor._checks import as_batch, check_image, check_positive_int, check_same_shape
from srtutor.color import rgb_to_ycbcr

Tensor = torch.Tensor

__all__ = ["ASTRONAUT_FACE_BOX", "box_mask", "skin_mask", "region_psnr", "weighted_l1_loss", "train_weighted_sr"]


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
    g = torch.Generator().manual_seed(int(seed))
    torch.manual_seed(int(seed))
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps, eta_min=lr * 0.02)
    dev = next(net.parameters()).device
    w_full = torch.ones_like(target[:1]) if weight is None else weight.to(target)
    H, W = target.shape[-2:]
    losses = []
    net.train()
    for _ in range(check_positive_int(steps, "steps")):
        ys = torch.randint(0, H - patch + 1, (batch_size,), generator=g)
        xs = torch.randint(0, W - patch + 1, (batch_size,), generator=g)

        def crop(t: Tensor) -> Tensor:
            return torch.stack([t[:, y:y + patch, x:x + patch] for y, x in zip(ys, xs)]).to(dev)

        loss = weighted_l1_loss(net(crop(inp)), crop(target), crop(w_full))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
    net.eval()
    return losses
