"""Depth-map SR (survey §5.1): a synthetic scene renderer with a matching RGB image, a depth
sensor simulator (depth-dependent noise, quantisation, holes), hole filling, the classic
RGB-guided joint bilateral upsampling (Kopf et al. 2007) and a small guided depth CNN.

Depth maps are ``(…, 1, H, W)`` in ``[0, 1]`` (normalised distance); RGB guides ``(…, 3, H, W)``.
Real systems need real data (Middlebury, NYU depth v2); the book says so where it matters.
"""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from srtutor._checks import as_batch, check_image, check_positive_int, check_same_shape, check_scale, check_tensor
from srtutor.resize import imresize
from srtutor.train import train

Tensor = torch.Tensor

__all__ = ["render_depth_scene", "simulate_depth_sensor", "fill_holes", "joint_bilateral_upsample", "GuidedDepthNet", "depth_rmse", "depth_sr_batch", "train_guided_depth"]


def _grid(size: int, device=None) -> tuple[Tensor, Tensor]:
    r = (torch.arange(size, dtype=torch.float32, device=device) + 0.5) / size
    return torch.meshgrid(r, r, indexing="ij")  # yy, xx in (0, 1)


def render_depth_scene(size: int = 128, *, seed: int = 0, n_spheres: int = 3, n_boxes: int = 2
                       ) -> tuple[Tensor, Tensor]:
    """Render a random synthetic scene: a depth map and a matching RGB image.

    The scene is seen by an orthographic camera: a back wall (a tilted plane), a floor (a plane
    whose depth decreases towards the bottom of the image), ``n_boxes`` fronto-parallel boxes
    and ``n_spheres`` spheres; each pixel takes the nearest surface. The RGB image gives every
    object its own colour, Lambertian shading (spheres) and a texture (a checkerboard on the
    floor, stripes on the boxes), so it has edges where the depth has none — the reason guided
    upsampling can *copy texture* into depth.

    Args:
        size: side length ``H = W`` in pixels.
        seed: the random scene.
        n_spheres, n_boxes: number of objects.

    Returns:
        ``(rgb (3, H, W), depth (1, H, W))``, both in ``[0, 1]``; depth is normalised so that
        ``0`` is the nearest possible and ``1`` the farthest (the back wall's top).
    """
    size = check_positive_int(size, "size", minimum=8)
    g = torch.Generator().manual_seed(int(seed))

    def u(lo: float, hi: float, n: int = 1) -> Tensor:
        return lo + (hi - lo) * torch.rand(n, generator=g)

    yy, xx = _grid(size)
    horizon = float(u(0.45, 0.6))
    wall = 0.95 - 0.08 * yy + float(u(-0.05, 0.05)) * (xx - 0.5)
    floor = torch.where(yy > horizon, 0.95 - 0.6 * (yy - horizon) / (1 - horizon) - 0.08 * horizon, torch.full_like(yy, 9.0))
    depth = torch.minimum(wall, floor)
    is_floor = floor < wall
    col = torch.zeros(3, size, size)
    wall_rgb, floor_rgb = u(0.5, 0.8, 3), u(0.3, 0.6, 3)
    checker = ((torch.floor(xx * 10 / (1.2 - yy).clamp(min=0.2)) + torch.floor(1 / (1.05 - yy).clamp(min=0.05))) % 2)
    col[:] = wall_rgb[:, None, None] * (0.9 + 0.1 * xx)
    col = torch.where(is_floor, floor_rgb[:, None, None] * (0.75 + 0.25 * checker), col)
    for _ in range(n_boxes):
        y0, x0 = float(u(0.15, 0.6)), float(u(0.05, 0.7))
        h, w, z = float(u(0.15, 0.35)), float(u(0.15, 0.3)), float(u(0.35, 0.7))
        inside = (yy >= y0) & (yy < y0 + h) & (xx >= x0) & (xx < x0 + w)
        zb = z + 0.05 * (xx - x0)  # slightly slanted front face
        hit = inside & (zb < depth)
        depth = torch.where(hit, zb, depth)
        stripes = 0.8 + 0.2 * (torch.floor((xx - x0) * 24) % 2)
        col = torch.where(hit, u(0.2, 0.9, 3)[:, None, None] * stripes, col)
    for _ in range(n_spheres):
        cy, cx, r = float(u(0.25, 0.8)), float(u(0.15, 0.85)), float(u(0.07, 0.16))
        zc = float(u(0.2, 0.6))
        d2 = (yy - cy) ** 2 + (xx - cx) ** 2
        inside = d2 < r * r
        nz = torch.sqrt((r * r - d2).clamp(min=0)) / r  # normal's z component
        zs = zc - r * nz
        hit = inside & (zs < depth)
        depth = torch.where(hit, zs, depth)
        shade = 0.25 + 0.75 * (nz * 0.8 + 0.2 * (cx - xx) / r * 0.5 + 0.2 * (cy - yy) / r * 0.5).clamp(0, 1)
        col = torch.where(hit, u(0.3, 1.0, 3)[:, None, None] * shade, col)
    return col.clamp(0, 1), depth.clamp(0, 1)[None]


def simulate_depth_sensor(depth: Tensor, *, noise: float = 0.01, bits: int = 8, edge_holes: float = 0.1,
                          random_holes: float = 0.01, seed: int = 0) -> tuple[Tensor, Tensor]:
    """What a consumer depth sensor (structured light / time of flight) returns for ``depth``.

    * noise: Gaussian with standard deviation ``noise · (0.5 + depth)²`` (grows with distance,
      like the disparity-based error of structured light);
    * quantisation to ``2**bits`` levels;
    * holes (value 0, ``mask`` 0): pixels on the far side of a depth step larger than
      ``edge_holes`` (occlusion shadows) and random dropouts with probability
      ``random_holes`` grown into 3x3 blobs (specular / dark surfaces).

    Args:
        depth: ``(1, H, W)`` or ``(N, 1, H, W)`` clean depth in ``[0, 1]``.
        noise, bits, edge_holes, random_holes: see above (``noise >= 0``, ``bits >= 1``).
        seed: seeds the noise and dropouts.

    Returns:
        ``(measured, mask)``, same shape; ``measured`` in ``[0, 1]`` (0 in holes), ``mask`` 1 where valid.
    """
    check_image(depth, "depth", channels=(1,))
    bits = check_positive_int(bits, "bits")
    if not noise >= 0 or not edge_holes >= 0 or not 0 <= random_holes <= 1:
        raise ValueError(f"noise and edge_holes must be >= 0 and random_holes in [0, 1], got {noise}, "
                         f"{edge_holes}, {random_holes}")
    d, was3 = as_batch(depth)
    g = torch.Generator().manual_seed(int(seed))
    n = torch.randn(d.shape, generator=g).to(d) * noise * (0.5 + d) ** 2
    levels = 2 ** bits - 1
    meas = torch.round((d + n).clamp(0, 1) * levels) / levels
    dp = F.pad(d, (1, 1, 1, 1), mode="replicate")
    nb = torch.stack([dp[..., 1:-1, 2:], dp[..., 1:-1, :-2], dp[..., 2:, 1:-1], dp[..., :-2, 1:-1]])
    jump = (d - nb).amax(0)  # farther than a neighbour: the occluded side of an edge
    holes = jump > edge_holes if edge_holes > 0 else torch.zeros_like(d, dtype=torch.bool)
    drop = (torch.rand(d.shape, generator=g).to(d.device) < random_holes).float()
    holes = holes | (F.max_pool2d(drop, 3, 1, 1) > 0)
    mask = (~holes).to(d.dtype)
    meas = meas * mask
    return (meas[0], mask[0]) if was3 else (meas, mask)


def fill_holes(x: Tensor, mask: Tensor, *, max_iter: int = 64) -> Tensor:
    """Fill invalid pixels (``mask == 0``) by repeated 3x3 averaging of valid neighbours.

    A vectorised inpainting by normalised convolution, enough to hand a hole-free map to an
    interpolator that knows nothing of holes (bicubic). Loops over iterations, never pixels.

    Args:
        x: ``(C, H, W)`` or ``(N, C, H, W)``.
        mask: same spatial shape, 1 valid / 0 hole (one channel or ``C``).
        max_iter: stops earlier when every pixel is filled.

    Returns:
        ``x`` with its holes filled (valid pixels unchanged).
    """
    check_image(x, "x", check_range=False)
    check_tensor(mask, "mask")
    xb, was3 = as_batch(x)
    m = as_batch(mask.to(xb.dtype))[0].expand_as(xb).clone()
    out = xb * m
    ones = torch.ones(xb.shape[1], 1, 3, 3, dtype=xb.dtype, device=xb.device)
    for _ in range(max_iter):
        if bool(m.min() > 0):
            break
        s = F.conv2d(F.pad(out * m, (1, 1, 1, 1), mode="replicate"), ones, groups=xb.shape[1])
        c = F.conv2d(F.pad(m, (1, 1, 1, 1), mode="replicate"), ones, groups=xb.shape[1])
        new = (c > 0) & (m == 0)
        out = torch.where(new, s / c.clamp(min=1e-8), out)
        m = torch.where(new, torch.ones_like(m), m)
    return out[0] if was3 else out


def joint_bilateral_upsample(depth_lr: Tensor, guide: Tensor, scale: int, *, radius: int = 2,
                             sigma_spatial: float = 1.0, sigma_range: float = 0.1,
                             mask: Optional[Tensor] = None) -> Tensor:
    """Joint bilateral upsampling (Kopf, Cohen, Lischinski, Uyttendaele, SIGGRAPH 2007).

    For every high-resolution pixel ``p`` (LR position ``p↓``)::

        D̃(p) = Σ_q D(q) f(‖p↓ − q‖) g(‖I(p) − I(q↑)‖) m(q) / Σ_q f g m

    over the ``(2r+1)²`` LR pixels ``q`` nearest to ``p↓``, with Gaussian ``f`` (σ in LR pixels)
    and ``g`` (σ on the guide's [0, 1] scale); ``I(q↑)`` is the guide at the HR pixel at ``q``'s
    centre, ``m`` the validity mask (holes get no weight). Where the range weights of all
    neighbours underflow (``sigma_range`` far below the colour differences) the pixel falls back
    to the spatial-only weights. Vectorised: one gather per window
    offset, no loop over pixels. With a constant guide ``g ≡ 1`` and it reduces to a spatial
    (Gaussian-weighted) interpolation.

    Args:
        depth_lr: ``(1, h, w)`` or ``(N, 1, h, w)`` (any channel count works).
        guide: ``(C, s·h, s·w)`` or ``(N, C, s·h, s·w)`` high-resolution guide in ``[0, 1]``.
        scale: integer factor ``s``.
        radius: window half-size ``r`` in LR pixels.
        sigma_spatial, sigma_range: the two Gaussians' widths (``> 0``).
        mask: optional validity mask like ``depth_lr`` (1 valid, 0 hole).

    Returns:
        ``(…, 1, s·h, s·w)`` upsampled depth.
    """
    check_image(depth_lr, "depth_lr", check_range=False)
    check_image(guide, "guide")
    s = check_positive_int(scale, "scale")
    r = check_positive_int(radius, "radius", minimum=0)
    check_scale(sigma_spatial, "sigma_spatial")
    check_scale(sigma_range, "sigma_range")
    d, was3 = as_batch(depth_lr)
    gd = as_batch(guide)[0].to(d)
    h, w = d.shape[-2:]
    H, W = h * s, w * s
    if gd.shape[-2:] != (H, W):
        raise ValueError(f"guide must be {H}x{W} (scale {s} x depth_lr {h}x{w}), got {tuple(gd.shape[-2:])}")
    m = torch.ones_like(d[:, :1]) if mask is None else as_batch(mask.to(d))[0]
    dev = d.device
    py = (torch.arange(H, device=dev, dtype=d.dtype) + 0.5) / s - 0.5  # continuous LR coordinates
    px = (torch.arange(W, device=dev, dtype=d.dtype) + 0.5) / s - 0.5
    qy0, qx0 = torch.round(py).long(), torch.round(px).long()
    num = torch.zeros(d.shape[0], d.shape[1], H, W, dtype=d.dtype, device=dev)
    den = torch.zeros(d.shape[0], 1, H, W, dtype=d.dtype, device=dev)
    num_s, den_s = torch.zeros_like(num), torch.zeros_like(den)
    for dy in range(-r, r + 1):
        qy = qy0 + dy
        vy = ((qy >= 0) & (qy < h)).to(d.dtype)
        qy = qy.clamp(0, h - 1)
        hy = (qy * s + s // 2).clamp(max=H - 1)
        wy = torch.exp(-((py - qy) ** 2) / (2 * sigma_spatial ** 2)) * vy
        for dx in range(-r, r + 1):
            qx = qx0 + dx
            vx = ((qx >= 0) & (qx < w)).to(d.dtype)
            qx = qx.clamp(0, w - 1)
            hx = (qx * s + s // 2).clamp(max=W - 1)
            wx = torch.exp(-((px - qx) ** 2) / (2 * sigma_spatial ** 2)) * vx
            dq = d[..., qy, :][..., qx]
            mq = m[..., qy, :][..., qx]
            iq = gd[..., hy, :][..., hx]
            wr = torch.exp(-((gd - iq) ** 2).sum(1, keepdim=True) / (2 * sigma_range ** 2))
            ws = wy[:, None] * wx[None, :] * mq
            wgt = ws * wr
            num, den = num + wgt * dq, den + wgt
            num_s, den_s = num_s + ws * dq, den_s + ws
    # where the guide rejects every neighbour (tiny sigma_range), fall back to the spatial filter
    out = torch.where(den > 1e-8, num / den.clamp(min=1e-30), num_s / den_s.clamp(min=1e-12))
    return out[0] if was3 else out


class GuidedDepthNet(nn.Module):
    """A small RGB-guided depth SR network (the "deep" counterpart of joint bilateral upsampling).

    Input: the bicubic-upsampled, hole-filled depth (1 channel) and, when ``guided``, the HR RGB
    image (3 channels) through its own two-layer encoder, whose features are added to the depth
    features; a few 3x3 conv layers predict a residual that is added to the upsampled depth —
    the design of the early guided depth-SR CNNs (e.g. MSG-Net, Hui et al. 2016, in a much
    smaller form). ``guided=False`` gives the same network without the RGB branch, for a fair
    "does the guide help?" comparison.

    The guide branch cannot hurt at the start: it is built *after* the shared layers (so that
    under the same ``torch.manual_seed`` the guided and unguided networks get identical depth
    branch and body weights) and its last convolution starts at zero, so an untrained guided
    network computes exactly what the unguided one computes; training adds from the guide only
    what lowers the loss.

    ``forward(depth_up (N, 1, H, W), rgb (N, 3, H, W) or None) -> (N, 1, H, W)``.
    """
    def __init__(self, features: int = 32, depth: int = 4, guided: bool = True) -> None:
        super().__init__()
        self.guided = guided
        self.d_in = nn.Conv2d(1, features, 3, padding=1)
        body: list[nn.Module] = []
        for _ in range(depth - 2):
            body += [nn.ReLU(inplace=True), nn.Conv2d(features, features, 3, padding=1)]
        self.body = nn.Sequential(*body, nn.ReLU(inplace=True), nn.Conv2d(features, 1, 3, padding=1))
        self.g_in = nn.Sequential(nn.Conv2d(3, features, 3, padding=1), nn.ReLU(inplace=True),
                                  nn.Conv2d(features, features, 3, padding=1)) if guided else None
        if self.g_in is not None:
            nn.init.zeros_(self.g_in[-1].weight)
            nn.init.zeros_(self.g_in[-1].bias)

    def forward(self, depth_up: Tensor, rgb: Optional[Tensor] = None) -> Tensor:
        f = self.d_in(depth_up)
        if self.guided:
            if rgb is None:
                raise ValueError("rgb is required by a guided GuidedDepthNet")
            f = f + self.g_in(rgb)
        return depth_up + self.body(f)


def depth_sr_batch(n: int, size: int, scale: int, *, seed: int = 0, **sensor) -> dict[str, Tensor]:
    """``n`` random scenes (seeds ``seed … seed+n−1``) as an SR batch.

    The sensor sees the scene at low resolution: the clean depth is MATLAB-bicubic ``↓s``
    before :func:`simulate_depth_sensor` (``**sensor`` passed on). Returns a dict of batched
    tensors: ``rgb (n, 3, H, W)``, ``depth (n, 1, H, W)`` (ground truth), ``lr (n, 1, h, w)``
    (measured, 0 in holes), ``mask (n, 1, h, w)``, ``up (n, 1, H, W)`` (holes filled, bicubic ``↑s``).
    """
    out: dict[str, list[Tensor]] = {k: [] for k in ("rgb", "depth", "lr", "mask")}
    for i in range(check_positive_int(n, "n")):
        rgb, depth = render_depth_scene(size, seed=seed + i)
        lr, mask = simulate_depth_sensor(imresize(depth, scale=1 / scale).clamp(0, 1), seed=seed + i, **sensor)
        for k, v in zip(out, (rgb, depth, lr, mask)):
            out[k].append(v)
    b = {k: torch.stack(v) for k, v in out.items()}
    b["up"] = imresize(fill_holes(b["lr"], b["mask"]), scale=scale).clamp(0, 1)
    return b


def train_guided_depth(net: "GuidedDepthNet", batch: dict[str, Tensor], *, steps: int = 200, patch: int = 48,
                       batch_size: int = 8, lr: float = 1e-3, seed: int = 0) -> list[float]:
    """Train a :class:`GuidedDepthNet` on random aligned crops of a :func:`depth_sr_batch` with the
    training engine (:func:`srtutor.train.train`: L1, Adam, cosine schedule to 2 % of ``lr``, on the
    network's device). Returns the loss of every step."""
    check_positive_int(steps, "steps")
    hist = train(net, _depth_crops(batch, patch, batch_size, seed), steps=steps, lr=lr, loss="l1",
                 schedule="cosine", min_lr_ratio=0.02, device=None, log_every=1, progress=False,
                 forward=lambda m, b: (m(b["up"], b["rgb"] if m.guided else None), b["depth"]))
    return hist.loss


def _depth_crops(batch: dict[str, Tensor], patch: int, batch_size: int, seed: int):
    """Endless random aligned crops ``{"up", "rgb", "depth"}`` of a :func:`depth_sr_batch`."""
    g = torch.Generator().manual_seed(int(seed))
    n, _, H, W = batch["depth"].shape
    while True:
        idx = torch.randint(n, (batch_size,), generator=g)
        ys = torch.randint(0, H - patch + 1, (batch_size,), generator=g)
        xs = torch.randint(0, W - patch + 1, (batch_size,), generator=g)
        yield {k: torch.stack([batch[k][i, :, y:y + patch, x:x + patch] for i, y, x in zip(idx, ys, xs)])
               for k in ("up", "rgb", "depth")}


def depth_rmse(pred: Tensor, target: Tensor, *, crop_border: int = 0) -> Tensor:
    """Root-mean-square error of depth maps (mean over the batch), in the maps' own units."""
    check_same_shape(pred, target, "pred", "target")
    if crop_border:
        pred, target = pred[..., crop_border:-crop_border, crop_border:-crop_border], \
            target[..., crop_border:-crop_border, crop_border:-crop_border]
    pb, tb = as_batch(pred)[0], as_batch(target)[0]
    return ((pb - tb) ** 2).flatten(1).mean(1).sqrt().mean()
