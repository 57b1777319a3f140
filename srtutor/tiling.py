"""Tiled inference: super-resolve an image of any size in overlapping tiles (bounded memory).

    >>> from srtutor.tiling import tiled_upscale
    >>> sr = tiled_upscale(net, lr, scale=3, tile=256, overlap=16)    # doctest: +SKIP

The LR image is cut into ``tile x tile`` blocks; each is super-resolved together with an
``overlap``-pixel margin of its neighbours (clipped at the image border) and only its own
``scale * tile`` block of the output is kept. When ``overlap`` covers the receptive field of
the network (in LR pixels; plus the 2-pixel bicubic support for pre-upsampling models) the
result equals the untiled one up to float rounding; with a smaller margin the seams differ
slightly. Works on CPU and CUDA, for RGB and Y-only models (:func:`srtutor.models.upscale`
handles the channels).
"""

from __future__ import annotations

import math
import sys
from typing import Sequence

import torch
import torch.nn as nn

from srtutor._checks import as_batch, check_image, check_positive_int

Tensor = torch.Tensor

__all__ = ["tiled_upscale", "tile_count"]


def tile_count(size: Sequence[int], tile: int | None) -> int:
    """Number of tiles :func:`tiled_upscale` runs for an LR image of ``size = (H, W)``."""
    h, w = int(size[-2]), int(size[-1])
    if not tile or (h <= tile and w <= tile):
        return 1
    return math.ceil(h / tile) * math.ceil(w / tile)


@torch.no_grad()
def tiled_upscale(model: nn.Module, lr: Tensor, scale: int, *, tile: int | None = 256, overlap: int = 16,
                  progress: bool = False) -> Tensor:
    """Super-resolve ``lr`` tile by tile.

    Args:
        model: SR network (see :func:`srtutor.models.upscale`); its scale must be ``scale``
            (checked there: a model built for another factor is refused, never stitched into a
            mosaic of wrong-size tiles).
        lr: ``(C, H, W)`` or ``(N, C, H, W)`` in [0, 1], C = 1 or 3.
        scale: integer factor.
        tile: LR tile side; ``None`` or ``0`` (or an image not larger than one tile) runs untiled.
        overlap: LR margin around each tile.
        progress: show a tqdm bar over the tiles (on stderr).

    Returns:
        ``(…, C, scale·H, scale·W)`` on ``lr``'s device.

    Raises:
        ValueError: bad ``scale``/``tile``/``overlap``, a model whose output is not ``scale``
            times its input.
    """
    from srtutor.models.inference import upscale

    check_image(lr, "lr", channels=(1, 3))
    s = check_positive_int(scale, "scale")
    overlap = check_positive_int(overlap, "overlap", minimum=0)
    if tile is not None:
        tile = check_positive_int(tile, "tile", minimum=0)
    xb, was3 = as_batch(lr)
    n, c, h, w = xb.shape
    if not tile or (h <= tile and w <= tile):
        out = upscale(model, xb, s).to(xb.device)
        return out[0] if was3 else out
    out = xb.new_zeros(n, c, h * s, w * s)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=tile_count((h, w), tile), desc=f"upscale x{s} ({w}x{h})", unit="tile", file=sys.stderr,
                   leave=False)
    try:
        for y0 in range(0, h, tile):
            for x0 in range(0, w, tile):
                y1, x1 = min(y0 + tile, h), min(x0 + tile, w)
                ya, xa = max(0, y0 - overlap), max(0, x0 - overlap)
                yb, xb_ = min(h, y1 + overlap), min(w, x1 + overlap)
                sr = upscale(model, xb[..., ya:yb, xa:xb_], s).to(xb.device, xb.dtype)
                want = ((yb - ya) * s, (xb_ - xa) * s)
                if tuple(sr.shape[-2:]) != want:  # upscale checks too; a mosaic must never happen
                    raise ValueError(f"model returned a {tuple(sr.shape[-2:])} tile for a "
                                     f"{(yb - ya, xb_ - xa)} input at scale={s}; expected {want}")
                out[..., y0 * s:y1 * s, x0 * s:x1 * s] = sr[..., (y0 - ya) * s:(y1 - ya) * s, (x0 - xa) * s:(x1 - xa) * s]
                if bar is not None:
                    bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return out[0] if was3 else out
