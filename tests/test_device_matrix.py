"""The same computations on every device and dtype of the matrix (``pytest --device cuda``,
``--dtype``; fixtures in conftest.py): model forward passes, losses, metrics, resizing and the
training engine, each compared with a float64 CPU reference computed in the test."""

import math

import pytest
import torch
import torch.nn.functional as F

from srtutor import losses as L
from srtutor import metrics, models
from srtutor.data import PairedPatchDataset
from srtutor.models.inference import upscale
from srtutor.resize import imresize
from srtutor.train import train

# looser tolerances for float32 and for GPU kernels (TF32 convolutions on Ampere and later)
_TOL = {torch.float32: 2e-3, torch.float64: 1e-9}


def _tol(device, dtype):
    return _TOL[dtype] * (10 if device.type == "cuda" else 1)


def _image(c=3, h=24, w=20, seed=0):
    g = torch.Generator().manual_seed(seed)
    return F.interpolate(torch.rand(1, c, h // 4, w // 4, generator=g, dtype=torch.float64), size=(h, w),
                         mode="bilinear", align_corners=False)


@pytest.mark.parametrize("name, kw", [("srcnn", {}), ("espcn", {}), ("fsrcnn", {}), ("vdsr", {"depth": 4}),
                                      ("edsr-baseline", {"n_resblocks": 2}), ("carn-m", {}), ("lapsrn", {"depth": 2})])
def test_model_forward_matches_the_cpu_float64_reference(name, kw, device, dtype):
    torch.manual_seed(0)
    net = models.create(name, scale=2 if name != "lapsrn" else 4, **kw).eval()
    lr = _image(h=16, w=12)
    with torch.no_grad():
        ref = upscale(net.double(), lr)
        out = upscale(net.to(device=device, dtype=dtype), lr.to(device=device, dtype=dtype))
    assert out.device.type == device.type and out.dtype == dtype
    assert torch.allclose(out.double().cpu(), ref, atol=_tol(device, dtype), rtol=0)


def _texture(a, b):
    feats = L.RandomFeatures((8, 16), seed=0).to(device=a.device, dtype=a.dtype)
    return L.TextureLoss(feats, layers=("f1", "f2"))(a, b)


@pytest.mark.parametrize("loss", [L.l1_loss, L.l2_loss, L.charbonnier_loss, L.smooth_l1_loss,
                                  lambda a, b: L.total_variation(a), _texture], ids=["l1", "l2", "charbonnier",
                                                                                     "smooth_l1", "tv", "texture"])
def test_losses_match_the_cpu_float64_reference(loss, device, dtype):
    a, b = _image(seed=1), _image(seed=2)
    ref = float(loss(a, b))
    val = loss(a.to(device=device, dtype=dtype), b.to(device=device, dtype=dtype))
    assert val.device.type == device.type
    assert float(val) == pytest.approx(ref, rel=_tol(device, dtype) * 10, abs=_tol(device, dtype))


def test_metrics_match_the_cpu_float64_reference(device, dtype):
    a = _image(seed=1).clamp(0, 1)
    b = (a + 0.05 * _image(seed=3) - 0.025).clamp(0, 1)
    for fn in (metrics.psnr, metrics.ssim):
        ref = float(fn(a, b, crop_border=2, y_channel=True))
        val = fn(a.to(device=device, dtype=dtype), b.to(device=device, dtype=dtype), crop_border=2, y_channel=True)
        assert val.device.type == device.type
        assert float(val) == pytest.approx(ref, abs=1e-3 if dtype == torch.float32 else 1e-9)


def test_imresize_matches_the_cpu_float64_reference(device, dtype):
    x = _image(h=30, w=22)
    for kw in ({"scale": 0.5}, {"scale": 3}, {"size": (11, 17)}):
        ref = imresize(x, **kw)
        out = imresize(x.to(device=device, dtype=dtype), **kw)
        assert out.device.type == device.type and out.dtype == dtype
        assert torch.allclose(out.double().cpu(), ref, atol=_tol(device, dtype) / 10, rtol=0)


def _engine_data():
    g = torch.Generator().manual_seed(0)
    imgs = [F.interpolate(torch.rand(1, 3, 6, 6, generator=g), size=(48, 48), mode="bilinear",
                          align_corners=False)[0] for _ in range(2)]
    return PairedPatchDataset(imgs, scale=2, patch_size=8, length=160)


def test_engine_trains_on_the_device(device):
    torch.manual_seed(0)
    net = models.create("espcn", scale=2, features=(8, 4))
    hist = train(net, _engine_data(), steps=20, lr=3e-3, batch_size=8, log_every=10, device=device, amp=False,
                 progress=False)
    assert next(net.parameters()).device.type == device.type
    assert hist.loss[-1] < hist.loss[0] and hist.images == 160 and hist.images_per_second > 0


def test_engine_mixed_precision_on_the_device(device, amp_dtype):
    """bf16 autocast on the CPU, fp16 autocast with gradient scaling on CUDA: the run learns and its
    losses stay within a few percent of the full-precision run's."""
    hists = {}
    for amp in (False, True):
        torch.manual_seed(0)
        net = models.create("espcn", scale=2, features=(8, 4))
        dtypes = []

        class Spy:
            all_ranks = False

            def on_train_start(self, state):
                pass

            def on_step_end(self, state):
                dtypes.append(state.pred.dtype)

            def on_log(self, state, record):
                pass

            def on_train_end(self, state):
                pass

        hists[amp] = train(net, _engine_data(), steps=20, lr=3e-3, batch_size=8, log_every=10, device=device,
                           amp=amp, progress=False, callbacks=[Spy()])
        assert set(dtypes) == ({amp_dtype} if amp else {torch.float32})
    assert hists[True].loss[-1] < hists[True].loss[0]
    assert all(math.isfinite(v) for v in hists[True].loss)
    assert hists[True].loss[-1] == pytest.approx(hists[False].loss[-1], rel=0.1)
