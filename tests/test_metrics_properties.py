"""Property-based tests (hypothesis) of the public metric functions.

Random shapes, dtypes, value ranges (``data_range`` 1 or 255), crops, channel counts and
options: every call either returns a result that satisfies the stated invariants or raises a
``ValueError``/``TypeError`` whose message names the offending argument.

Invariants: a float64 tensor of shape ``()`` (``reduction="mean"`` or one ``(C, H, W)`` image)
or ``(N,)``; finite (PSNR may be ``+inf`` exactly when the images are equal after crop/Y);
MSE >= 0; SSIM and MS-SSIM in [-1, 1] (MS-SSIM in [0, 1]); identical images give SSIM 1 and
PSNR inf; PSNR and SSIM are symmetric; ``data_range`` scaling leaves every metric unchanged;
float32 and float64 agree to 1e-5; on small inputs SSIM equals a slow per-pixel reference.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from srtutor import metrics  # noqa: E402

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ARG_NAMES = ("sr", "hr", "crop_border", "data_range", "window_size", "sigma", "k1", "k2", "weights",
             "reduction", "y_channel", "precision")
DTYPES = [torch.float64, torch.float32, torch.float16, torch.bfloat16]


@st.composite
def image_pairs(draw, min_side=1, max_side=40):
    batched = draw(st.booleans())
    n = draw(st.integers(1, 3))
    c = draw(st.sampled_from([1, 2, 3, 4]))
    h = draw(st.integers(min_side, max_side))
    w = draw(st.integers(min_side, max_side))
    shape = (n, c, h, w) if batched else (c, h, w)
    dtype = draw(st.sampled_from(DTYPES))
    peak = draw(st.sampled_from([1.0, 255.0]))
    seed = draw(st.integers(0, 2**31 - 1))
    g = torch.Generator().manual_seed(seed)
    hr = torch.rand(shape, generator=g, dtype=torch.float64)
    kind = draw(st.sampled_from(["noisy", "identical", "constant", "independent"]))
    if kind == "noisy":
        sr = (hr + draw(st.floats(0.001, 0.5)) * torch.randn(shape, generator=g, dtype=torch.float64)).clamp(0, 1)
    elif kind == "identical":
        sr = hr.clone()
    elif kind == "constant":
        sr = torch.full(shape, draw(st.floats(0.0, 1.0)), dtype=torch.float64)
    else:
        sr = torch.rand(shape, generator=g, dtype=torch.float64)
    sr, hr = (sr * peak).to(dtype), (hr * peak).to(dtype)
    return sr, hr, peak


def _options(draw_fn):
    return dict(
        crop_border=draw_fn(st.integers(0, 4)),
        y_channel=draw_fn(st.booleans()),
        reduction=draw_fn(st.sampled_from(["mean", "none"])),
    )


def _call_or_named_error(fn, *args, **kw):
    """Run ``fn``; on ValueError/TypeError check that the message names an argument."""
    try:
        return fn(*args, **kw)
    except (ValueError, TypeError) as exc:
        msg = str(exc)
        assert any(name in msg for name in ARG_NAMES), f"error names no argument: {msg}"
        return None


def _check_shape(out, sr, reduction):
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float64
    if reduction == "mean" or sr.ndim == 3:
        assert out.shape == ()
    else:
        assert out.shape == (sr.shape[0],)


def _equal_after_prep(sr, hr, crop, y_channel):
    """Whether the images scored are identical (PSNR inf)."""
    a, b = sr.double(), hr.double()
    if crop:
        a, b = a[..., crop:-crop, crop:-crop], b[..., crop:-crop, crop:-crop]
    if y_channel and a.shape[-3] == 3:
        wr, wg, wb = 65.481, 128.553, 24.966
        a = a[..., 0:1, :, :] * wr + a[..., 1:2, :, :] * wg + a[..., 2:3, :, :] * wb
        b = b[..., 0:1, :, :] * wr + b[..., 1:2, :, :] * wg + b[..., 2:3, :, :] * wb
    d = (a - b).reshape(a.shape[0], -1) if a.ndim == 4 else (a - b).reshape(1, -1)
    return (d == 0).all(dim=1)


@SETTINGS
@given(data=st.data(), pair=image_pairs())
def test_psnr_and_mse_properties(data, pair):
    sr, hr, peak = pair
    kw = _options(data.draw)
    p = _call_or_named_error(metrics.psnr, sr, hr, data_range=peak, **kw)
    m = _call_or_named_error(metrics.mse, sr, hr, data_range=peak, **kw)
    if p is None:
        assert m is None  # the same inputs are refused by both
        return
    _check_shape(p, sr, kw["reduction"])
    _check_shape(m, sr, kw["reduction"])
    assert (m >= 0).all() and torch.isfinite(m).all()
    equal = _equal_after_prep(sr, hr, kw["crop_border"], kw["y_channel"] and sr.shape[-3] == 3)
    per = metrics.psnr(sr, hr, data_range=peak, **{**kw, "reduction": "none"}).reshape(-1)
    assert torch.equal(torch.isinf(per), equal) and not torch.isnan(per).any()
    assert torch.equal(per, metrics.psnr(hr, sr, data_range=peak, **{**kw, "reduction": "none"}).reshape(-1))
    # data_range scaling: the 0-1 version of the same images gives the same PSNR
    if peak == 255.0 and sr.dtype == torch.float64:
        q = metrics.psnr(sr / 255, hr / 255, **{**kw, "reduction": "none"}).reshape(-1)
        finite = torch.isfinite(q)
        torch.testing.assert_close(per[finite], q[finite], rtol=1e-9, atol=1e-9)


@SETTINGS
@given(data=st.data(), pair=image_pairs(min_side=8, max_side=40))
def test_ssim_properties(data, pair):
    sr, hr, peak = pair
    kw = _options(data.draw)
    window = data.draw(st.sampled_from([3, 7, 11]))
    s = _call_or_named_error(metrics.ssim, sr, hr, data_range=peak, window_size=window, **kw)
    if s is None:
        return
    _check_shape(s, sr, kw["reduction"])
    assert torch.isfinite(s).all() and (s <= 1 + 1e-6).all() and (s >= -1 - 1e-6).all()
    assert torch.allclose(s, metrics.ssim(hr, sr, data_range=peak, window_size=window, **kw), atol=1e-6)
    one = metrics.ssim(hr, hr, data_range=peak, window_size=window, **kw)
    assert torch.allclose(one, torch.ones_like(one), atol=1e-6)
    other = torch.float32 if sr.dtype == torch.float64 else torch.float64
    s2 = metrics.ssim(sr.to(other), hr.to(other), data_range=peak, window_size=window, **kw)
    assert torch.allclose(s, s2, atol=1e-5)


@SETTINGS
@given(data=st.data(), pair=image_pairs(min_side=20, max_side=60))
def test_ms_ssim_properties(data, pair):
    sr, hr, peak = pair
    kw = _options(data.draw)
    weights = data.draw(st.sampled_from([(0.5, 0.5), (0.2, 0.3, 0.5)]))
    v = _call_or_named_error(metrics.ms_ssim, sr, hr, data_range=peak, window_size=7, weights=weights, **kw)
    if v is None:
        return
    _check_shape(v, sr, kw["reduction"])
    assert torch.isfinite(v).all() and (v >= 0).all() and (v <= 1 + 1e-6).all()


@SETTINGS
@given(pair=image_pairs(min_side=11, max_side=20))
def test_ssim_map_equals_slow_reference(pair):
    """Per-pixel definition with a 2-D window, in numpy float64, on small images."""
    sr, hr, peak = pair
    x = sr.double().numpy().reshape(-1, *sr.shape[-2:]) / peak
    y = hr.double().numpy().reshape(-1, *hr.shape[-2:]) / peak
    k = np.arange(11) - 5
    g = np.exp(-(k[:, None] ** 2 + k[None, :] ** 2) / (2 * 1.5**2))
    g /= g.sum()
    c1, c2 = 0.01**2, 0.03**2
    ho, wo = x.shape[1] - 10, x.shape[2] - 10
    ref = np.empty((x.shape[0], ho, wo))
    for i in range(ho):
        for j in range(wo):
            a, b = x[:, i:i + 11, j:j + 11], y[:, i:i + 11, j:j + 11]
            ma, mb = (a * g).sum((1, 2)), (b * g).sum((1, 2))
            va = (a * a * g).sum((1, 2)) - ma**2
            vb = (b * b * g).sum((1, 2)) - mb**2
            cov = (a * b * g).sum((1, 2)) - ma * mb
            ref[:, i, j] = (2 * ma * mb + c1) * (2 * cov + c2) / ((ma**2 + mb**2 + c1) * (va + vb + c2))
    got = metrics.ssim_map(sr, hr, data_range=peak).double().numpy().reshape(ref.shape)
    tol = 1e-9 if sr.dtype == torch.float64 else 1e-5
    np.testing.assert_allclose(got, ref, atol=tol, rtol=0)


@SETTINGS
@given(pair=image_pairs(min_side=2, max_side=30))
def test_gradient_ratio_properties(pair):
    sr, hr, peak = pair
    r = _call_or_named_error(metrics.gradient_ratio, sr, hr, data_range=peak, reduction="none")
    if r is None:
        return
    _check_shape(r, sr, "none")
    flat_hr = bool((hr.double().diff(dim=-1) == 0).all() and (hr.double().diff(dim=-2) == 0).all())
    if not flat_hr:
        assert (r >= 0).all()


BAD_ARGS = [
    ({"crop_border": -1}, ValueError, "crop_border"),
    ({"crop_border": 1.5}, TypeError, "crop_border"),
    ({"data_range": 0}, ValueError, "data_range"),
    ({"data_range": "255"}, TypeError, "data_range"),
    ({"data_range": math.inf}, ValueError, "data_range"),
    ({"y_channel": 1}, TypeError, "y_channel"),
    ({"reduction": "sum"}, ValueError, "reduction"),
    ({"precision": "half"}, ValueError, "precision"),
    ({"check_range": "yes"}, TypeError, "check_range"),
]


@pytest.mark.parametrize("fn", [metrics.psnr, metrics.ssim, metrics.ms_ssim, metrics.mse, metrics.gradient_ratio])
@pytest.mark.parametrize("bad, exc, name", BAD_ARGS)
def test_bad_arguments_name_the_argument(fn, bad, exc, name):
    x = torch.rand(3, 170, 170)
    with pytest.raises(exc, match=name):
        fn(x, x, **bad)


@pytest.mark.parametrize("fn", [metrics.ssim, metrics.ms_ssim, metrics.ssim_map])
@pytest.mark.parametrize("bad, exc, name", [({"window_size": 4}, ValueError, "window_size"),
                                            ({"sigma": -1.0}, ValueError, "sigma"),
                                            ({"k1": -0.1}, ValueError, "k1")])
def test_bad_window_arguments_name_the_argument(fn, bad, exc, name):
    x = torch.rand(3, 170, 170)
    with pytest.raises(exc, match=name):
        fn(x, x, **bad)
