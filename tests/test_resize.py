"""Tests of srtutor.resize against an independent float64 reference of MATLAB's imresize.

The reference below is written straight from MATLAB's algorithm (imresize.m's
``contributions``), one output pixel and one tap at a time, so that it shares no code with
the vectorised implementation.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
import torch

from srtutor.resize import Resize, center_crop, contributions, imresize, modcrop


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    # tiny tensors: intra-op threads only add contention on a loaded machine (gradcheck 50x slower)
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


# ----------------------------------------------------------------------------- reference
def _ref_kernel(name: str, t: float) -> float:
    a = abs(t)
    if name == "cubic":
        if a <= 1:
            return 1.5 * a**3 - 2.5 * a**2 + 1
        if a <= 2:
            return -0.5 * a**3 + 2.5 * a**2 - 4 * a + 2
        return 0.0
    if name == "linear":
        return max(0.0, 1.0 - a)
    if name in ("box", "nearest"):
        return 1.0 if -0.5 <= t < 0.5 else 0.0
    if name.startswith("lanczos"):
        n = int(name[-1])
        return float(np.sinc(t) * np.sinc(t / n)) if a < n else 0.0
    raise AssertionError(name)


_WIDTH = {"cubic": 4.0, "linear": 2.0, "box": 1.0, "nearest": 1.0, "lanczos2": 4.0, "lanczos3": 6.0}


def _ref_matrix(n_in: int, n_out: int, scale: float, kernel: str = "cubic", aa: bool = True):
    """Dense (n_out, n_in) resampling matrix, MATLAB semantics, 1-based arithmetic."""
    width = _WIDTH[kernel]
    stretch = scale < 1 and aa and kernel != "nearest"
    if stretch:
        width /= scale
    m = np.zeros((n_out, n_in))
    for i in range(1, n_out + 1):
        u = i / scale + 0.5 * (1 - 1 / scale)
        left = math.floor(u - width / 2)
        taps = []
        for k in range(math.ceil(width) + 2):
            j = left + k
            d = u - j
            w = scale * _ref_kernel(kernel, scale * d) if stretch else _ref_kernel(kernel, d)
            # symmetric mirror of the 1-based index j into 1..n_in (edge pixel repeated)
            p = (j - 1) % (2 * n_in)
            src = p if p < n_in else 2 * n_in - 1 - p
            taps.append((src, w))
        total = sum(w for _, w in taps)
        for src, w in taps:
            m[i - 1, src] += w / total
    return m


def _ref_resize(img: np.ndarray, scale=None, size=None, kernel="cubic", aa=True, uint8=False):
    """img (H, W) float64 -> resized; MATLAB order (smaller scale first), per-pass rounding."""
    h, w = img.shape
    if size is None:
        sh, sw = (scale, scale) if np.isscalar(scale) else scale
        oh, ow = math.ceil(sh * h), math.ceil(sw * w)
    else:
        oh, ow = size
        sh, sw = oh / h, ow / w
    out = img.astype(np.float64)
    passes = [("h", sh, oh), ("w", sw, ow)]
    if sw < sh:
        passes.reverse()
    for axis, s, o in passes:
        if axis == "h":
            out = _ref_matrix(out.shape[0], o, s, kernel, aa) @ out
        else:
            out = out @ _ref_matrix(out.shape[1], o, s, kernel, aa).T
        if uint8:
            out = np.clip(np.floor(out + 0.5), 0, 255)
    return out


# ----------------------------------------------------------------------------- values
@pytest.mark.parametrize("kernel", ["cubic", "linear", "box", "nearest", "lanczos2", "lanczos3"])
@pytest.mark.parametrize(
    "shape,scale", [((4, 4), 0.5), ((9, 7), 2.0), ((12, 10), 1 / 3), ((6, 5), 2.5), ((27, 19), 0.37)]
)
def test_matches_reference(kernel, shape, scale):
    rng = np.random.default_rng(0)
    img = rng.random(shape)
    got = imresize(torch.from_numpy(img), scale=scale, kernel=kernel).numpy()
    ref = _ref_resize(img, scale=scale, kernel=kernel)
    assert got.shape == (math.ceil(scale * shape[0]), math.ceil(scale * shape[1]))
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)


@pytest.mark.parametrize("kernel", ["cubic", "linear", "box"])
def test_no_antialias_matches_reference(kernel):
    img = np.random.default_rng(5).random((15, 11))
    got = imresize(torch.from_numpy(img), scale=(0.3, 0.5), antialias=False, kernel=kernel).numpy()
    np.testing.assert_allclose(got, _ref_resize(img, scale=(0.3, 0.5), kernel=kernel, aa=False), atol=1e-12)
    # without antialiasing the shrink is plain interpolation: fewer taps, different values
    assert not np.allclose(got, imresize(torch.from_numpy(img), scale=(0.3, 0.5), kernel=kernel).numpy())


def test_aliases_and_nearest_values():
    x = torch.rand(1, 9, 7, dtype=torch.float64)
    assert torch.equal(imresize(x, scale=2, kernel="bicubic"), imresize(x, scale=2))
    assert torch.equal(imresize(x, scale=2, kernel="bilinear"), imresize(x, scale=2, kernel="linear"))
    # MATLAB: imresize([1 2 3 4], 0.5, 'nearest') = [2 4]; x2 repeats every pixel twice
    row = torch.tensor([[1.0, 2.0, 3.0, 4.0]])
    assert imresize(row, scale=(1, 0.5), kernel="nearest").tolist() == [[2.0, 4.0]]
    assert imresize(row, scale=(1, 2), kernel="nearest").tolist() == [[1, 1, 2, 2, 3, 3, 4, 4]]
    # "box" honours antialiasing: a x1/2 shrink averages pairs
    assert imresize(row, scale=(1, 0.5), kernel="box").tolist() == [[1.5, 3.5]]


def test_memory_layouts_and_devices_agree():
    x = torch.rand(2, 3, 40, 36)
    ref = imresize(x, scale=0.25)
    torch.testing.assert_close(imresize(x.to(memory_format=torch.channels_last), scale=0.25), ref)
    torch.testing.assert_close(imresize(x.transpose(-1, -2).contiguous().transpose(-1, -2), scale=0.25), ref)
    if torch.cuda.is_available():  # dense operator on accelerators
        torch.testing.assert_close(imresize(x.cuda(), scale=0.25).cpu(), ref, atol=1e-5, rtol=0)


def test_4x4_half_hand_values():
    # 1-D cubic, scale 1/2, antialiased: output 1 sits at u = 1.5, taps at distances
    # +-0.5, +-1.5, +-2.5, +-3.5 (kernel stretched x2): 0.5*k(d/2) normalised
    k = lambda t: _ref_kernel("cubic", t)  # noqa: E731
    w = np.array([0.5 * k(d / 2) for d in (3.5, 2.5, 1.5, 0.5, -0.5, -1.5, -2.5, -3.5)])
    w /= w.sum()
    np.testing.assert_allclose(w, [-0.01171875, -0.03515625, 0.11328125, 0.43359375] * 1
                               + [0.43359375, 0.11328125, -0.03515625, -0.01171875], atol=1e-15)
    cw, ci = contributions(4, 2, 0.5)
    np.testing.assert_allclose(cw[0].numpy(), w, atol=1e-15)
    # taps 1-based -2..5 mirror to 3 2 1 1 2 3 4 4 (0-based 2 1 0 0 1 2 3 3)
    assert ci[0].tolist() == [2, 1, 0, 0, 1, 2, 3, 3]
    assert ci[1].tolist() == [0, 0, 1, 2, 3, 3, 2, 1]
    # a row ramp 0..3: value at output 1 = sum w * ramp[idx]
    ramp = torch.arange(4.0, dtype=torch.float64)
    out = imresize(ramp.expand(4, 4), scale=0.5)
    expect0 = float((w * np.array([2, 1, 0, 0, 1, 2, 3, 3])).sum())
    expect1 = float((w * np.array([0, 0, 1, 2, 3, 3, 2, 1])).sum())
    np.testing.assert_allclose(out.numpy(), [[expect0, expect1]] * 2, atol=1e-14)
    assert expect0 == 0.4609375 and expect1 == 2.5390625  # exact in binary


def test_4x4_to_3x3_published_example():
    # MATLAB imresize(reshape(0:15, 4, 4)', [3 3]) as printed in the docstring of S. Son's
    # bicubic_pytorch (pyiqa/matlab_utils/resize.py). That docstring's middle-left entry reads
    # 6.1505, but the image is linear (4 * row + col) and the 1-D resize is symmetric, so it must
    # be 4 * 1.5 + (top-left value) / 5 = 6.1501; the other eight entries agree with it.
    got = imresize(torch.arange(16.0).view(1, 1, 4, 4), size=(3, 3))[0, 0]
    expect = torch.tensor([[0.7506, 2.1004, 3.4503], [6.1501, 7.5000, 8.8499],
                           [11.5497, 12.8996, 14.2494]])
    torch.testing.assert_close(got, expect, atol=6e-5, rtol=0)
    assert got[1, 0].item() == pytest.approx(6 + got[0, 0].item() / 5, abs=1e-6)


def test_weights_sum_to_one_and_constant_image_stays_constant():
    for n_in, n_out, s in [(10, 20, 2.0), (17, 6, 6 / 17), (9, 3, 1 / 3), (5, 13, 2.5)]:
        w, idx = contributions(n_in, n_out, s)
        torch.testing.assert_close(w.sum(1), torch.ones(n_out, dtype=torch.float64))
        assert int(idx.min()) >= 0 and int(idx.max()) < n_in
    c = torch.full((2, 3, 11, 9), 0.3, dtype=torch.float64)
    for s in (0.25, 2.0, 0.37, 3.0):
        torch.testing.assert_close(imresize(c, scale=s), torch.full_like(imresize(c, scale=s), 0.3))


def test_upsampled_ramp_is_linear_inside():
    # cubic interpolation reproduces linear functions away from the borders
    ramp = torch.arange(16.0, dtype=torch.float64).expand(3, 16)
    up = imresize(ramp, scale=2)
    expect = (torch.arange(1, 33, dtype=torch.float64) / 2 + 0.5 * (1 - 1 / 2)) - 1
    torch.testing.assert_close(up[0, 4:-4], expect[4:-4])


def test_identity_at_scale_one():
    x = torch.rand(2, 3, 7, 5)
    assert torch.equal(imresize(x, scale=1), x)
    assert torch.equal(imresize(x, size=(7, 5)), x)


def test_symmetric_border():
    # a spike in the corner: MATLAB mirrors with the edge pixel repeated, so the result equals
    # resizing the explicitly padded image and cropping
    x = torch.zeros(1, 12, 12, dtype=torch.float64)
    x[0, 0, 0] = 1.0
    x[0, 5, 11] = 0.5
    pad = 12
    big = torch.nn.functional.pad(x[None], (pad, pad, pad, pad), mode="replicate")[0]
    idx = torch.cat([torch.arange(pad - 1, -1, -1), torch.arange(12), torch.arange(11, 11 - pad, -1)])
    big = x[:, idx][:, :, idx]  # symmetric (half-sample) padding
    small = imresize(x, scale=0.5)
    small_big = imresize(big, scale=0.5)
    torch.testing.assert_close(small, small_big[:, pad // 2:-pad // 2, pad // 2:-pad // 2])


def test_batched_equals_per_image_and_dims():
    x = torch.rand(3, 2, 13, 11, dtype=torch.float64)
    y = imresize(x, scale=0.37)
    for i in range(3):
        torch.testing.assert_close(y[i], imresize(x[i], scale=0.37))
        torch.testing.assert_close(y[i, 1], imresize(x[i, 1], scale=0.37))


def test_float32_matches_float64():
    x = torch.rand(2, 3, 32, 24, dtype=torch.float64)
    for s in (0.25, 4.0, 1 / 3):
        y64 = imresize(x, scale=s)
        y32 = imresize(x.float(), scale=s)
        assert y32.dtype == torch.float32
        torch.testing.assert_close(y32.double(), y64, atol=2e-6, rtol=0)


def test_gradcheck():
    x = torch.rand(1, 2, 6, 5, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: imresize(t, scale=0.5), (x,))
    assert torch.autograd.gradcheck(lambda t: imresize(t, scale=(1.5, 2)), (x,))


def test_output_sizes_non_integer_and_explicit():
    x = torch.rand(1, 100, 77)
    for s, shape in [(1 / 3, (34, 26)), (2.5, (250, 193)), (0.37, (37, 29)), ((0.5, 2), (50, 154))]:
        assert imresize(x, scale=s).shape == (1, *shape)
    assert imresize(x, size=(40, 31)).shape == (1, 40, 31)
    assert imresize(x, size=(50, None)).shape == (1, 50, 39)  # MATLAB's NaN: keep aspect
    assert imresize(x, size=(None, 154)).shape == (1, 200, 154)
    # explicit size uses scale = out / in per axis
    img = np.random.default_rng(1).random((9, 8))
    got = imresize(torch.from_numpy(img), size=(4, 11)).numpy()
    np.testing.assert_allclose(got, _ref_resize(img, size=(4, 11)), atol=1e-12)


def test_smaller_scale_axis_first():
    # the order is visible in the uint8 path (rounding between the two passes)
    img = np.random.default_rng(2).integers(0, 256, (23, 29)).astype(np.uint8)
    for scale in [(0.5, 0.3), (0.3, 0.5), (2.0, 1.5)]:
        got = imresize(img, scale=scale)
        np.testing.assert_array_equal(got, _ref_resize(img, scale=scale, uint8=True).astype(np.uint8))


def test_uint8_numpy_path():
    rng = np.random.default_rng(3)
    img = rng.integers(0, 256, (20, 18, 3)).astype(np.uint8)
    got = imresize(img, scale=0.25)
    assert got.dtype == np.uint8 and got.shape == (5, 5, 3)
    for c in range(3):
        ref = _ref_resize(img[..., c].astype(np.float64), scale=0.25, uint8=True)
        np.testing.assert_array_equal(got[..., c], ref.astype(np.uint8))
    # overshoot saturates, ties round half away from zero
    edge = np.zeros((8, 8), np.uint8)
    edge[:, 4:] = 255
    up = imresize(edge, scale=2)
    assert up.min() == 0 and up.max() == 255
    half = np.array([[0, 1]], np.uint8)  # linear x2: 0.25 / 0.75 weights -> 0.25, 0.75
    assert imresize(half, size=(1, 4), kernel="linear").tolist() == [[0, 0, 1, 1]]
    half2 = np.array([[0, 2]], np.uint8)  # 0.5 -> 1 (half away from zero), 1.5 -> 2
    assert imresize(half2, size=(1, 4), kernel="linear").tolist() == [[0, 1, 2, 2]]
    assert imresize(img[..., 0], scale=0.5).shape == (10, 9)


def test_module_wrapper_and_modcrop():
    x = torch.rand(2, 3, 10, 9)
    torch.testing.assert_close(Resize(scale=0.5)(x), imresize(x, scale=0.5))
    assert modcrop(x, 4).shape == (2, 3, 8, 8)
    assert torch.equal(modcrop(x, 4), x[..., :8, :8])
    a = np.zeros((10, 9, 3), np.uint8)
    assert modcrop(a, 3).shape == (9, 9, 3)
    assert modcrop(a[..., 0], 4).shape == (8, 8)
    assert modcrop(x, 1).shape == x.shape


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "kwargs,exc,match",
    [
        ({"scale": 0}, ValueError, "scale"),
        ({"scale": -2}, ValueError, "scale"),
        ({"scale": float("nan")}, ValueError, "scale"),
        ({"scale": float("inf")}, ValueError, "scale"),
        ({"scale": (0.5, 0)}, ValueError, r"scale\[1\]"),
        ({"scale": (0.5, 0.5, 0.5)}, ValueError, "pair"),
        ({"scale": "2"}, TypeError, "scale"),
        ({"scale": True}, TypeError, "scale"),
        ({}, ValueError, "neither"),
        ({"scale": 2, "size": (4, 4)}, ValueError, "both"),
        ({"size": (0, 4)}, ValueError, r"size\[0\]"),
        ({"size": (4, -1)}, ValueError, r"size\[1\]"),
        ({"size": (4,)}, ValueError, "size"),
        ({"size": (4.5, 3)}, TypeError, r"size\[0\]"),
        ({"size": (None, None)}, ValueError, "size"),
        ({"scale": 2, "kernel": "spline"}, ValueError, "kernel"),
        ({"scale": 2, "kernel": 3}, TypeError, "kernel"),
    ],
)
def test_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        imresize(torch.rand(1, 8, 8), **kwargs)


def test_bad_inputs():
    with pytest.raises(ValueError, match="dims"):
        imresize(torch.rand(8), scale=2)
    with pytest.raises(ValueError, match="dims"):
        imresize(torch.rand(1, 1, 1, 8, 8), scale=2)
    with pytest.raises(ValueError, match="empty"):
        imresize(torch.rand(1, 0, 8), scale=2)
    with pytest.raises(TypeError, match="255"):
        imresize(torch.zeros(1, 8, 8, dtype=torch.uint8), scale=2)
    with pytest.raises(TypeError, match="floating"):
        imresize(torch.zeros(1, 8, 8, dtype=torch.int64), scale=2)
    with pytest.raises(TypeError, match="torch.Tensor"):
        imresize([[0.0, 1.0]], scale=2)
    with pytest.raises(TypeError, match="uint8"):
        imresize(np.zeros((8, 8)), scale=2)
    with pytest.raises(ValueError, match="H, W"):
        imresize(np.zeros((1, 8, 8, 3), np.uint8), scale=2)
    with pytest.raises(ValueError, match="scale"):
        modcrop(torch.rand(3, 8, 8), 0)
    with pytest.raises(TypeError, match="scale"):
        modcrop(torch.rand(3, 8, 8), 2.0)
    with pytest.raises(ValueError, match="smaller"):
        modcrop(torch.rand(3, 3, 8), 4)
    with pytest.raises(TypeError, match="numpy"):
        modcrop([[1, 2]], 2)
    with pytest.raises(ValueError, match="dims"):
        modcrop(torch.rand(8), 2)


# ----------------------------------------------------------------------------- real data
def _data_root() -> Path | None:
    env = os.environ.get("SRTUTOR_DATA")
    candidates = [Path(env)] if env else []
    base = Path(__file__).resolve().parents[2] / "shared" / "data"
    candidates += [base / "benchmarks", base]
    for c in candidates:
        for root in (c, c / "benchmarks"):
            if (root / "Set5" / "HR" / "baby.png").is_file():
                return root
    return None


def _y255(a: np.ndarray) -> np.ndarray:
    from srtutor.color import rgb_to_y

    return rgb_to_y(torch.from_numpy(a.astype(np.float64)).permute(2, 0, 1) / 255)[0].numpy() * 255


def _psnr(a: np.ndarray, b: np.ndarray, crop: int) -> float:
    d = (a - b)[crop:-crop, crop:-crop]
    return 10 * math.log10(255.0**2 / np.mean(d**2))


def test_set5_bicubic_x4_matches_published_protocol():
    """Bicubic x4 on Set5 (rgb protocol of shared/data/README.md: 28.4314 dB, published 28.42)."""
    root = _data_root()
    if root is None:
        pytest.skip("Set5 not found: set $SRTUTOR_DATA or place shared/data next to the repository")
    from PIL import Image

    end_rounded, per_pass = [], []
    for name in ("baby", "bird", "butterfly", "head", "woman"):
        hr = modcrop(np.asarray(Image.open(root / "Set5" / "HR" / f"{name}.png").convert("RGB")), 4)
        # uint8 path: MATLAB's imresize on a uint8 image (rounded after each pass)
        sr = imresize(imresize(hr, scale=1 / 4), scale=4)
        per_pass.append(_psnr(_y255(sr), _y255(hr), 4))
        # float path, rounded to uint8 only at the end of each imresize call (README's rgb)
        t = torch.from_numpy(hr.astype(np.float64)).permute(2, 0, 1)
        q = lambda v: torch.floor(v + 0.5).clamp(0, 255)  # noqa: E731
        sr2 = q(imresize(q(imresize(t, scale=1 / 4)), scale=4)).permute(1, 2, 0).numpy()
        end_rounded.append(_psnr(_y255(sr2), _y255(hr), 4))
    assert np.mean(end_rounded) == pytest.approx(28.4314, abs=5e-4)
    assert np.mean(per_pass) == pytest.approx(28.4314, abs=5e-3)
    assert np.mean(per_pass) == pytest.approx(28.42, abs=0.02)  # published bicubic Set5 x4


@pytest.mark.parametrize("shape,scale", [((200, 90), 0.25), ((120, 37), 2.5), ((200, 45), 1 / 3)])
def test_blocked_cpu_path_matches_reference(shape, scale):
    # images large enough for the banded block operator (outputs cut in blocks of rows)
    from srtutor.resize import _table

    img = np.random.default_rng(4).random(shape)
    out_h = math.ceil(scale * shape[0])
    assert _table(shape[0], out_h, scale, "cubic", True, torch.float64, torch.device("cpu"))[0] == "blocks"
    got = imresize(torch.from_numpy(img), scale=scale).numpy()
    np.testing.assert_allclose(got, _ref_resize(img, scale=scale), rtol=0, atol=1e-12)
    x = torch.from_numpy(img[None, :20, :3].copy()).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda t: imresize(t, size=(40, 2)), (x,))


def test_tables_made_in_inference_mode_still_work_with_autograd():
    from srtutor.resize import _table

    _table.cache_clear()
    with torch.inference_mode():
        imresize(torch.rand(1, 3, 61, 59), scale=0.25)
    x = torch.rand(1, 3, 61, 59, requires_grad=True)
    imresize(x, scale=0.25).sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()


def test_tiny_scales_fold_the_kernel_or_refuse_quickly():
    """Before: scale 1e-9 built a 4e9-tap table (30 GiB). The table is capped at the input length."""
    import time

    from srtutor import resize

    x = torch.rand(2, 16, 40, dtype=torch.float64)
    y = imresize(x, scale=1e-6)  # a 4-million-tap kernel, folded onto the 16 / 40 input pixels
    assert y.shape == (2, 1, 1)
    assert torch.allclose(y[:, 0, 0], x.mean(dim=(1, 2)), atol=1e-5)  # a kernel that wide is flat: the mean
    w, idx = resize.contributions(40, 1, 1e-6)
    assert w.shape[1] <= 40 and int(idx.max()) < 40
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=r"scale=1e-09 needs a 4,000,000,002-tap kernel.*size="):
        imresize(x, scale=1e-9)
    assert time.perf_counter() - t0 < 1.0
    with pytest.raises(ValueError, match=r"scale: the output would be .* pixels"):
        imresize(x, scale=1e9)


def test_nan_or_inf_pixel_refused_not_spread():
    """Before: one NaN pixel became a NaN channel without a word."""
    x = torch.rand(3, 20, 20)
    x[1, 5, 7] = float("nan")
    with pytest.raises(ValueError, match=r"x contains NaN or inf values \(first at index \(1, 5, 7\)\)"):
        imresize(x, scale=0.5)
    x[1, 5, 7] = float("inf")
    with pytest.raises(ValueError, match="NaN or inf"):
        imresize(x, scale=2)
    chw = np.zeros((3, 20, 30), np.uint8)  # a channel-first uint8 array is not read as 3 rows of 30 channels
    with pytest.raises(ValueError, match="looks channel-first"):
        imresize(chw, scale=0.5)


def test_center_crop_hand_computed_and_short_sides_kept():
    x = torch.arange(7 * 10, dtype=torch.float32).view(1, 7, 10)
    c = center_crop(x, 4)
    assert c.shape == (1, 4, 4) and c[0, 0, 0] == 1 * 10 + 3  # rows 1..4, columns 3..6
    assert center_crop(x, 8).shape == (1, 7, 8)  # H = 7 < 8: kept whole; W offset 1
    assert torch.equal(center_crop(x, 8)[0, :, 0], x[0, :, 1])
    with pytest.raises(ValueError):
        center_crop(x, 0)


@given(st.integers(1, 40), st.integers(1, 40), st.integers(1, 50))
def test_center_crop_is_the_central_window(h, w, n):
    x = torch.rand(2, h, w)
    c = center_crop(x, n)
    assert c.shape == (2, min(h, n), min(w, n))
    t, l = max(0, (h - n) // 2), max(0, (w - n) // 2)
    assert torch.equal(c, x[:, t:t + min(h, n), l:l + min(w, n)])
    # centred: the pixels left out above and below differ by at most one (same left and right)
    assert 0 <= (h - c.shape[-2]) - 2 * t <= 1 and 0 <= (w - c.shape[-1]) - 2 * l <= 1
