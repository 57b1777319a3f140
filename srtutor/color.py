"""Colour spaces for SR evaluation (survey §2.4, "operating channels").

Most SR papers evaluate on the luminance channel Y of YCbCr, with MATLAB's ``rgb2ycbcr``
(ITU-R BT.601, *studio range*: Y in [16, 235], Cb/Cr in [16, 240] on the 255 scale)::

    Y  =  16 + ( 65.481 R + 128.553 G +  24.966 B)
    Cb = 128 + (-37.797 R -  74.203 G + 112.0   B)
    Cr = 128 + (112.0   R -  93.786 G -  18.214 B)

with R, G, B in [0, 1] and Y, Cb, Cr on the 255 scale. Here every tensor stays in [0, 1]:
the outputs are the above divided by 255. The *full-range* (JPEG/JFIF) variant
(``Y = 0.299 R + 0.587 G + 0.114 B``) is offered for comparison via ``full_range=True``.
"""

from __future__ import annotations

import torch

from srtutor._checks import check_image

Tensor = torch.Tensor

# BT.601 studio range, as MATLAB rgb2ycbcr (rows: Y, Cb, Cr; RGB in [0, 1] -> 255 scale)
_STUDIO = torch.tensor(
    [[65.481, 128.553, 24.966], [-37.797, -74.203, 112.0], [112.0, -93.786, -18.214]],
    dtype=torch.float64,
)
_STUDIO_OFFSET = torch.tensor([16.0, 128.0, 128.0], dtype=torch.float64)
# BT.601 full range (JFIF)
_FULL = torch.tensor(
    [[0.299, 0.587, 0.114], [-0.168736, -0.331264, 0.5], [0.5, -0.418688, -0.081312]],
    dtype=torch.float64,
) * 255.0
_FULL_OFFSET = torch.tensor([0.0, 128.0, 128.0], dtype=torch.float64)


def _matrices(full_range: bool, like: Tensor) -> tuple[Tensor, Tensor]:
    m, o = (_FULL, _FULL_OFFSET) if full_range else (_STUDIO, _STUDIO_OFFSET)
    return m.to(device=like.device, dtype=like.dtype), o.to(device=like.device, dtype=like.dtype)


def rgb_to_ycbcr(x: Tensor, *, full_range: bool = False) -> Tensor:
    """RGB → YCbCr (BT.601), as MATLAB's ``rgb2ycbcr`` for double images.

    Args:
        x: RGB image(s), ``(3, H, W)`` or ``(N, 3, H, W)``, float in [0, 1].
        full_range: JFIF full-range YCbCr instead of MATLAB's studio range.

    Returns:
        YCbCr with the same shape, float in [0, 1] (Y in [16/255, 235/255] for studio range).
    """
    check_image(x, "x", channels=(3,))
    m, o = _matrices(full_range, x)
    out = torch.einsum("ij,...jhw->...ihw", m, x) + o[:, None, None]
    return out / 255.0


def ycbcr_to_rgb(x: Tensor, *, full_range: bool = False) -> Tensor:
    """YCbCr (BT.601) → RGB, the inverse of :func:`rgb_to_ycbcr` (MATLAB ``ycbcr2rgb``).

    Args:
        x: YCbCr image(s), ``(3, H, W)`` or ``(N, 3, H, W)``, float in [0, 1] (255-scale / 255).
            Full-range Cb/Cr of saturated blue/red reach ``255.5 / 255``, which is accepted.
        full_range: inverse of the full-range transform.

    Returns:
        RGB with the same shape; not clamped (out-of-gamut YCbCr gives values outside [0, 1]).
    """
    check_image(x, "x", channels=(3,), tol=0.5 / 255 + 1e-3)  # what rgb_to_ycbcr(full_range=True) returns
    m, o = _matrices(full_range, x)
    inv = torch.linalg.inv(m)
    return torch.einsum("ij,...jhw->...ihw", inv, x * 255.0 - o[:, None, None])


def rgb_to_y(x: Tensor, *, full_range: bool = False, check: bool = True) -> Tensor:
    """Luminance Y of BT.601 YCbCr, keeping a channel dimension.

    Args:
        x: RGB ``(3, H, W)`` / ``(N, 3, H, W)`` in [0, 1]. A 1-channel image is treated as
            already being luminance and returned unchanged (greyscale benchmark images such as
            Set14's ``bridge`` are scored on their grey values, as the literature does).
        full_range: ``0.299 R + 0.587 G + 0.114 B`` instead of studio range.
        check: validate ``x`` (shape, channels, values in [0, 1]); ``False`` skips the value
            pass for callers that produced ``x`` themselves (same result).

    Returns:
        ``(1, H, W)`` / ``(N, 1, H, W)`` in [0, 1]; studio-range Y lies in [16/255, 235/255].
    """
    if check:
        check_image(x, "x", channels=(1, 3))
    if x.shape[-3] == 1:
        return x
    m, o = _matrices(full_range, x)
    return (torch.einsum("j,...jhw->...hw", m[0], x) + o[0]).unsqueeze(-3) / 255.0
