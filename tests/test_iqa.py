"""Tests of srtutor.iqa: VIFp, GMSD, task-based scores and MOS statistics.

Reference implementations, used when installed (optional peers, not dependencies):
``sewar.full_ref.vifp`` (a NumPy port of the authors' ``vifp_mscale.m``) and ``piq`` (``vif_p``,
``gmsd``). piq's package ``__init__`` imports torchvision for its LPIPS/DISTS models, which this
project does not install, so its metric modules are loaded without running that ``__init__``.
Independent NumPy/SciPy re-statements of the published algorithms run always.
"""

from __future__ import annotations

import importlib.util
import math
import sys
import types

import numpy as np
import pytest
import torch
from scipy import stats
from scipy.signal import convolve2d, correlate2d
from skimage import data as skdata

from srtutor import iqa


def _camera(h=96, w=112, top=60, left=150):
    x = torch.from_numpy(skdata.camera()[top:top + h, left:left + w].astype(np.float64) / 255)
    return x[None]


def _noisy(x, sigma, seed=1):
    g = torch.Generator().manual_seed(seed)
    return (x + sigma * torch.randn(x.shape, generator=g, dtype=x.dtype)).clamp(0, 1)


def _piq():
    if "piq" not in sys.modules:
        spec = importlib.util.find_spec("piq")
        if spec is None:
            pytest.skip("piq not installed")
        pkg = types.ModuleType("piq")  # the metric modules only, without piq/__init__ (torchvision)
        pkg.__path__ = list(spec.submodule_search_locations)
        sys.modules["piq"] = pkg
    from piq.gmsd import gmsd
    from piq.vif import vif_p

    return vif_p, gmsd


def _piq_fsim():
    _piq()
    from piq.fsim import fsim

    return fsim


# --------------------------------------------------------------------------- VIF
def _vifp_numpy(dist, ref, sigma_nsq=2.0):
    """The pixel-domain VIF algorithm restated with 2-D kernels and scipy (0-255 grey images)."""
    num = den = 0.0
    for scale in range(1, 5):
        n = 2 ** (4 - scale + 1) + 1
        ax = np.arange(n) - (n - 1) / 2
        win = np.exp(-(ax[:, None] ** 2 + ax[None] ** 2) / (2 * (n / 5) ** 2))
        win /= win.sum()
        if scale > 1:
            ref = correlate2d(ref, win, "valid")[::2, ::2]
            dist = correlate2d(dist, win, "valid")[::2, ::2]
        mu1, mu2 = correlate2d(ref, win, "valid"), correlate2d(dist, win, "valid")
        s1 = np.maximum(correlate2d(ref * ref, win, "valid") - mu1 ** 2, 0)
        s2 = np.maximum(correlate2d(dist * dist, win, "valid") - mu2 ** 2, 0)
        s12 = correlate2d(ref * dist, win, "valid") - mu1 * mu2
        g = s12 / (s1 + 1e-10)
        sv = s2 - g * s12
        m = s1 < 1e-10
        g[m], sv[m], s1[m] = 0, s2[m], 0
        m = s2 < 1e-10
        g[m], sv[m] = 0, 0
        m = g < 0
        sv[m], g[m] = s2[m], 0
        sv[sv <= 1e-10] = 1e-10
        num += np.log10(1 + g ** 2 * s1 / (sv + sigma_nsq)).sum()
        den += np.log10(1 + s1 / sigma_nsq).sum()
    return num / den


def test_vif_identical_is_one_and_brightness_shift_keeps_it():
    x = _camera() * 0.8 + 0.1
    assert iqa.vif_p(x, x).item() == pytest.approx(1.0, abs=1e-9)
    # d = r + c: gain 1, no noise -> all information kept
    assert iqa.vif_p(x + 0.05, x).item() == pytest.approx(1.0, abs=1e-9)


def test_vif_contrast_enhancement_above_one_and_noise_lowers_it():
    x = _camera() * 0.6 + 0.2  # [0.2, 0.8]: a 1.3x stretch about 0.5 stays in [0, 1]
    stretched = 0.5 + 1.3 * (x - 0.5)
    assert iqa.vif_p(stretched, x).item() > 1.05
    vals = [iqa.vif_p(_noisy(x, s), x).item() for s in (0.01, 0.03, 0.1)]
    assert 1 > vals[0] > vals[1] > vals[2] > 0


def test_vif_unrelated_image_near_zero():
    x = _camera()
    g = torch.Generator().manual_seed(3)
    other = torch.rand(x.shape, generator=g, dtype=x.dtype)
    assert 0 <= iqa.vif_p(other, x).item() < 0.05


@pytest.mark.parametrize("kind", ["noise", "blur", "gain"])
def test_vif_matches_numpy_restatement(kind):
    x = _camera(64, 72)
    d = {"noise": _noisy(x, 0.05), "blur": torch.nn.functional.avg_pool2d(x[None], 3, 1, 1)[0],
         "gain": (x * 0.7).clamp(0, 1)}[kind]
    ref = _vifp_numpy(d[0].numpy() * 255, x[0].numpy() * 255)
    assert iqa.vif_p(d, x).item() == pytest.approx(ref, rel=1e-10)


def test_vif_against_sewar_and_piq():
    sewar = pytest.importorskip("sewar.full_ref")
    vif_piq, _ = _piq()
    x = _camera(80, 90)
    d = _noisy(torch.nn.functional.avg_pool2d(x[None], 3, 1, 1)[0], 0.02)
    ours = iqa.vif_p(d, x).item()
    assert ours == pytest.approx(sewar.vifp(x[0].numpy() * 255, d[0].numpy() * 255), rel=1e-9)
    assert ours == pytest.approx(vif_piq(d[None], x[None]).item(), rel=1e-6)


def test_vif_rgb_uses_luma_batch_and_errors():
    g = torch.Generator().manual_seed(0)
    rgb = torch.rand(2, 3, 48, 48, generator=g, dtype=torch.float64)
    grey = iqa.luma(rgb)
    d = _noisy(rgb, 0.05)
    per = iqa.vif_p(d, rgb, reduction="none")
    assert per.shape == (2,)
    assert torch.allclose(per, iqa.vif_p(iqa.luma(d), grey, reduction="none"))
    assert iqa.vif_p(d, rgb).item() == pytest.approx(per.mean().item())
    with pytest.raises(ValueError, match="41x41"):
        iqa.vif_p(rgb[..., :40, :40], rgb[..., :40, :40])
    with pytest.raises(ValueError, match="same shape"):
        iqa.vif_p(rgb, rgb[..., :44])
    with pytest.raises(ValueError, match="sigma_n_sq"):
        iqa.vif_p(rgb, rgb, sigma_n_sq=0)


# --------------------------------------------------------------------------- GMSD
def _gmsd_numpy(dist, ref, t=170.0):
    """GMSD restated with scipy ``convolve2d(mode='same')`` (0-255 grey images)."""
    def down(a):
        a = np.pad(a, ((0, a.shape[0] % 2), (0, a.shape[1] % 2)))
        return (a[0::2, 0::2] + a[1::2, 0::2] + a[0::2, 1::2] + a[1::2, 1::2]) / 4

    dx = np.array([[1, 0, -1]] * 3) / 3.0

    def mag(a):
        return np.hypot(convolve2d(a, dx, "same"), convolve2d(a, dx.T, "same"))

    m1, m2 = mag(down(ref)), mag(down(dist))
    gms = (2 * m1 * m2 + t) / (m1 ** 2 + m2 ** 2 + t)
    return gms.std(ddof=1)


def test_gmsd_identical_and_flat_images_are_zero():
    x = _camera()
    assert iqa.gmsd(x, x).item() == 0.0
    flat = torch.full((1, 20, 20), 0.3, dtype=torch.float64)
    assert iqa.gmsd(flat, flat).item() == 0.0
    # zero padding (as in the reference's conv2 'same') gives a flat image gradients at its
    # border, so two different flat images do not score 0
    assert iqa.gmsd(flat * 0.5, flat).item() > 0


def test_gmsd_hand_computed_step_edge():
    # HR: a vertical step 0 -> 1 at column 8 of a 16x16 image; SR: flat. After 2x2 averaging the
    # step sits between columns 3 and 4 of the 8x8 image (values 0 | 255); Prewitt/3 gives
    # |gx| = 3 * 255 / 3 = 255 in columns 3 and 4 (zero padding adds a border response in rows 0 and 7 and
    # column 7), SR has zero gradient, so GMS = T / (m^2 + T) there and 1 elsewhere.
    hr = torch.zeros(1, 16, 16, dtype=torch.float64)
    hr[..., 8:] = 1.0
    sr = torch.full_like(hr, 0.0)
    ref = _gmsd_numpy(sr[0].numpy() * 255, hr[0].numpy() * 255)
    assert iqa.gmsd(sr, hr).item() == pytest.approx(ref, rel=1e-12)
    img = np.zeros((8, 8))
    img[:, 4:] = 255
    m = np.hypot(convolve2d(img, np.array([[1, 0, -1]] * 3) / 3, "same"),
                 convolve2d(img, np.array([[1, 0, -1]] * 3).T / 3, "same"))
    assert m[3, 3] == pytest.approx(255.0) and m[3, 4] == pytest.approx(255.0) and m[3, 1] == 0
    gms = 170 / (m ** 2 + 170)
    assert iqa.gmsd(sr, hr).item() == pytest.approx(gms.std(ddof=1), rel=1e-12)


@pytest.mark.parametrize("shape", [(64, 72), (63, 71)])
def test_gmsd_matches_numpy_restatement(shape):
    x = _camera(*shape)
    d = _noisy(x, 0.04)
    assert iqa.gmsd(d, x).item() == pytest.approx(_gmsd_numpy(d[0].numpy() * 255, x[0].numpy() * 255), rel=1e-10)


def test_gmsd_against_piq_and_monotone_in_noise():
    x = _camera()
    vals = [iqa.gmsd(_noisy(x, s), x).item() for s in (0.005, 0.02, 0.08)]
    assert 0 < vals[0] < vals[1] < vals[2]
    _, gmsd_piq = _piq()
    d = _noisy(x, 0.03)
    n = math.ceil(x.shape[-2] / 2) * math.ceil(x.shape[-1] / 2)
    # piq takes the population standard deviation; the reference (std2) divides by n - 1
    assert iqa.gmsd(d, x).item() * math.sqrt((n - 1) / n) == pytest.approx(gmsd_piq(d[None], x[None]).item(), rel=1e-6)


# --------------------------------------------------------------------------- FSIM
def test_fsim_identical_one_and_monotone_in_noise():
    x = _camera()
    assert iqa.fsim(x, x).item() == pytest.approx(1.0, abs=1e-12)
    vals = [iqa.fsim(_noisy(x, s), x).item() for s in (0.01, 0.04, 0.15)]
    assert 1 > vals[0] > vals[1] > vals[2] > 0.3


def test_phase_congruency_high_on_a_step_low_on_flat():
    # a vertical step at column 64 of a 128-wide image (the FFT makes the image periodic: the
    # wrap-around at columns 127 | 0 is a second step); half-way between them PC is ~0
    x = torch.zeros(1, 1, 64, 128, dtype=torch.float64)
    x[..., 64:] = 255.0
    pc = iqa.phase_congruency(x)[0, 0]
    assert 0 <= pc.min() and pc.max() <= 1
    assert set(pc[32].argsort(descending=True)[:4].tolist()) == {0, 63, 64, 127}
    assert pc[:, 63:65].min() > 0.8 and pc[:, 23:27].max() < 0.01


@pytest.mark.parametrize("size", [(80, 96), (400, 408)])  # the second is decimated (F = 2) first
def test_fsim_against_piq(size):
    fsim_piq = _piq_fsim()
    g = torch.Generator().manual_seed(0)
    base = torch.from_numpy(skdata.astronaut()[:size[0], :size[1]].astype(np.float64) / 255).permute(2, 0, 1)
    d = (base + 0.04 * torch.randn(base.shape, generator=g, dtype=base.dtype)).clamp(0, 1)
    # piq takes the lower middle value as the median, the reference averages the two: 1e-5 apart
    assert iqa.fsim(d, base).item() == pytest.approx(fsim_piq(d[None], base[None], chromatic=False).item(), rel=2e-5)
    assert iqa.fsim(d, base, chromatic=True).item() == pytest.approx(fsim_piq(d[None], base[None]).item(), rel=2e-5)
    with pytest.raises(ValueError, match="RGB"):
        iqa.fsim(d[:1], base[:1], chromatic=True)


# --------------------------------------------------------------------------- task-based
def test_match_points_is_one_to_one_maximum():
    assert iqa.match_points(np.array([[0, 0], [0, 1]]), np.array([[0, 0]]), 1.0) == 1
    # greedy nearest-neighbour pairs (0,1)-(0,1) and strands (0,0); the maximum matching pairs both
    assert iqa.match_points(np.array([[0, 0], [0, 1]]), np.array([[0, 1], [0, 2]]), 1.0) == 2
    assert iqa.match_points(np.array([[0, 0], [0, 5]]), np.array([[0, 2], [0, 7]]), 1.0) == 0
    assert iqa.match_points(np.array([[0, 0], [3, 4]]), np.array([[0, 0], [0, 0]]), 5.0) == 2
    assert iqa.match_points(np.zeros((0, 2)), np.array([[0, 0]]), 1.0) == 0


def _brute_matching(a, b, r):
    """Maximum matching by trying every assignment (tiny sets only)."""
    import itertools

    best = 0
    for k in range(min(len(a), len(b)), 0, -1):
        for sub in itertools.combinations(range(len(a)), k):
            for perm in itertools.permutations(range(len(b)), k):
                if all(np.hypot(*(a[i] - b[j])) <= r for i, j in zip(sub, perm)):
                    return k
    return best


@pytest.mark.parametrize("seed", range(6))
def test_match_points_against_brute_force(seed):
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 6, (5, 2)).astype(float), rng.integers(0, 6, (4, 2)).astype(float)
    assert iqa.match_points(a, b, 1.5) == _brute_matching(a, b, 1.5)


def test_match_points_layered_lines_fast():
    # two parallel lines 1 px apart (a layered graph: scipy's maximum_bipartite_matching takes
    # exponential time here) - every point has a partner
    a = np.stack([np.zeros(4000), np.arange(4000)], 1)
    b = np.stack([np.ones(4000), np.arange(4000)], 1)
    assert iqa.match_points(a, b, 2.5) == 4000


def _squares(shift=0):
    x = torch.zeros(1, 64, 64, dtype=torch.float64)
    x[:, 16 + shift:48 + shift, 16:48] = 0.8
    return x


def test_edge_f_score_hand_cases():
    hr = _squares()
    same = iqa.edge_f_score(hr, hr)
    assert same["f"] == same["precision"] == same["recall"] == 1.0 and same["n_true"] > 0
    moved = _squares(shift=2)
    assert iqa.edge_f_score(moved, hr, tolerance=2.0)["f"] == 1.0
    # 2 px away: the two vertical sides still match at tolerance 1, the horizontal sides do not
    near = iqa.edge_f_score(moved, hr, tolerance=1.0)
    assert 0.3 < near["f"] < 0.7
    flat = torch.full_like(hr, 0.5)
    none = iqa.edge_f_score(flat, hr)
    assert none["precision"] == 0 and none["recall"] == 0 and none["f"] == 0
    assert iqa.edge_f_score(flat, flat)["f"] == 1.0


def test_edge_f_score_blur_lowers_it_and_default_tolerance():
    hr = _camera(128, 128, 40, 120)
    blurred = torch.nn.functional.avg_pool2d(torch.nn.functional.avg_pool2d(hr[None], 4), 1)
    up = torch.nn.functional.interpolate(blurred, scale_factor=4, mode="bilinear", align_corners=False)[0]
    f_blur = iqa.edge_f_score(up.clamp(0, 1), hr, sigma=1.0)["f"]
    assert f_blur < 0.9
    assert iqa.edge_f_score(hr, hr, sigma=1.0)["f"] == 1.0
    with pytest.raises(ValueError, match="one image"):
        iqa.edge_f_score(hr[None], hr[None])


def test_keypoint_repeatability():
    hr = _squares()
    r = iqa.keypoint_repeatability(hr, hr)
    assert r["n_true"] == 4 and r["repeatability"] == 1.0
    moved = _squares(shift=3)
    assert iqa.keypoint_repeatability(moved, hr, radius=1.0)["repeatability"] == 0.0
    assert iqa.keypoint_repeatability(moved, hr, radius=3.0)["repeatability"] == 1.0


# --------------------------------------------------------------------------- MOS
def test_mos_hand_computed():
    s = np.array([[1, 2], [3, 4], [5, 3]], dtype=float)
    out = iqa.mos(s)
    np.testing.assert_allclose(out["mos"], [3, 3])
    np.testing.assert_allclose(out["std"], [2, 1])
    np.testing.assert_array_equal(out["n"], [3, 3])
    np.testing.assert_allclose(out["ci"], [4.302652729911275 * 2 / math.sqrt(3), 4.302652729911275 / math.sqrt(3)])
    normal = iqa.mos(s, method="normal")
    np.testing.assert_allclose(normal["ci"], [1.959963984540054 * 2 / math.sqrt(3), 1.959963984540054 / math.sqrt(3)])
    with_nan = iqa.mos(np.array([[1, np.nan], [3, 4], [5, 2]]))
    np.testing.assert_allclose(with_nan["mos"], [3, 3])
    np.testing.assert_array_equal(with_nan["n"], [3, 2])
    with pytest.raises(ValueError, match="raters, images"):
        iqa.mos(np.array([1, 2, 3]))
    with pytest.raises(ValueError, match="method"):
        iqa.mos(s, method="bootstrap")


def test_zscore_normalize():
    s = np.array([[1, 2, 3], [2, 4, 6], [4, 4, 4]], dtype=float)
    z = iqa.zscore_normalize(s)
    np.testing.assert_allclose(z, [[-1, 0, 1], [-1, 0, 1], [0, 0, 0]])
    back = iqa.zscore_normalize(s, rescale=True)
    np.testing.assert_allclose(back[0], np.array([-1, 0, 1]) * s.std(ddof=1) + s.mean())


def test_bt500_screen_hand_cases():
    # kurtosis of one column by hand: [1, 1, 5, 5] -> deviations +-2, m2 = 4, m4 = 16, beta2 = 1
    assert iqa.bt500_screen(np.array([[1.0], [1], [5], [5]]))["kurtosis"][0] == pytest.approx(1.0)
    # 20 raters x 20 images on a continuous scale around 3. Raters 2..19 give 2, 3, 4 in turn
    # (six of each per image); raters 0 and 1 give 6 and 0, swapping every image. Per image:
    # deviations +-3, +-3 and six each of -1, 0, +1: m2 = 30/20 = 1.5, m4 = 174/20 = 8.7,
    # beta2 = 8.7 / 2.25 = 3.87 (normal: band 2 S), S = sqrt(30/19) = 1.2566, 2 S = 2.513 < 3.
    n = 20
    s = np.zeros((n, n))
    for j in range(n):
        s[0, j], s[1, j] = (6.0, 0.0) if j % 2 == 0 else (0.0, 6.0)
        s[2:, j] = 3 + np.roll(np.repeat([-1.0, 0.0, 1.0], 6), j)
    out = iqa.bt500_screen(s)
    np.testing.assert_allclose(out["kurtosis"], 8.7 / 2.25)
    np.testing.assert_array_equal(out["P"], [10, 10] + [0] * 18)
    np.testing.assert_array_equal(out["Q"], [10, 10] + [0] * 18)
    np.testing.assert_array_equal(out["rejected"], [True, True] + [False] * 18)
    # a lenient and a strict rater (always +3 / always -3): outside as often, but on one side
    # only (|P - Q| / (P + Q) = 1 >= 0.3), so both are kept
    s[0], s[1] = 6.0, 0.0
    out = iqa.bt500_screen(s)
    assert out["P"][0] == n and out["Q"][1] == n and not out["rejected"].any()


def test_simulated_panel_seeded_and_screened():
    q = np.linspace(1.5, 4.5, 24)
    a = iqa.simulate_panel(q, 20, seed=4)
    b = iqa.simulate_panel(q, 20, seed=4)
    np.testing.assert_array_equal(a["scores"], b["scores"])
    assert a["scores"].shape == (20, 24) and set(np.unique(a["scores"])) <= {1, 2, 3, 4, 5}
    screen = iqa.bt500_screen(a["scores"])
    np.testing.assert_array_equal(screen["rejected"], a["outlier"])  # seed 4: both random raters
    rmse_raw = np.sqrt(((iqa.mos(a["scores"])["mos"] - q) ** 2).mean())
    rmse_kept = np.sqrt(((iqa.mos(a["scores"][~screen["rejected"]])["mos"] - q) ** 2).mean())
    assert rmse_raw == pytest.approx(0.205, abs=5e-4) and rmse_kept == pytest.approx(0.108, abs=5e-4)
    caught = false = 0
    for seed in range(8):
        p = iqa.simulate_panel(q, 20, seed=seed)
        r = iqa.bt500_screen(p["scores"])["rejected"]
        caught += int((r & p["outlier"]).sum())
        false += int((r & ~p["outlier"]).sum())
    assert (caught, false) == (7, 0)
    with pytest.raises(ValueError, match="n_outliers"):
        iqa.simulate_panel(q, 3, n_outliers=3)
