"""Tests for srtutor.unsupervised and srtutor.realworld."""

import math

import pytest
import torch

from srtutor import unsupervised as U
from srtutor.degradation import blur, downsample, gaussian_kernel
from srtutor.realworld import SecondOrderDegradation, add_poisson_noise, sinc_kernel


def _img(h=64, w=64):
    from srtutor.data import embedded_image

    return embedded_image("chelsea")[:, 60:60 + h, 150:150 + w]


def test_zssr_pairs_shapes_and_degradation():
    lr = _img()
    g = torch.Generator().manual_seed(0)
    x, y = U.zssr_pairs(lr, 2, 5, 16, generator=g)
    assert x.shape == (5, 3, 16, 16) and y.shape == (5, 3, 16, 16)
    # a delta kernel with subsampling: the son is every other pixel of the father, re-upsampled
    delta = torch.zeros(3, 3)
    delta[1, 1] = 1
    x2, y2 = U.zssr_pairs(lr, 2, 3, 16, kernel=delta, generator=torch.Generator().manual_seed(1))
    from srtutor.resize import imresize

    assert torch.allclose(x2, imresize(y2[..., ::2, ::2], size=(16, 16)), atol=1e-5)
    with pytest.raises(ValueError, match="multiple"):
        U.zssr_pairs(lr, 2, 1, 15)
    with pytest.raises(ValueError, match="larger"):
        U.zssr_pairs(lr, 2, 1, 64, min_scale=0.5)


def test_zssr_runs_and_has_right_shape():
    lr = _img(24, 24)
    sr = U.zssr(lr, 2, steps=3, patch=12, batch=2, features=8, depth=3, ensemble=True)
    assert sr.shape == (3, 48, 48) and 0 <= float(sr.min()) and float(sr.max()) <= 1


def test_hourglass_and_dip_records():
    net = U.Hourglass(in_channels=4, out_channels=3, features=8, levels=2)
    assert net(torch.rand(1, 4, 16, 16)).shape == (1, 3, 16, 16)
    hr = _img(16, 16)
    from srtutor.resize import imresize

    lr = imresize(hr, scale=0.5).clamp(0, 1)
    r = U.deep_image_prior(lr, 2, steps=4, hr=hr, record_every=2, in_channels=4, features=8, levels=2)
    assert r.iters == [2, 4] and len(r.psnr) == 2 and r.best_iter in (2, 4)
    assert r.best_psnr == max(r.psnr) and r.final.shape == (3, 16, 16)
    with pytest.raises(ValueError, match="divisible"):
        U.deep_image_prior(imresize(hr[:, :12, :12], scale=0.5).clamp(0, 1), 2, steps=1, levels=3)


def test_kernel_sigmas_of_gaussian():
    k = gaussian_kernel(25, 3.0, 1.0, 0.5)
    s1, s2, th = U.kernel_sigmas(k)
    assert s1 == pytest.approx(3.0, rel=0.02) and s2 == pytest.approx(1.0, rel=0.02)
    assert th == pytest.approx(0.5, abs=0.02)


def test_estimate_gaussian_kernel_on_power_law_noise():
    # an isotropic 1/f image: the spectral estimator should see only the blur
    g = torch.Generator().manual_seed(0)
    n = 256
    f = torch.fft.fftfreq(n)
    rad = torch.sqrt(f[:, None] ** 2 + f[None, :] ** 2).clamp(min=1 / n)
    spec = torch.fft.fft2(torch.randn(n, n, generator=g, dtype=torch.float64)) / rad
    img = torch.fft.ifft2(spec).real
    img = ((img - img.min()) / (img.max() - img.min()))[None].float()
    k = gaussian_kernel(21, 2.5, 1.0, 1.0)
    lr = downsample(blur(img, k), 2)
    s1, s2, th = U.kernel_sigmas(U.estimate_gaussian_kernel(lr, 2, size=21))
    assert s1 == pytest.approx(2.5, rel=0.15) and s2 == pytest.approx(1.0, rel=0.3)
    assert th == pytest.approx(1.0, abs=0.15)


def test_nss_distance_prefers_natural():
    from srtutor.data import embedded_image
    from srtutor.resize import imresize

    pristine = [embedded_image(k)[:, :256, :256] for k in ("astronaut", "coffee", "rocket")]
    model = U.fit_nss_model(pristine)
    test = embedded_image("chelsea")[:, :192, :256]
    blurry = imresize(imresize(test, scale=0.25), scale=4).clamp(0, 1)[:, :test.shape[1], :test.shape[2]]
    assert U.nss_distance(test, model) < U.nss_distance(blurry, model)
    m = U.mscn(test)
    assert m.shape == (1, 1) + tuple(test.shape[-2:]) and abs(float(m.mean())) < 0.2


def test_second_order_reproducible_and_shape():
    hr = _img(64, 64)
    d = SecondOrderDegradation(4, seed=5)
    a, log_a = d.sample(hr, torch.Generator().manual_seed(7))
    b, log_b = d.sample(hr, torch.Generator().manual_seed(7))
    assert torch.equal(a, b) and log_a == log_b and a.shape == (3, 16, 16)
    c, _ = d.sample(hr, torch.Generator().manual_seed(8))
    assert not torch.equal(a, c)
    # the object's own stream: two objects with the same seed agree call by call
    assert torch.equal(SecondOrderDegradation(4, seed=1)(hr), SecondOrderDegradation(4, seed=1)(hr))
    assert sum("jpeg" in s for s in log_a) >= 2


def test_sinc_and_poisson():
    k = sinc_kernel(21, math.pi / 2)
    assert k.shape == (21, 21) and float(k.sum()) == pytest.approx(1.0) and float(k.min()) < 0
    assert torch.allclose(k, k.T) and torch.allclose(k, k.flip(0))
    x = torch.full((1, 64, 64), 0.5)
    y = add_poisson_noise(x, 1.0, torch.Generator().manual_seed(0))
    # Poisson(127.5)/255 has std sqrt(127.5)/255
    assert float((y - x).std()) == pytest.approx(math.sqrt(127.5) / 255, rel=0.1)
    with pytest.raises(ValueError):
        sinc_kernel(21, 4.0)


def _kind(step: str) -> str:
    for k in ("sinc ωc", "blur", "resize", "noise", "jpeg"):
        if k in step:
            return {"sinc ωc": "sinc"}.get(k, k)
    raise AssertionError(f"unknown step {step!r}")


def test_second_order_follows_real_esrgan_order(monkeypatch):
    """Real-ESRGAN's order: [blur, resize, noise, JPEG] then [blur, resize, noise] and the final
    step [resize + sinc] -> JPEG or JPEG -> [resize + sinc]: two JPEGs, one ending each round,
    none inside round 2. Checked on the operations actually called, not only on the log."""
    import srtutor.realworld as RW

    calls = []

    def spy(name, fn):
        def wrapped(*a, **k):
            calls.append(name)
            return fn(*a, **k)
        return wrapped

    for name, fn in (("blur", RW.blur), ("resize", RW.random_resize), ("resize", RW._resize_to), ("jpeg", RW.jpeg)):
        monkeypatch.setattr(RW, {"blur": "blur", "jpeg": "jpeg"}.get(name, fn.__name__), spy(name, fn))
    hr = _img(64, 64)
    d = SecondOrderDegradation(4, seed=0)
    finals = set()
    for seed in range(40):
        calls.clear()
        lr, log = d.sample(hr, torch.Generator().manual_seed(seed))
        assert lr.shape == (3, 16, 16)
        r1 = [_kind(s) for s in log if s.startswith("[1]")]
        r2 = [_kind(s) for s in log if s.startswith("[2]")]
        final = tuple(_kind(s) for s in log if not s.startswith("["))
        assert log == [s for s in log if s.startswith("[1]")] + [s for s in log if s.startswith("[2]")] + \
            [s for s in log if not s.startswith("[")]
        assert r1[-2:] == ["noise", "jpeg"] and r1[:-2] in ([], ["blur"], ["resize"], ["blur", "resize"])
        assert r2[-1] == "noise" and r2[:-1] in ([], ["blur"], ["resize"], ["blur", "resize"])  # no JPEG inside
        assert final in {("resize", "sinc", "jpeg"), ("resize", "jpeg"), ("jpeg", "resize", "sinc"), ("jpeg", "resize")}
        finals.add(final[0])
        # the functions ran in the logged order (noise is drawn inline)
        expected = [{"sinc": "blur"}.get(k, k) for k in r1 + r2 + list(final) if k != "noise"]
        assert calls == expected
        assert calls.count("jpeg") == 2
    assert finals == {"resize", "jpeg"}  # both orders of the final step occur
