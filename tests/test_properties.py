"""Property-based tests (hypothesis) over the public functions.

Random shapes, dtypes, value ranges, scales and layouts. Every call either returns a result
that satisfies the stated invariants (shape rule, range, finiteness, agreement with a slow
reference on small inputs) or raises ``ValueError``/``TypeError`` whose message names the
offending argument — never a silent wrong number and never another exception.

Profiles: ``SRTUTOR_HYPOTHESIS_PROFILE=default`` (``make test``: derandomised, a few examples
per property, well under a minute) or ``=large`` (2,000 random examples per property).
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from png16 import encode_png16
from srtutor import color, data, degradation, io, resize, upsample
from srtutor.metrics import psnr, ssim

settings.register_profile("default", max_examples=20, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("large", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
_PROFILE = settings.get_profile(os.environ.get("SRTUTOR_HYPOTHESIS_PROFILE", "default"))


def prop(**overrides):
    """The chosen profile, with per-test overrides (``max_examples`` scaled for costly properties)."""
    kw = {}
    if "max_examples" in overrides:
        kw["max_examples"] = max(1, int(_PROFILE.max_examples * overrides.pop("max_examples")))
    return settings(_PROFILE, **kw, **overrides)


def _named_error(fn, *names):
    """``fn()``, or ``None`` when it raises ValueError/TypeError naming one of ``names``."""
    try:
        return fn()
    except (ValueError, TypeError) as exc:
        msg = str(exc)
        assert any(n in msg for n in names), f"error does not name any of {names}: {msg!r}"
        return None


# ------------------------------------------------------------------------------ strategies
dtypes = st.sampled_from([torch.float32, torch.float64])


@st.composite
def images(draw, channels=(1, 3), min_side=1, max_side=12, batch=True, dtype=None):
    c = draw(st.sampled_from(channels))
    h = draw(st.integers(min_side, max_side))
    w = draw(st.integers(min_side, max_side))
    shape = (draw(st.integers(1, 2)), c, h, w) if batch and draw(st.booleans()) else (c, h, w)
    seed = draw(st.integers(0, 2**31 - 1))
    dt = dtype or draw(dtypes)
    x = torch.rand(shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64).to(dt)
    kind = draw(st.sampled_from(["rand", "const", "binary"]))
    if kind == "const":
        x = torch.full(shape, draw(st.floats(0, 1)), dtype=dt)
    elif kind == "binary":
        x = (x > 0.5).to(dt)
    return x


scales = st.one_of(st.floats(0.25, 4.0), st.sampled_from([0.25, 1 / 3, 0.5, 1.0, 2.0, 3.0, 4.0]))


# ------------------------------------------------------------------------------ slow references
def _cubic(t):
    a = abs(t)
    if a <= 1:
        return 1.5 * a**3 - 2.5 * a**2 + 1
    if a <= 2:
        return -0.5 * a**3 + 2.5 * a**2 - 4 * a + 2
    return 0.0


def _ref_resize_1d(v, out_len, scale):
    """MATLAB imresize along one axis, bicubic, antialiased, one output pixel at a time."""
    n = len(v)
    if scale < 1:
        h, width = (lambda t: scale * _cubic(scale * t)), 4.0 / scale
    else:
        h, width = _cubic, 4.0
    out = []
    for i in range(1, out_len + 1):
        u = i / scale + 0.5 * (1 - 1 / scale)
        left = math.floor(u - width / 2)
        taps = [left + k for k in range(int(math.ceil(width)) + 2)]
        w = [h(u - j) for j in taps]
        tot = sum(w)
        acc = 0.0
        for j, wj in zip(taps, w):
            m = (j - 1) % (2 * n)
            acc += wj / tot * v[m if m < n else 2 * n - 1 - m]
        out.append(acc)
    return out


def _ref_imresize(x: np.ndarray, scale: float) -> np.ndarray:
    """``(H, W)`` float64 -> MATLAB ``imresize(x, scale)`` (rows then columns: the passes commute)."""
    h, w = x.shape
    oh, ow = math.ceil(scale * h), math.ceil(scale * w)
    cols = np.array([_ref_resize_1d(list(x[:, j]), oh, scale) for j in range(w)]).T  # (oh, w)
    return np.array([_ref_resize_1d(list(cols[i]), ow, scale) for i in range(oh)])


# ============================================================================== resize
@prop()
@given(x=images(max_side=10), s=scales)
def test_imresize_shape_range_and_constants(x, s):
    y = resize.imresize(x, scale=s)
    assert y.shape[:-2] == x.shape[:-2] and y.dtype == x.dtype
    assert tuple(y.shape[-2:]) == (math.ceil(s * x.shape[-2]), math.ceil(s * x.shape[-1]))
    assert bool(torch.isfinite(y).all())
    # overshoot bound: weights summing to 1 with L1 norms a (rows) and b (columns) keep every output
    # within a*b*(range/2) of the input's mid-range
    a = float(resize.contributions(x.shape[-2], y.shape[-2], s)[0].abs().sum(1).max())
    b = float(resize.contributions(x.shape[-1], y.shape[-1], s)[0].abs().sum(1).max())
    lo, hi = float(x.min()), float(x.max())
    assert float((y - (lo + hi) / 2).abs().max()) <= a * b * (hi - lo) / 2 + 1e-5
    const = torch.full_like(x, 0.3)
    assert torch.allclose(resize.imresize(const, scale=s), torch.full_like(y, 0.3), atol=1e-5)


@prop(max_examples=0.75)
@given(h=st.integers(1, 7), w=st.integers(1, 7), s=scales, seed=st.integers(0, 1000))
def test_imresize_matches_slow_reference(h, w, s, seed):
    x = np.random.default_rng(seed).random((h, w))
    got = resize.imresize(torch.from_numpy(x), scale=s).numpy()
    assert np.allclose(got, _ref_imresize(x, s), atol=1e-12, rtol=0)


@prop()
@given(n=st.integers(1, 40), out=st.integers(1, 6), s=st.floats(1e-4, 0.2), kernel=st.sampled_from(["cubic", "lanczos3", "linear"]))
def test_folded_tables_equal_matlab_tables(n, out, s, kernel):
    """A kernel wider than the input is folded onto the input pixels (the table is capped at the
    input length): it gives the same operator as MATLAB's unfolded table."""
    w_full, i_full = resize.contributions(n, out, s, kernel)
    old = resize._FOLD_ABOVE
    resize._FOLD_ABOVE = -1
    try:
        w_fold, i_fold = resize.contributions(n, out, s, kernel)
    finally:
        resize._FOLD_ABOVE = old
    dense = [torch.zeros(out, n, dtype=torch.float64).scatter_add_(1, i, w) for w, i in ((w_full, i_full), (w_fold, i_fold))]
    assert torch.allclose(dense[0], dense[1], atol=1e-12)
    assert w_fold.shape[1] <= n and torch.allclose(w_fold.sum(1), torch.ones(out, dtype=torch.float64))


@prop()
@given(x=images(max_side=8), bad=st.sampled_from([0, -1.0, float("nan"), float("inf"), "2", True, (1, 2, 3), 1e-12, 1e12]))
def test_imresize_bad_scale_named(x, bad):
    assert _named_error(lambda: resize.imresize(x, scale=bad), "scale") is None


@prop()
@given(x=images(max_side=8), where=st.integers(0, 10**6), value=st.sampled_from([float("nan"), float("inf"), -float("inf")]))
def test_imresize_nan_inf_refused_not_spread(x, where, value):
    x = x.clone()
    x.view(-1)[where % x.numel()] = value
    with pytest.raises(ValueError, match="x contains NaN or inf"):
        resize.imresize(x, scale=0.5)


@prop()
@given(h=st.integers(1, 9), w=st.integers(5, 12), c=st.sampled_from([1, 3, 4]), s=scales, seed=st.integers(0, 99))
def test_imresize_uint8_layouts(h, w, c, s, seed):
    arr = np.random.default_rng(seed).integers(0, 256, (h, w, c), dtype=np.uint8)
    y = resize.imresize(arr, scale=s)
    assert y.dtype == np.uint8 and y.shape == (math.ceil(s * h), math.ceil(s * w), c)
    chw = np.ascontiguousarray(arr.transpose(2, 0, 1))
    if chw.shape[2] > 4:  # (C, H, W) with W > 4: refused, never read as C-pixel-high
        assert _named_error(lambda: resize.imresize(chw, scale=s), "x") is None


@prop()
@given(x=images(max_side=12), s=st.integers(1, 5))
def test_modcrop_shape_rule(x, s):
    y = _named_error(lambda: resize.modcrop(x, s), "scale", "x")
    if y is None:
        assert x.shape[-1] < s or x.shape[-2] < s
        return
    assert y.shape[-2] % s == 0 and y.shape[-1] % s == 0
    assert x.shape[-2] - y.shape[-2] < s and x.shape[-1] - y.shape[-1] < s
    assert torch.equal(y, x[..., :y.shape[-2], :y.shape[-1]])


# ============================================================================== color
@prop()
@given(x=images(channels=(3,)), full=st.booleans())
def test_ycbcr_round_trip_and_ranges(x, full):
    ycc = color.rgb_to_ycbcr(x, full_range=full)
    back = color.ycbcr_to_rgb(ycc, full_range=full)
    assert torch.allclose(back, x, atol=1e-5 if x.dtype == torch.float32 else 1e-12)
    y = color.rgb_to_y(x, full_range=full)
    assert torch.allclose(y[..., 0, :, :], ycc[..., 0, :, :])
    lo, hi = (0.0, 1.0) if full else (16 / 255, 235 / 255)
    tol = 1e-6
    assert float(y.min()) >= lo - tol and float(y.max()) <= hi + tol


@prop()
@given(x=images(channels=(2, 4, 5)))
def test_color_wrong_channels_named(x):
    assert _named_error(lambda: color.rgb_to_ycbcr(x), "x") is None
    assert _named_error(lambda: color.rgb_to_y(x), "x") is None


# ============================================================================== io
@prop()
@given(h=st.integers(1, 9), w=st.integers(1, 9), c=st.sampled_from([0, 1, 3, 4]), seed=st.integers(0, 99))
def test_to_tensor_to_numpy_round_trip(h, w, c, seed):
    rng = np.random.default_rng(seed)
    arr = rng.integers(0, 256, (h, w) if c == 0 else (h, w, c), dtype=np.uint8)
    t = io.to_tensor(arr)
    assert t.shape == (max(c, 1), h, w) and float(t.min()) >= 0 and float(t.max()) <= 1
    back = io.to_numpy(t)
    assert np.array_equal(back, arr if c != 1 else arr[:, :, 0])
    u16 = rng.integers(0, 65536, (h, w), dtype=np.uint16)
    t16 = io.to_tensor(u16, dtype=torch.float64)
    assert torch.equal(torch.round(t16[0] * 65535).to(torch.int64), torch.from_numpy(u16.astype(np.int64)))


@prop()
@given(c=st.sampled_from([1, 3, 4]), h=st.integers(5, 12), w=st.integers(5, 12))
def test_channel_first_arrays_refused(c, h, w):
    assert _named_error(lambda: io.to_tensor(np.zeros((c, h, w), np.uint8)), "image") is None
    assert _named_error(lambda: io.to_numpy(torch.zeros(h, w, c)), "x") is None


@prop()
@given(x=images(), dtype=dtypes)
def test_quantize_idempotent_on_grid(x, dtype):
    x = x.to(dtype)
    q = io.quantize(x)
    assert q.dtype == dtype and q.shape == x.shape
    assert torch.equal(io.quantize(q), q)
    assert float((q * 255 - torch.round(q * 255)).abs().max()) < 1e-4
    assert float((q - x).abs().max()) <= 0.5 / 255 + 1e-6


@prop(max_examples=0.5)
@given(x=images(channels=(1, 3), batch=False, max_side=9))
def test_write_read_round_trip(tmp_path_factory, x):
    p = tmp_path_factory.mktemp("rt") / "x.png"
    io.write_image(p, x)
    assert torch.equal(io.read_image(p, dtype=x.dtype), io.quantize(x))
    assert [q.name for q in p.parent.iterdir()] == ["x.png"]  # the temporary file is gone


@prop(max_examples=0.75)
@given(h=st.integers(1, 8), w=st.integers(1, 8), c=st.sampled_from([2, 3, 4]),
       filters=st.lists(st.integers(0, 4), min_size=1, max_size=4), seed=st.integers(0, 999))
def test_png16_decoder_exact(tmp_path_factory, h, w, c, filters, seed):
    arr = np.random.default_rng(seed).integers(0, 65536, (h, w, c)).astype(np.uint16)
    p = tmp_path_factory.mktemp("p16") / "x.png"
    p.write_bytes(encode_png16(arr, filters))
    t = io.read_image(p, dtype=torch.float64, alpha="keep")
    assert torch.equal(t, torch.from_numpy(arr / 65535.0).permute(2, 0, 1))


# ============================================================================== degradation
@prop()
@given(size=st.integers(1, 15), s1=st.floats(1e-3, 1e3), s2=st.one_of(st.none(), st.floats(1e-3, 1e3)),
       theta=st.floats(-7, 7))
def test_gaussian_kernel_is_a_kernel(size, s1, s2, theta):
    k = degradation.gaussian_kernel(size, s1, s2, theta)
    assert k.shape == (size, size) and bool(torch.isfinite(k).all())
    assert float(k.min()) >= 0 and abs(float(k.sum()) - 1) < 1e-12
    assert torch.allclose(k, torch.flip(k, (0, 1)), atol=1e-12)  # point symmetry of a Gaussian


@prop()
@given(x=images(max_side=10), size=st.integers(1, 7), sigma=st.floats(0.05, 5))
def test_blur_keeps_shape_and_constants(x, size, sigma):
    k = degradation.gaussian_kernel(size, sigma)
    y = degradation.blur(x, k)
    assert y.shape == x.shape and bool(torch.isfinite(y).all())
    assert float(y.min()) >= float(x.min()) - 1e-6 and float(y.max()) <= float(x.max()) + 1e-6  # convex weights
    c = torch.full_like(x, 0.7)
    assert torch.allclose(degradation.blur(c, k), c, atol=1e-6)


@prop()
@given(x=images(max_side=12), s=st.integers(1, 4), off=st.one_of(st.none(), st.integers(0, 5)))
def test_downsample_shape_rule(x, s, off):
    y = _named_error(lambda: degradation.downsample(x, s, off), "offset", "scale")
    if y is None:
        assert off is not None and off >= s
        return
    o = (s - 1) // 2 if off is None else off
    assert y.shape[-2] == len(range(o, x.shape[-2], s)) and y.shape[-1] == len(range(o, x.shape[-1], s))


@prop()
@given(x=images(max_side=12), s=st.integers(1, 4))
def test_bicubic_down_and_BI(x, s):
    y = degradation.bicubic_down(x, s)
    assert tuple(y.shape[-2:]) == (math.ceil(x.shape[-2] / s), math.ceil(x.shape[-1] / s))
    lr = degradation.BI(s)(x)
    assert float(lr.min()) >= 0 and float(lr.max()) <= 1 and lr.shape == y.shape


@prop()
@given(x=images(), sigma=st.floats(0, 80), seed=st.integers(0, 99))
def test_gaussian_noise(x, sigma, seed):
    g = torch.Generator().manual_seed(seed)
    y = degradation.add_gaussian_noise(x, sigma, g)
    assert y.shape == x.shape and float(y.min()) >= 0 and float(y.max()) <= 1
    assert torch.equal(degradation.add_gaussian_noise(x, 0.0, g), x.clamp(0, 1))
    assert _named_error(lambda: degradation.add_gaussian_noise(x, -sigma - 1, g), "sigma") is None


@prop(max_examples=0.5)
@given(x=images(channels=(1, 3), min_side=2), q=st.integers(1, 100))
def test_jpeg_on_the_8bit_grid(x, q):
    y = degradation.jpeg(x, q)
    assert y.shape == x.shape and y.dtype == x.dtype
    assert torch.equal(io.quantize(y), y)


# ============================================================================== data
@prop()
@given(x=images(max_side=7), mode=st.integers(0, 7))
def test_augment_is_the_dihedral_group(x, mode):
    y = data.augment(x, mode)
    assert any(torch.equal(data.augment(y, m), x) for m in range(8))  # every transform has an inverse
    assert sorted(y.flatten().tolist()) == sorted(x.flatten().tolist())  # a permutation of the pixels
    assert _named_error(lambda: data.augment(x, 8), "mode") is None


@prop()
@given(h=st.integers(2, 10), w=st.integers(2, 10), s=st.integers(1, 4), p=st.integers(1, 10), seed=st.integers(0, 99))
def test_random_patch_pair_aligned(h, w, s, p, seed):
    hr = torch.rand(3, h * s, w * s, generator=torch.Generator().manual_seed(seed))
    lr = degradation.downsample(hr, s, 0)
    got = _named_error(lambda: data.random_patch_pair(lr, hr, s, p, torch.Generator().manual_seed(seed)), "patch_size")
    if got is None:
        assert p > h or p > w
        return
    lp, hp = got
    assert lp.shape == (3, p, p) and hp.shape == (3, s * p, s * p)
    assert torch.equal(degradation.downsample(hp, s, 0), lp)  # the HR patch lies over the LR patch


@prop()
@given(x=images(channels=(1, 3), min_side=4, max_side=14), s=st.integers(1, 4))
def test_make_pair_shapes(x, s):
    got = _named_error(lambda: data.make_pair(x, s), "x", "scale")
    if got is None:
        assert min(x.shape[-2:]) < s
        return
    lr, hr = got
    assert hr.shape[-2] == lr.shape[-2] * s and hr.shape[-1] == lr.shape[-1] * s
    assert float(lr.min()) >= 0 and float(lr.max()) <= 1


# ============================================================================== upsample
@prop()
@given(n=st.integers(1, 2), c=st.integers(1, 3), r=st.integers(1, 4), h=st.integers(1, 5), w=st.integers(1, 5))
def test_pixel_shuffle_equals_torch(n, c, r, h, w):
    x = torch.randn(n, c * r * r, h, w)
    assert torch.equal(upsample.pixel_shuffle(x, r), torch.nn.PixelShuffle(r)(x))


@prop()
@given(x=images(max_side=8), s=st.floats(0.5, 4), mode=st.sampled_from(["nearest", "bilinear", "bicubic", "matlab"]))
def test_interpolate_shape_rule(x, s, mode):
    out = (math.floor(x.shape[-2] * s + 1e-9), math.floor(x.shape[-1] * s + 1e-9))
    y = _named_error(lambda: upsample.interpolate(x, s, mode=mode), "scale", "size")
    if y is None:
        assert min(out) < 1
        return
    assert tuple(y.shape[-2:]) == out and y.shape[:-2] == x.shape[:-2] and bool(torch.isfinite(y).all())


# ============================================================================== metrics (argument checks)
@prop()
@given(x=images(channels=(1, 2, 3)), noise=st.floats(0, 0.3), crop=st.integers(0, 6),
       y_channel=st.booleans(), data_range=st.sampled_from([1.0, 255, 0.0, -1.0, float("nan"), "1"]),
       scale_hr=st.sampled_from([1.0, 1.0, 255.0]))
def test_metric_arguments(x, noise, crop, y_channel, data_range, scale_hr):
    hr = x * scale_hr
    sr = (x + noise * torch.rand_like(x)).clamp(0, 1) * scale_hr
    names = ("sr", "hr", "crop_border", "data_range", "y_channel", "window_size")
    p = _named_error(lambda: psnr(sr, hr, crop_border=crop, y_channel=y_channel, data_range=data_range), *names)
    if p is not None:
        assert p.dtype == torch.float64 and p.ndim == 0 and (bool(torch.isfinite(p)) or float(p) == math.inf)
        assert float(p) > 0
    s = _named_error(lambda: ssim(sr, hr, crop_border=crop, y_channel=y_channel, data_range=data_range,
                                  window_size=3), *names)
    if s is not None:
        assert -1 - 1e-9 <= float(s) <= 1 + 1e-9


# ============================================================================== models.upscale / tiling
@prop(max_examples=0.5)
@given(s=st.integers(2, 4), c=st.sampled_from([1, 3]), h=st.integers(3, 30), w=st.integers(3, 30),
       tile=st.integers(4, 16), seed=st.integers(0, 99))
def test_tiled_equals_untiled_and_scale_checked(s, c, h, w, tile, seed):
    from srtutor.models import create
    from srtutor.models.inference import upscale
    from srtutor.tiling import tiled_upscale

    torch.manual_seed(seed)
    net = create("espcn", scale=s).eval()  # receptive field 5 + 3 + 3 - 2 = 9 LR pixels: margin 4
    lr = torch.rand(c, h, w, generator=torch.Generator().manual_seed(seed))
    full = upscale(net, lr, s)
    assert full.shape == (c, s * h, s * w) and float(full.min()) >= 0 and float(full.max()) <= 1
    tiled = tiled_upscale(net, lr, s, tile=tile, overlap=4)
    assert torch.allclose(tiled, full, atol=1e-5)
    wrong = s + 1
    assert _named_error(lambda: tiled_upscale(net, lr, wrong, tile=tile), "scale") is None
    assert _named_error(lambda: upscale(net, lr, wrong), "scale") is None
