"""Domain-specific super-resolution (survey §5): depth maps, faces, hyperspectral images, video.

Each domain brings data of its own and one extra piece of knowledge that plain SR does not
use. This module gives small, honest, runnable versions of the classic ideas on data that the
package can *make* (synthetic scenes, synthetic spectra, synthetic motion) or that ships with
its dependencies (scikit-image's ``astronaut`` for a face). Real systems need real data
(Middlebury/NYU depth, CelebA/FFHQ faces, CAVE/Harvard hyperspectral cubes, Vid4/REDS video);
the book says so where it matters.

* **Depth maps** (survey §5.1): :func:`render_depth_scene` ray-casts planes, spheres and boxes
  into a depth map and a matching RGB image; :func:`simulate_depth_sensor` adds
  depth-dependent noise, quantisation and holes. :func:`joint_bilateral_upsample` is the
  classic RGB-guided baseline (Kopf et al. 2007); :class:`GuidedDepthNet` the small deep one.
* **Faces** (§5.2): :data:`ASTRONAUT_FACE_BOX`, :func:`box_mask`, :func:`skin_mask`,
  :func:`region_psnr` (face-aware evaluation) and :func:`weighted_l1_loss` (a facial-prior
  loss that spends more of the network's capacity inside the face).
* **Hyperspectral** (§5.3): :func:`endmember_spectra`, :func:`synthetic_hsi`,
  :func:`camera_response`; :func:`sam` (spectral angle mapper), :func:`per_band_psnr`;
  :func:`guided_hsi_fusion` fuses a low-resolution cube with a high-resolution RGB image
  (local linear regression, a guided-filter fusion).
* **Video** (§5.5): :func:`fourier_shift`, :func:`synthetic_clip`, :func:`phase_correlation`
  and :func:`multiframe_sr` (motion-compensated iterative back-projection, Irani & Peleg 1991).
"""

from __future__ import annotations

import math
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from srtutor._checks import as_batch, check_image, check_positive_int, check_same_shape, check_scale, check_tensor

Tensor = torch.Tensor

__all__ = [
    "render_depth_scene", "simulate_depth_sensor", "fill_holes", "joint_bilateral_upsample", "GuidedDepthNet",
    "depth_rmse", "depth_sr_batch", "train_guided_depth", "ASTRONAUT_FACE_BOX", "train_weighted_sr", "box_mask", "skin_mask", "region_psnr", "weighted_l1_loss",
    "endmember_spectra", "camera_response", "synthetic_hsi", "sam", "per_band_psnr", "guided_hsi_fusion",
    "fourier_shift", "synthetic_clip", "phase_correlation", "multiframe_sr",
]


# =========================================================================== depth maps
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
    image (3 channels) through its own two-layer encoder; a few 3x3 conv layers predict a
    residual that is added to the upsampled depth — the design of the early guided depth-SR
    CNNs (e.g. MSG-Net, Hui et al. 2016, in a much smaller form). ``guided=False`` gives the
    same network without the RGB branch, for a fair "does the guide help?" comparison.

    ``forward(depth_up (N, 1, H, W), rgb (N, 3, H, W) or None) -> (N, 1, H, W)``.
    """

    def __init__(self, features: int = 32, depth: int = 4, guided: bool = True) -> None:
        super().__init__()
        self.guided = guided
        self.d_in = nn.Conv2d(1, features, 3, padding=1)
        self.g_in = nn.Sequential(nn.Conv2d(3, features, 3, padding=1), nn.ReLU(inplace=True),
                                  nn.Conv2d(features, features, 3, padding=1)) if guided else None
        body: list[nn.Module] = []
        for _ in range(depth - 2):
            body += [nn.ReLU(inplace=True), nn.Conv2d(features, features, 3, padding=1)]
        self.body = nn.Sequential(*body, nn.ReLU(inplace=True), nn.Conv2d(features, 1, 3, padding=1))

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
    from srtutor.resize import imresize

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
    """Train a :class:`GuidedDepthNet` on random aligned crops of a :func:`depth_sr_batch` (L1, Adam,
    cosine schedule). Returns the loss of every step."""
    g = torch.Generator().manual_seed(int(seed))
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps, eta_min=lr * 0.02)
    dev = next(net.parameters()).device
    n, _, H, W = batch["depth"].shape
    losses = []
    net.train()
    for _ in range(check_positive_int(steps, "steps")):
        idx = torch.randint(n, (batch_size,), generator=g)
        ys = torch.randint(0, H - patch + 1, (batch_size,), generator=g)
        xs = torch.randint(0, W - patch + 1, (batch_size,), generator=g)

        def crop(t: Tensor) -> Tensor:
            return torch.stack([t[i, :, y:y + patch, x:x + patch] for i, y, x in zip(idx, ys, xs)]).to(dev)

        pred = net(crop(batch["up"]), crop(batch["rgb"]) if net.guided else None)
        loss = (pred - crop(batch["depth"])).abs().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
    net.eval()
    return losses


def depth_rmse(pred: Tensor, target: Tensor, *, crop_border: int = 0) -> Tensor:
    """Root-mean-square error of depth maps (mean over the batch), in the maps' own units."""
    check_same_shape(pred, target, "pred", "target")
    if crop_border:
        pred, target = pred[..., crop_border:-crop_border, crop_border:-crop_border], \
            target[..., crop_border:-crop_border, crop_border:-crop_border]
    pb, tb = as_batch(pred)[0], as_batch(target)[0]
    return ((pb - tb) ** 2).flatten(1).mean(1).sqrt().mean()


# =========================================================================== faces
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
    from srtutor.color import rgb_to_ycbcr

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


# =========================================================================== hyperspectral
def _wavelengths(n_bands: int) -> Tensor:
    return torch.linspace(400.0, 700.0, n_bands)


def endmember_spectra(n_endmembers: int = 4, n_bands: int = 31, *, seed: int = 0) -> Tensor:
    """Smooth random reflectance spectra ``(K, B)`` in ``[0.05, 0.95]`` over 400–700 nm.

    Each is a sum of three Gaussian bumps (centres 380–720 nm, widths 30–120 nm), the shape of
    real material reflectances (which are smooth in wavelength).
    """
    k = check_positive_int(n_endmembers, "n_endmembers")
    b = check_positive_int(n_bands, "n_bands", minimum=2)
    g = torch.Generator().manual_seed(int(seed))
    lam = _wavelengths(b)
    c = 380 + 340 * torch.rand(k, 3, 1, generator=g)
    wdt = 30 + 90 * torch.rand(k, 3, 1, generator=g)
    a = torch.rand(k, 3, 1, generator=g)
    s = (a * torch.exp(-0.5 * ((lam - c) / wdt) ** 2)).sum(1)
    s = s / s.amax(1, keepdim=True)
    return 0.05 + 0.9 * s


def camera_response(n_bands: int = 31) -> Tensor:
    """A ``(3, B)`` RGB spectral response: Gaussians at 610, 540, 460 nm (σ 40, 40, 30 nm),
    each row normalised to sum 1 — a stand-in for a real camera's curves (e.g. Nikon D700's
    used with CAVE)."""
    lam = _wavelengths(check_positive_int(n_bands, "n_bands", minimum=2))
    mu = torch.tensor([[610.0], [540.0], [460.0]])
    sd = torch.tensor([[40.0], [40.0], [30.0]])
    r = torch.exp(-0.5 * ((lam - mu) / sd) ** 2)
    return r / r.sum(1, keepdim=True)


def synthetic_hsi(rgb: Tensor, *, n_bands: int = 31, n_endmembers: int = 4, temperature: float = 0.02,
                  seed: int = 0, iters: int = 10) -> tuple[Tensor, Tensor, Tensor]:
    """A hyperspectral cube with the spatial layout of an RGB image (linear mixing model).

    Colour k-means (``iters`` Lloyd steps, seeded) finds ``K`` clusters in ``rgb``; each pixel's
    abundances are a softmax of ``−‖rgb − centre_k‖² / temperature`` (soft, sum to 1); the
    cube is ``X = Aᵀ E`` with :func:`endmember_spectra` ``E``. The matching RGB view of the cube
    is ``camera_response() @ X``.

    Args:
        rgb: ``(3, H, W)`` in ``[0, 1]``.

    Returns:
        ``(cube (B, H, W), abundances (K, H, W), spectra (K, B))``, cube in ``[0, 1]``.
    """
    check_image(rgb, "rgb", channels=(3,))
    if rgb.ndim != 3:
        raise ValueError(f"rgb must be (3, H, W), got {tuple(rgb.shape)}")
    k = check_positive_int(n_endmembers, "n_endmembers")
    g = torch.Generator().manual_seed(int(seed))
    pix = rgb.reshape(3, -1).T.float()
    cent = pix[torch.randperm(pix.shape[0], generator=g)[:k]].clone()
    for _ in range(iters):
        lab = torch.cdist(pix, cent).argmin(1)
        for j in range(k):
            sel = lab == j
            if sel.any():
                cent[j] = pix[sel].mean(0)
    ab = torch.softmax(-torch.cdist(pix, cent) ** 2 / temperature, dim=1)  # (HW, K)
    spectra = endmember_spectra(k, n_bands, seed=seed)
    cube = (ab @ spectra).T.reshape(n_bands, *rgb.shape[-2:])
    return cube.clamp(0, 1), ab.T.reshape(k, *rgb.shape[-2:]), spectra


def sam(x: Tensor, y: Tensor, *, reduction: str = "mean", eps: float = 1e-12) -> Tensor:
    """Spectral angle mapper: the angle between the spectra of ``x`` and ``y`` at each pixel,
    in **degrees** (``arccos(⟨x, y⟩ / (‖x‖ ‖y‖))``; Kruse et al. 1993). Scale-invariant.

    Args:
        x, y: ``(B, H, W)`` or ``(N, B, H, W)`` cubes (bands on dim -3).
        reduction: ``"mean"`` (over pixels and batch, 0-dim) or ``"none"`` (the ``(…, H, W)`` map).
    """
    check_same_shape(x, y, "x", "y")
    xd, yd = x.double(), y.double()  # arccos near 1 needs the precision
    cos = (xd * yd).sum(-3) / (xd.norm(dim=-3) * yd.norm(dim=-3)).clamp(min=eps)
    ang = torch.rad2deg(torch.arccos(cos.clamp(-1.0, 1.0))).to(x.dtype)
    if reduction == "none":
        return ang
    if reduction != "mean":
        raise ValueError(f"reduction must be 'mean' or 'none', got {reduction!r}")
    return ang.mean()


def per_band_psnr(x: Tensor, y: Tensor, *, data_range: float = 1.0) -> Tensor:
    """PSNR of every band: ``(B,)`` for ``(B, H, W)`` cubes (averaged over ``N`` for 4-D)."""
    check_same_shape(x, y, "x", "y")
    xb, yb = as_batch(x)[0], as_batch(y)[0]
    mse = ((xb - yb) ** 2).mean((-1, -2))  # (N, B)
    return (10 * torch.log10(data_range ** 2 / mse.clamp(min=1e-12))).mean(0)


def _box(x: Tensor, r: int) -> Tensor:
    """Mean over ``(2r+1)²`` windows (replicate border) of a ``(…, H, W)`` tensor."""
    shp = x.shape
    y = x.reshape(1, -1, *shp[-2:])
    return F.avg_pool2d(F.pad(y, (r, r, r, r), mode="replicate"), 2 * r + 1, 1).reshape(shp)


def guided_hsi_fusion(hsi_lr: Tensor, rgb_hr: Tensor, scale: int, *, radius: int = 2, eps: float = 1e-4,
                      response: Optional[Tensor] = None) -> Tensor:
    """Fuse a low-resolution hyperspectral cube with a high-resolution RGB image.

    A guided-filter fusion (He, Sun, Tang 2013, used as a multi-channel guide): in every
    ``(2r+1)²`` window of the **LR** grid each band is modelled as an affine function of the
    RGB values, ``X_b ≈ a_bᵀ rgb + c_b`` (ridge regression with ``eps``), fitted between
    ``hsi_lr`` and the RGB image brought down to the LR grid; the coefficients are averaged over
    windows, upsampled bilinearly and applied to the HR RGB. Under the linear mixing model with
    at most four materials per window this is exact; more materials, or spectra that the
    camera cannot tell apart (metamers), break it.

    Args:
        hsi_lr: ``(B, h, w)`` cube.
        rgb_hr: ``(3, s·h, s·w)`` RGB image of the same scene.
        scale: integer factor ``s``.
        radius, eps: window half-size (LR pixels) and ridge regulariser.
        response: unused hook (the fusion never needs the camera response; kept for symmetry
            with unmixing-based fusions that do).

    Returns:
        ``(B, s·h, s·w)`` fused cube, clamped to ``[0, 1]``.
    """
    from srtutor.resize import imresize

    check_image(hsi_lr, "hsi_lr", check_range=False)
    check_image(rgb_hr, "rgb_hr", channels=(3,))
    s = check_positive_int(scale, "scale")
    if hsi_lr.ndim != 3 or rgb_hr.ndim != 3:
        raise ValueError("hsi_lr and rgb_hr must be single images (B, h, w) and (3, H, W)")
    b, h, w = hsi_lr.shape
    if rgb_hr.shape[-2:] != (h * s, w * s):
        raise ValueError(f"rgb_hr must be {h * s}x{w * s}, got {tuple(rgb_hr.shape[-2:])}")
    g = imresize(rgb_hr, scale=1 / s)[None]  # (1, 3, h, w)
    p = hsi_lr[None]
    mg, mp = _box(g, radius), _box(p, radius)  # (1,3,h,w), (1,B,h,w)
    cov_gg = _box(g[:, :, None] * g[:, None], radius) - mg[:, :, None] * mg[:, None]  # (1,3,3,h,w)
    cov_gp = _box(g[:, :, None] * p[:, None], radius) - mg[:, :, None] * mp[:, None]  # (1,3,B,h,w)
    A = cov_gg.permute(0, 3, 4, 1, 2) + eps * torch.eye(3, dtype=g.dtype)  # (1,h,w,3,3)
    a = torch.linalg.solve(A, cov_gp.permute(0, 3, 4, 1, 2))  # (1,h,w,3,B)
    a = a.permute(0, 3, 4, 1, 2)  # (1,3,B,h,w)
    c = mp - (a * mg[:, :, None]).sum(1)  # (1,B,h,w)
    a, c = _box(a.reshape(1, 3 * b, h, w), radius), _box(c, radius)
    a = F.interpolate(a, size=(h * s, w * s), mode="bilinear", align_corners=False).reshape(1, 3, b, h * s, w * s)
    c = F.interpolate(c, size=(h * s, w * s), mode="bilinear", align_corners=False)
    out = (a * rgb_hr[None, :, None]).sum(1) + c
    return out[0].clamp(0, 1)


# =========================================================================== video
def fourier_shift(x: Tensor, shift: Sequence[float] | Tensor, *, pad: int = 0) -> Tensor:
    """Translate ``x`` by a (sub-pixel) ``shift = (dy, dx)`` with the Fourier shift theorem.

    ``out(y, x) = in(y − dy, x − dx)`` for a band-limited periodic image; with ``pad > 0`` the
    image is first reflect-padded by ``pad`` pixels (and cropped back), which keeps the wrap
    around away from the picture. Exact for integer shifts of a periodic image.

    Args:
        x: ``(C, H, W)`` or ``(N, C, H, W)`` float.
        shift: ``(dy, dx)`` in pixels, or an ``(N, 2)`` tensor (one per image).
        pad: reflect padding width.
    """
    check_image(x, "x", check_range=False)
    xb, was3 = as_batch(x)
    sh = torch.as_tensor(shift, dtype=torch.float64).reshape(-1, 2)
    if sh.shape[0] not in (1, xb.shape[0]):
        raise ValueError(f"shift must be (dy, dx) or (N={xb.shape[0]}, 2), got {tuple(sh.shape)}")
    if pad:
        xb = F.pad(xb, (pad, pad, pad, pad), mode="reflect")
    H, W = xb.shape[-2:]
    fy = torch.fft.fftfreq(H, dtype=torch.float64)[:, None]
    fx = torch.fft.fftfreq(W, dtype=torch.float64)[None, :]
    ramp = torch.exp(-2j * math.pi * (fy * sh[:, 0, None, None] + fx * sh[:, 1, None, None]))  # (N,H,W)
    out = torch.fft.ifft2(torch.fft.fft2(xb.double()) * ramp[:, None].to(xb.device)).real.to(xb.dtype)
    if pad:
        out = out[..., pad:-pad, pad:-pad]
    return out[0] if was3 else out


def synthetic_clip(hr: Tensor, n_frames: int, scale: int, *, max_shift: float = 4.0, seed: int = 0,
                   noise: float = 0.0, pad: int = 16) -> tuple[Tensor, Tensor, Tensor]:
    """A clip of ``n_frames`` frames with known global sub-pixel motion, and its LR version.

    Frame ``t`` is ``hr`` translated by ``shifts[t]`` (HR pixels; frame 0 is the reference with
    shift 0, the others uniform in ``[−max_shift, max_shift]``) by :func:`fourier_shift`; the LR
    frames are MATLAB-bicubic ``↓s`` of each, plus Gaussian noise (``noise`` on the 255 scale)
    and rounding to 8 bits.

    Returns:
        ``(lr (T, C, H/s, W/s), hr_frames (T, C, H, W), shifts (T, 2))`` with ``hr`` modcropped.
    """
    from srtutor.io import quantize
    from srtutor.resize import imresize, modcrop

    check_image(hr, "hr")
    t = check_positive_int(n_frames, "n_frames")
    s = check_positive_int(scale, "scale")
    hr = modcrop(hr, s)
    g = torch.Generator().manual_seed(int(seed))
    shifts = (torch.rand(t, 2, generator=g, dtype=torch.float64) * 2 - 1) * max_shift
    shifts[0] = 0
    frames = fourier_shift(hr[None].expand(t, *hr.shape), shifts, pad=pad).clamp(0, 1)
    lr = imresize(frames, scale=1 / s)
    if noise > 0:
        lr = lr + torch.randn(lr.shape, generator=g).to(lr) * noise / 255
    return quantize(lr.clamp(0, 1)), frames, shifts


def phase_correlation(ref: Tensor, moving: Tensor, *, window: bool = True, refine: int = 0) -> Tensor:
    """Estimate the translation ``(dy, dx)`` with ``moving(y, x) ≈ ref(y − dy, x − dx)``.

    Phase correlation (Kuglin & Hines 1975): the inverse FFT of the normalised cross-power
    spectrum ``M R* / |M R*|`` peaks at the shift; a parabola through the peak and its two
    neighbours (per axis) gives the sub-pixel part. Images are averaged over channels and,
    with ``window``, multiplied by a Hann window against border effects.

    With ``refine > 0`` that many Gauss–Newton (Lucas–Kanade) steps on
    ``‖moving − shift(ref, d)‖²`` then polish ``d`` (the parabola is biased by a few hundredths
    of a pixel; the refinement brings it to about 0.01 px on clean images).

    Args:
        ref, moving: ``(C, H, W)`` or ``(N, C, H, W)`` of the same shape.
        window: Hann window before the FFT.
        refine: number of Lucas–Kanade refinement steps (``0``: phase correlation only).

    Returns:
        ``(2,)`` or ``(N, 2)`` float64 shifts in pixels.
    """
    check_same_shape(ref, moving, "ref", "moving")
    check_image(ref, "ref", check_range=False)
    a, was3 = as_batch(ref)
    b = as_batch(moving)[0]
    a, b = a.double().mean(1), b.double().mean(1)
    H, W = a.shape[-2:]
    a, b = a - a.mean((-1, -2), keepdim=True), b - b.mean((-1, -2), keepdim=True)
    if window:
        win = torch.hann_window(H, periodic=False, dtype=torch.float64)[:, None] * \
            torch.hann_window(W, periodic=False, dtype=torch.float64)[None, :]
        a, b = a * win.to(a.device), b * win.to(a.device)
    cross = torch.fft.fft2(b) * torch.fft.fft2(a).conj()
    corr = torch.fft.ifft2(cross / cross.abs().clamp(min=1e-12)).real  # (N, H, W)
    n = corr.shape[0]
    idx = corr.reshape(n, -1).argmax(1)
    py, px = idx // W, idx % W
    ar = torch.arange(n)

    def parabola(c_m: Tensor, c_0: Tensor, c_p: Tensor) -> Tensor:
        den = c_m - 2 * c_0 + c_p
        return torch.where(den.abs() > 1e-12, 0.5 * (c_m - c_p) / den, torch.zeros_like(den))

    dy = parabola(corr[ar, (py - 1) % H, px], corr[ar, py, px], corr[ar, (py + 1) % H, px])
    dx = parabola(corr[ar, py, (px - 1) % W], corr[ar, py, px], corr[ar, py, (px + 1) % W])
    sy = torch.where(py > H // 2, py - H, py).double() + dy
    sx = torch.where(px > W // 2, px - W, px).double() + dx
    out = torch.stack([sy, sx], 1)
    if refine:
        out = _lucas_kanade(as_batch(ref)[0].double(), as_batch(moving)[0].double(), out, int(refine))
    return out[0] if was3 else out


def _lucas_kanade(ref: Tensor, moving: Tensor, d: Tensor, iters: int, border: int = 4) -> Tensor:
    """Gauss–Newton steps for a global translation ``d`` (N, 2) with ``moving ≈ shift(ref, d)``."""
    c = (slice(None), slice(None), slice(border, -border), slice(border, -border))
    for _ in range(iters):
        w = fourier_shift(ref, d, pad=border)
        gy = (torch.roll(w, -1, -2) - torch.roll(w, 1, -2)) / 2
        gx = (torch.roll(w, -1, -1) - torch.roll(w, 1, -1)) / 2
        r = (moving - w)[c]
        jy, jx = -gy[c], -gx[c]
        a11, a12, a22 = (jy * jy).sum((1, 2, 3)), (jy * jx).sum((1, 2, 3)), (jx * jx).sum((1, 2, 3))
        b1, b2 = (jy * r).sum((1, 2, 3)), (jx * r).sum((1, 2, 3))
        det = (a11 * a22 - a12 * a12).clamp(min=1e-12)
        d = d + torch.stack([(a22 * b1 - a12 * b2) / det, (a11 * b2 - a12 * b1) / det], 1)
    return d


def multiframe_sr(lr_frames: Tensor, shifts: Tensor, scale: int, *, iters: int = 20, step: float = 1.0,
                  pad: int = 8) -> Tensor:
    """Multi-frame SR by motion-compensated iterative back-projection (Irani & Peleg 1991).

    Given LR frames ``y_t = D(W_t x)`` (``W_t``: translation by ``shifts[t]`` HR pixels, ``D``:
    MATLAB bicubic ``↓s``), start from the average of the bicubic-upsampled frames moved back to
    the reference (shift-and-add) and repeat::

        x ← x + step · mean_t W_t⁻¹ U(y_t − D(W_t x))

    with ``U`` bicubic ``↑s``. With one frame this is single-image back-projection; the gain of
    more frames comes from their different sub-pixel samplings of the scene (aliasing in each
    frame becomes information in the set).

    Args:
        lr_frames: ``(T, C, h, w)`` in ``[0, 1]``; frame 0 is the reference.
        shifts: ``(T, 2)`` motion of each frame relative to frame 0, in **HR** pixels (true, or
            ``scale ×`` the LR shifts from :func:`phase_correlation`).
        scale: integer ``s``.
        iters: back-projection iterations (0: shift-and-add only).
        step: step size.
        pad: reflect padding for the Fourier warps.

    Returns:
        ``(C, s·h, s·w)`` estimate of the reference frame, clamped to ``[0, 1]``.
    """
    from srtutor.resize import imresize

    check_image(lr_frames, "lr_frames")
    if lr_frames.ndim != 4:
        raise ValueError(f"lr_frames must be (T, C, h, w), got {tuple(lr_frames.shape)}")
    s = check_positive_int(scale, "scale")
    check_positive_int(iters, "iters", minimum=0)
    sh = torch.as_tensor(shifts, dtype=torch.float64)
    if sh.shape != (lr_frames.shape[0], 2):
        raise ValueError(f"shifts must be (T={lr_frames.shape[0]}, 2), got {tuple(sh.shape)}")
    up = imresize(lr_frames, scale=s)
    x = fourier_shift(up, -sh, pad=pad).mean(0)
    t = lr_frames.shape[0]
    for _ in range(iters):
        warped = fourier_shift(x[None].expand(t, *x.shape), sh, pad=pad)
        resid = lr_frames - imresize(warped, scale=1 / s)
        x = x + step * fourier_shift(imresize(resid, scale=s), -sh, pad=pad).mean(0)
    return x.clamp(0, 1)
