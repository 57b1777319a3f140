"""SSIM's local statistics: separable Gaussian filtering of four fused maps, in float32 or float64.

Wang et al. (2004) need, at every pixel, Gaussian-weighted means ``mu_x, mu_y``, variances and
the covariance of ``x`` and ``y``. Computed as ``E[x^2] - E[x]^2`` in float32, the variances
lose their digits on flat image regions (the two terms are ~0.3 and their difference ~1e-4): the
usual formula in float32 is 3.5e-6 off the float64 SSIM on benchmark images. This module filters
the sum and the difference of the images instead,

    s = x + y - 1,   d = x - y,   maps [s, d, s^2, d^2]   (one separable filter call),

and rewrites SSIM in terms of ``V_s = var(s)``, ``V_d = var(d)`` and the means (exact algebra):

    sigma_x^2 + sigma_y^2 = (V_s + V_d) / 2,      2 sigma_xy = (V_s - V_d) / 2,
    cs  = 1 - 2 V_d / (V_s + V_d + 2 C2),
    lum = 1 - 2 mu_d^2 / ((mu_s + 1)^2 + mu_d^2 + 2 C1),     SSIM = lum * cs.

``d`` is small where the images agree, so ``V_d`` has little cancellation, and the error of
``V_s`` (shifted by 1 so that ``s`` is centred) only enters through the small term
``2 V_d / (...)``. In float32 the mean SSIM of Set5/Set14/B100 bicubic results stays within
2e-7 of float64 (``benchmarks/bench_metrics.py`` prints the maximum difference).

Filtering is done as weighted sums of shifted views (columns, then rows): on the CPU in
cache-sized blocks with buffers reused between calls, on a GPU as one block. With autograd the
same formulas run out of place on the whole batch, so the result is differentiable.

The CPU blocks make many short operations (about 40 per block of 2^16 pixels, ~25 µs each).
Where idle OpenMP threads sleep (``OMP_WAIT_POLICY=PASSIVE``, which the project's Makefile sets
for shared machines), waking them costs more than such an operation gains (measured on a 2-core
machine: SSIM of a 512x512 image 19-30 ms with 2 threads, 4.6 ms with 1), so there the blocks run
on the calling thread alone; with spinning threads (the OpenMP default) 2 threads are faster.
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import Iterator, Optional, Sequence

import torch

Tensor = torch.Tensor

# On CPU the images are processed in blocks of about this many pixels (several small images, or
# a band of rows of a large one) so that the maps of a block stay in cache: memory traffic, not
# arithmetic, bounds the speed of these filters.
_CPU_BLOCK_PIXELS = 1 << 16


def filter_valid(x: Tensor, taps: Sequence[float], *, cols: Optional[Tensor] = None,
                 out: Optional[Tensor] = None) -> Tensor:
    """Separable 'valid' filtering of the last two axes of ``x`` with the 1-D ``taps``.

    Output ``(..., H - r, W - r)`` with ``r = len(taps) - 1``: columns first, then rows, each a
    weighted sum of ``len(taps)`` shifted views (``out += taps[k] * x[..., k:k + H - r, :]``).
    ``cols`` ``(..., H - r, W)`` and ``out`` are optional preallocated buffers (no autograd).
    """
    n = len(taps)
    h, w = x.shape[-2] - n + 1, x.shape[-1] - n + 1
    cols = torch.mul(x[..., 0:h, :], taps[0], out=cols) if cols is not None else x[..., 0:h, :] * taps[0]
    for k in range(1, n):
        cols.add_(x[..., k:k + h, :], alpha=taps[k])
    out = torch.mul(cols[..., 0:w], taps[0], out=out) if out is not None else cols[..., 0:w] * taps[0]
    for k in range(1, n):
        out.add_(cols[..., k:k + w], alpha=taps[k])
    return out


def _block(x: Tensor, y: Tensor, taps: Sequence[float], c1: float, c2: float) -> tuple[Tensor, Tensor]:
    """SSIM and cs maps of ``x, y`` ``(K, H, W)``, out of place (differentiable)."""
    s = x + y - 1.0
    d = x - y
    ms, md, es, ed = filter_valid(torch.stack([s, d, s * s, d * d], dim=1), taps).unbind(1)
    vd = ed - md * md
    cs = (vd / ((es - ms * ms) + vd + 2.0 * c2)) * -2.0 + 1.0
    mt = ms + 1.0
    q = md * md
    lum = (q / (mt * mt + q + 2.0 * c1)) * -2.0 + 1.0
    return lum * cs, cs


class _Workspace:
    """Buffers for the largest block: the four maps, the column pass, the filtered maps, two temporaries."""

    def __init__(self, images: int, rows: int, w: int, r: int, *, like: Tensor) -> None:
        with torch.inference_mode(False):  # normal tensors: usable in and out of inference mode
            new = like.new_empty
            self.stack, self.cols = new(images, 4, rows + r, w), new(images, 4, rows, w)
            self.out = new(images, 4, rows, w - r)
            self.t1, self.t2 = new(images, rows, w - r), new(images, rows, w - r)


_LOCAL = threading.local()


def _threads_sleep() -> bool:
    """Whether idle OpenMP threads sleep between operations (``OMP_WAIT_POLICY=PASSIVE``)."""
    return os.environ.get("OMP_WAIT_POLICY", "").strip().upper() == "PASSIVE"


@contextlib.contextmanager
def _calling_thread_only() -> Iterator[None]:
    """Run torch's CPU operations of the block on one intra-op thread, then restore the count."""
    n = torch.get_num_threads()
    if n == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(n)


def _workspace(images: int, rows: int, w: int, r: int, *, like: Tensor) -> _Workspace:
    """A :class:`_Workspace`; on CPU the last one of this thread is reused when it fits.

    CPU blocks are at most ``_CPU_BLOCK_PIXELS`` pixels, so the kept buffers stay small (a few
    MB); reusing them spares the page faults of fresh large allocations on every call.
    """
    if like.device.type != "cpu":
        return _Workspace(images, rows, w, r, like=like)
    key = (images, rows, w, r, like.dtype)
    cached = getattr(_LOCAL, "workspace", None)
    if cached is None or cached[0] != key:
        cached = (key, _Workspace(images, rows, w, r, like=like))
        _LOCAL.workspace = cached
    return cached[1]


def _block_into(x: Tensor, y: Tensor, taps: Sequence[float], c1: float, c2: float,
                ws: _Workspace) -> tuple[Tensor, Tensor]:
    """:func:`_block` in the buffers of ``ws`` (no autograd): views of the SSIM and cs maps."""
    i, h = x.shape[0], x.shape[1]
    m = h - len(taps) + 1
    stack = ws.stack[:i, :, :h]
    s, d, s2, d2 = stack.unbind(1)
    torch.add(x, y, out=s).sub_(1.0)
    torch.sub(x, y, out=d)
    torch.mul(s, s, out=s2)
    torch.mul(d, d, out=d2)
    ms, md, es, ed = filter_valid(stack, taps, cols=ws.cols[:i, :, :m], out=ws.out[:i, :, :m]).unbind(1)
    t1, t2 = ws.t1[:i, :m], ws.t2[:i, :m]
    es.sub_(torch.mul(ms, ms, out=t1))  # V_s
    ed.sub_(torch.mul(md, md, out=t2))  # V_d; t2 = mu_d^2
    es.add_(ed).add_(2.0 * c2)  # V_s + V_d + 2 C2
    cs = ed.div_(es).mul_(-2.0).add_(1.0)
    mt = ms.add_(1.0)  # mean of x + y
    torch.mul(mt, mt, out=t1).add_(t2).add_(2.0 * c1)
    lum = t2.div_(t1).mul_(-2.0).add_(1.0)
    return lum.mul_(cs), cs


def ssim_parts(x: Tensor, y: Tensor, taps: Sequence[float], c1: float, c2: float, *,
               maps: bool = False) -> tuple[Tensor, Tensor]:
    """SSIM and contrast-structure ``cs`` of ``x``, ``y`` ``(N, C, H, W)`` on the [0, 1] scale.

    Returns the means of the two maps per image and channel, ``(N, C)`` float64 (accumulated
    in float64), or with ``maps=True`` the maps ``(N, C, H - r, W - r)`` in the inputs' dtype.
    """
    n, c, h, w = x.shape
    k, r = n * c, len(taps) - 1
    ho, wo = h - r, w - r
    xs, ys = x.reshape(k, h, w), y.reshape(k, h, w)
    if torch.is_grad_enabled() and (x.requires_grad or y.requires_grad):
        s, cs = _block(xs, ys, taps, c1, c2)
        if maps:
            return s.reshape(n, c, ho, wo), cs.reshape(n, c, ho, wo)
        return tuple(t.sum(dim=(-2, -1)).double().div(ho * wo).reshape(n, c) for t in (s, cs))
    if x.device.type == "cpu":
        images = min(k, max(1, _CPU_BLOCK_PIXELS // (h * w)))  # whole small images per block
        rows = min(ho, max(1, _CPU_BLOCK_PIXELS // w))  # or a band of output rows of a large one
    else:
        images, rows = k, ho
    ws = _workspace(images, rows, w, r, like=x)
    if maps:
        s_all, cs_all = x.new_empty(k, ho, wo), x.new_empty(k, ho, wo)
    else:
        s_all = torch.zeros(k, dtype=torch.float64, device=x.device)
        cs_all = torch.zeros(k, dtype=torch.float64, device=x.device)
    one = x.device.type == "cpu" and _threads_sleep()
    with _calling_thread_only() if one else contextlib.nullcontext():
        for i0 in range(0, k, images):
            sel = slice(i0, min(i0 + images, k))
            for j in range(0, ho, rows):
                m = min(rows, ho - j)
                s, cs = _block_into(xs[sel, j:j + m + r], ys[sel, j:j + m + r], taps, c1, c2, ws)
                if maps:
                    s_all[sel, j:j + m] = s
                    cs_all[sel, j:j + m] = cs
                else:
                    s_all[sel] += s.sum(dim=(-2, -1))  # cascade sum of a block, added in float64
                    cs_all[sel] += cs.sum(dim=(-2, -1))
    if maps:
        return s_all.reshape(n, c, ho, wo), cs_all.reshape(n, c, ho, wo)
    return s_all.div_(ho * wo).reshape(n, c), cs_all.div_(ho * wo).reshape(n, c)
