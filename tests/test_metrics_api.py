"""srtutor.metrics: data_range, value checks, precision, gradients, stateful modules, losses, DDP sums."""

from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import sys
import textwrap
import warnings

import pytest
import torch

from srtutor import color, metrics


def _pair(*shape, seed=0, sigma=0.05, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    hr = torch.rand(*shape, generator=g, dtype=dtype)
    hr = torch.nn.functional.avg_pool2d(hr.reshape(-1, 1, *shape[-2:]), 3, 1, 1).reshape(shape)  # some structure
    sr = (hr + sigma * torch.randn(*shape, generator=g, dtype=dtype)).clamp(0, 1)
    return sr, hr


FUNCS = [metrics.psnr, metrics.ssim, metrics.mse, metrics.ms_ssim, metrics.gradient_ratio]


# ------------------------------------------------------------------ data_range


@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize("y_channel", [False, True])
def test_data_range_255_gives_the_same_numbers(fn, y_channel):
    sr, hr = _pair(2, 3, 170, 170)
    a = fn(sr, hr, y_channel=y_channel, reduction="none")
    b = fn(sr * 255, hr * 255, y_channel=y_channel, data_range=255, reduction="none")
    if fn is metrics.mse:  # in the images' own units
        b = b / 255**2
    torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-12)


def test_y_channel_with_data_range_255_is_matlab_y():
    sr, hr = _pair(3, 40, 40)
    y255 = lambda t: color.rgb_to_y(t) * 255  # noqa: E731  Y on the 255 scale
    got = metrics.psnr(sr * 255, hr * 255, y_channel=True, data_range=255)
    want = 10 * math.log10(255**2 / float(((y255(sr) - y255(hr)) ** 2).mean()))
    assert got.item() == pytest.approx(want, abs=1e-9)


@pytest.mark.parametrize("fn", FUNCS)
def test_data_range_255_on_unit_images_is_an_error(fn):
    sr, hr = _pair(3, 170, 170)
    with pytest.raises(ValueError, match=r"data_range=255 but sr and hr have values in \[0, 1\].*data_range=1"):
        fn(sr, hr, data_range=255)
    fn(sr, hr, data_range=255, check_range=False)  # the documented way out


@pytest.mark.parametrize("fn", FUNCS)
def test_unit_data_range_on_255_images_is_an_error(fn):
    sr, hr = _pair(3, 170, 170)
    with pytest.raises(ValueError, match=r"sr must have values in \[0, 1\].*data_range=255"):
        fn(sr * 255, hr * 255)


def test_all_black_images_are_fine_with_any_data_range():
    z = torch.zeros(1, 32, 32)
    assert math.isinf(metrics.psnr(z, z, data_range=255).item())
    assert metrics.ssim(z, z, data_range=255).item() == pytest.approx(1.0)


# ------------------------------------------------------------------ value checks and synchronisation


def test_value_checks_context_skips_every_value_read(monkeypatch):
    sr, hr = _pair(2, 3, 170, 170, dtype=torch.float32)
    calls = []
    real = torch.aminmax
    monkeypatch.setattr(torch, "aminmax", lambda *a, **k: calls.append(1) or real(*a, **k))
    for fn in FUNCS:
        fn(sr, hr)
    assert calls, "checks read the values by default"
    calls.clear()
    with metrics.value_checks(False):
        for fn in FUNCS:
            fn(sr, hr)
        with pytest.raises(ValueError, match="hr contains NaN"):  # explicit True still checks
            metrics.psnr(sr, hr * float("nan"), check_finite=True)
    for fn in FUNCS:
        fn(sr, hr, check_range=False, check_finite=False)
    assert len(calls) == 2  # only the explicit check above
    assert metrics.psnr(sr, hr).isfinite()  # the context restored the default
    with pytest.raises(TypeError, match="enabled must be a bool"):
        with metrics.value_checks("no"):
            pass


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_no_host_synchronisation_on_cuda():
    sr, hr = (t.cuda() for t in _pair(2, 3, 170, 170, dtype=torch.float32))
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        with metrics.value_checks(False):
            for fn in FUNCS:
                fn(sr, hr, y_channel=True, crop_border=2)
                fn(sr, hr, reduction="none")
            loss = metrics.SSIMLoss()(sr.requires_grad_(), hr)
            loss.backward()
    finally:
        torch.cuda.set_sync_debug_mode(0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_float32_default_matches_cpu_reference():
    sr, hr = _pair(2, 3, 200, 180)
    for fn in (metrics.ssim, metrics.ms_ssim, metrics.psnr):
        ref = fn(sr, hr, reduction="none")
        got = fn(sr.cuda().float(), hr.cuda().float(), reduction="none")
        assert got.dtype == torch.float64 and got.device.type == "cuda"
        torch.testing.assert_close(got.cpu(), ref, rtol=0, atol=1e-6)


def test_nan_and_inf_are_errors_by_default():
    sr, hr = _pair(3, 20, 20)
    bad = sr.clone()
    bad[1, 2, 3] = float("inf")
    for fn in (metrics.psnr, metrics.ssim, metrics.mse):
        with pytest.raises(ValueError, match="sr contains NaN or inf"):
            fn(bad, hr)
        with pytest.raises(ValueError, match="sr contains NaN or inf"):
            fn(bad, hr, check_range=False)


# ------------------------------------------------------------------ precision


def test_precision_argument():
    sr, hr = _pair(2, 3, 64, 64)
    ref = metrics.ssim(sr, hr, reduction="none")
    f32 = metrics.ssim(sr, hr, reduction="none", precision="float32")
    assert ref.dtype == f32.dtype == torch.float64
    assert 0 < float((ref - f32).abs().max()) < 1e-6  # really another path, and close
    assert metrics.ssim_map(sr.float(), hr.float()).dtype == torch.float32
    assert metrics.ssim_map(sr.float(), hr.float(), precision="float64").dtype == torch.float64
    for bad in ("double", "fp16", None):
        with pytest.raises(ValueError, match="precision must be one of"):
            metrics.psnr(sr, hr, precision=bad)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_inputs_compute_in_float32(dtype):
    sr, hr = _pair(3, 64, 64)
    a, b = sr.to(dtype), hr.to(dtype)
    want = metrics.ssim(a.double(), b.double())
    assert metrics.ssim(a, b).item() == pytest.approx(want.item(), abs=1e-6)


def test_float32_within_1e6_of_float64_on_a_flat_natural_image():
    """The hard case for float32: flat regions (a sky) where E[x^2] - E[x]^2 cancels."""
    from skimage import data as skdata

    cam = torch.from_numpy(skdata.camera()[:256, :256].astype("float64") / 255)[None, None]
    sr = torch.round(torch.nn.functional.avg_pool2d(cam, 3, 1, 1, count_include_pad=False) * 255) / 255
    for kw in ({}, {"crop_border": 4}):
        for fn in (metrics.ssim, metrics.ms_ssim):
            ref = fn(sr, cam, **kw).item()
            assert fn(sr.float(), cam.float(), **kw).item() == pytest.approx(ref, abs=1e-6)


# ------------------------------------------------------------------ gradients


def test_psnr_gradient_is_finite_for_identical_images():
    x = _pair(2, 3, 16, 16)[1].requires_grad_()
    y = x.detach().clone()
    y[1] = (y[1] + 0.1).clamp(0, 1)  # one identical pair, one not
    v = metrics.psnr(x, y, reduction="none")
    assert math.isinf(v[0].item()) and math.isfinite(v[1].item())
    v[1].backward()
    assert torch.isfinite(x.grad).all() and x.grad[1].abs().sum() > 0 and x.grad[0].abs().sum() == 0
    x.grad = None
    metrics.psnr(x[:1], y[:1]).backward()
    assert torch.isfinite(x.grad).all()


@pytest.mark.parametrize("loss_cls", [metrics.PSNRLoss, metrics.SSIMLoss, metrics.MSSSIMLoss])
def test_losses_have_finite_gradients_also_for_identical_images(loss_cls):
    hr = _pair(2, 3, 170, 170, dtype=torch.float32)[1]
    for sr in (hr.clone(), (hr + 0.05).clamp(0, 1)):
        sr.requires_grad_()
        loss = loss_cls()(sr, hr)
        assert loss.ndim == 0 and torch.isfinite(loss)
        loss.backward()
        assert sr.grad.dtype == torch.float32 and torch.isfinite(sr.grad).all()
    identical = loss_cls()(hr, hr).item()
    assert identical == pytest.approx(-100.0 if loss_cls is metrics.PSNRLoss else 0.0, abs=1e-6)


def test_losses_equal_their_metrics():
    sr, hr = _pair(2, 3, 170, 170)
    assert metrics.SSIMLoss(y_channel=True)(sr, hr).item() == pytest.approx(
        1 - metrics.ssim(sr, hr, y_channel=True).item(), abs=1e-12)
    assert metrics.MSSSIMLoss()(sr, hr).item() == pytest.approx(1 - metrics.ms_ssim(sr, hr).item(), abs=1e-12)
    assert metrics.PSNRLoss(reduction="none")(sr, hr).tolist() == pytest.approx(
        (-metrics.psnr(sr, hr, reduction="none")).tolist(), abs=1e-6)
    # outputs of a network may leave [0, 1]: no range check in a loss
    assert torch.isfinite(metrics.SSIMLoss()(sr * 1.2 - 0.1, hr))
    assert "y_channel=True" in repr(metrics.SSIMLoss(y_channel=True))


def test_ssim_loss_trains():
    """A few steps of gradient descent on 1 - SSIM move a noisy image towards its reference."""
    sr, hr = _pair(1, 3, 48, 48, sigma=0.2, dtype=torch.float32)
    x = sr.clone().requires_grad_()
    opt = torch.optim.Adam([x], lr=0.01)
    loss_fn = metrics.SSIMLoss()
    first = loss_fn(x, hr).item()
    for _ in range(20):
        opt.zero_grad()
        loss = loss_fn(x, hr)
        loss.backward()
        opt.step()
    assert loss.item() < 0.7 * first


# ------------------------------------------------------------------ stateful modules


@pytest.mark.parametrize("cls, fn", [(metrics.PSNR, metrics.psnr), (metrics.SSIM, metrics.ssim),
                                     (metrics.MSSSIM, metrics.ms_ssim)])
def test_stateful_update_compute_reset(cls, fn):
    sr, hr = _pair(5, 3, 170, 170)
    m = cls(y_channel=True, crop_border=2)
    with pytest.raises(RuntimeError, match="before any update"):
        m.compute()
    m.update(sr[:2], hr[:2])
    batch = m(sr[2:4], hr[2:4])  # forward: the batch's value, and it updates the state
    assert batch.item() == pytest.approx(fn(sr[2:4], hr[2:4], y_channel=True, crop_border=2).item(), abs=1e-12)
    m.update(sr[4], hr[4])  # one (C, H, W) image
    want = fn(sr, hr, y_channel=True, crop_border=2)  # the mean of per-image values
    assert m.compute().item() == pytest.approx(want.item(), abs=1e-12)
    assert int(m.count) == 5 and set(m.state_dict()) == {"total", "count"}
    m.reset()
    with pytest.raises(RuntimeError):
        m.compute()
    m.update(sr[:1], hr[:1])
    assert m.compute().item() == pytest.approx(fn(sr[:1], hr[:1], y_channel=True, crop_border=2).item(), abs=1e-12)


def test_stateful_psnr_is_mean_of_per_image_values_not_batch_mse():
    sr, hr = _pair(3, 3, 32, 32)
    sr[0] = (hr[0] + 0.2 * (sr[0] - hr[0])).clamp(0, 1)  # one much better image
    m = metrics.PSNR()
    m.update(sr, hr)
    per_image = metrics.psnr(sr, hr, reduction="none")
    batch_mse = 10 * math.log10(1 / float(((sr - hr) ** 2).mean()))
    assert m.compute().item() == pytest.approx(per_image.mean().item(), abs=1e-12)
    assert abs(m.compute().item() - batch_mse) > 0.1


def test_stateful_module_state_moves_with_the_module():
    m = metrics.SSIM(reduction="none").to(torch.float64)
    sr, hr = _pair(2, 1, 20, 20)
    assert m(sr, hr).shape == (2,)
    sd = m.state_dict()
    m2 = metrics.SSIM()
    m2.load_state_dict(sd)
    assert m2.compute().item() == pytest.approx(m.compute().item())


_DDP_WORKER = textwrap.dedent("""
    import json, sys, torch, torch.distributed as dist
    from srtutor import metrics
    rank, world, init, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    dist.init_process_group("gloo", init_method=init, rank=rank, world_size=world)
    g = torch.Generator().manual_seed(0)
    hr = torch.rand(5, 3, 170, 170, generator=g, dtype=torch.float64)
    sr = (hr + 0.05 * torch.randn(hr.shape, generator=g, dtype=torch.float64)).clamp(0, 1)
    mine = slice(0, 3) if rank == 0 else slice(3, 5)  # unequal shares: 3 and 2 images
    res = {}
    for name in ("PSNR", "SSIM", "MSSSIM"):
        m = getattr(metrics, name)()
        m.update(sr[mine], hr[mine])
        local = (float(m.total), float(m.count))
        res[name] = [m.compute().item(), local]
    dist.destroy_process_group()
    json.dump(res, open(out, "w"))
""")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_distributed_compute_all_reduces_sums(tmp_path):
    """Two real ranks (gloo, two processes) with 3 and 2 images: compute() on each rank equals
    the single-process mean over all 5 images, and the local state is left untouched."""
    if not torch.distributed.is_available():
        pytest.skip("torch.distributed is not available")
    script = tmp_path / "worker.py"
    script.write_text(_DDP_WORKER)
    init = f"tcp://127.0.0.1:{_free_port()}"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    procs = [subprocess.Popen([sys.executable, str(script), str(r), "2", init, str(tmp_path / f"r{r}.json")],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for r in range(2)]
    for p in procs:
        out, _ = p.communicate(timeout=240)
        assert p.returncode == 0, out.decode()[-2000:]
    res = [json.loads((tmp_path / f"r{r}.json").read_text()) for r in range(2)]
    g = torch.Generator().manual_seed(0)
    hr = torch.rand(5, 3, 170, 170, generator=g, dtype=torch.float64)
    sr = (hr + 0.05 * torch.randn(hr.shape, generator=g, dtype=torch.float64)).clamp(0, 1)
    for name, fn in (("PSNR", metrics.psnr), ("SSIM", metrics.ssim), ("MSSSIM", metrics.ms_ssim)):
        want = fn(sr, hr).item()
        for r, n in ((0, 3), (1, 2)):
            assert res[r][name][0] == pytest.approx(want, abs=1e-12)
            assert res[r][name][1][1] == n  # local count unchanged by compute()
        # a mean of the two ranks' means would be wrong with unequal shares
        means = [res[r][name][1][0] / res[r][name][1][1] for r in range(2)]
        assert abs(sum(means) / 2 - want) > 1e-6


def test_module_arguments_are_checked():
    with pytest.raises(ValueError, match="reduction"):
        metrics.PSNR(reduction="sum")
    with pytest.raises(ValueError, match="eps"):
        metrics.PSNRLoss(eps=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "crop_border=2" in repr(metrics.PSNR(crop_border=2))
