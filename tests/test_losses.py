"""Tests for srtutor.losses: hand-computed values, zero for identical inputs, float64 gradcheck,
the VGG19 weight loader (fake state dict in a temp file; the real URL is not reachable here)."""

import math
import urllib.error

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from srtutor import losses as L
from srtutor import vgg as V

A = torch.tensor([[[[0.0, 0.5], [1.0, 0.25]]]])
B = torch.tensor([[[[0.5, 0.5], [0.0, 0.75]]]])  # differences 0.5, 0, 1, 0.5


def test_pixel_losses_hand_computed():
    assert L.l1_loss(A, B).item() == pytest.approx((0.5 + 0 + 1 + 0.5) / 4)
    assert L.l2_loss(A, B).item() == pytest.approx((0.25 + 0 + 1 + 0.25) / 4)
    eps = 0.1
    expect = (2 * math.sqrt(0.25 + 0.01) + math.sqrt(0.01) + math.sqrt(1.01)) / 4
    assert L.charbonnier_loss(A, B, eps).item() == pytest.approx(expect, rel=1e-6)
    # smooth L1 with beta 0.75: |d| = 0.5 -> 0.5*0.25/0.75, 0 -> 0, 1 -> 1 - 0.375
    expect = (2 * 0.5 * 0.25 / 0.75 + 0 + (1 - 0.375)) / 4
    assert L.smooth_l1_loss(A, B, 0.75).item() == pytest.approx(expect, rel=1e-6)
    assert L.CharbonnierLoss(eps)(A, B).item() == pytest.approx(L.charbonnier_loss(A, B, eps).item())


@pytest.mark.parametrize("fn", [L.l1_loss, L.l2_loss, L.smooth_l1_loss, L.L1Loss(), L.L2Loss(), L.SmoothL1Loss()])
def test_zero_for_identical(fn):
    x = torch.rand(2, 3, 8, 8)
    assert fn(x, x.clone()).item() == 0.0


def test_charbonnier_identical_is_eps():
    x = torch.rand(2, 3, 8, 8)
    assert L.charbonnier_loss(x, x, 1e-3).item() == pytest.approx(1e-3, rel=1e-5)


@pytest.mark.parametrize("fn", [L.l1_loss, L.l2_loss, lambda a, b: L.charbonnier_loss(a, b, 0.1),
                                lambda a, b: L.smooth_l1_loss(a, b, 0.3)])
def test_pixel_gradcheck(fn):
    torch.manual_seed(0)
    a = torch.rand(1, 2, 4, 4, dtype=torch.float64, requires_grad=True)
    b = torch.rand(1, 2, 4, 4, dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda t: fn(t, b), (a,))


def test_input_errors():
    with pytest.raises(ValueError, match="same shape"):
        L.l1_loss(torch.rand(1, 3, 4, 4), torch.rand(1, 3, 4, 5))
    with pytest.raises(TypeError, match="sr"):
        L.l2_loss([1.0], torch.rand(1))
    with pytest.raises(TypeError, match="floating"):
        L.l1_loss(torch.zeros(1, 1, 2, 2, dtype=torch.uint8), torch.zeros(1, 1, 2, 2, dtype=torch.uint8))


def test_total_variation_hand_computed():
    x = torch.tensor([[[0.0, 1.0, 3.0], [2.0, 2.0, 2.0]]])  # (1, 2, 3)
    # dh: [2, 1, -1]; dw: [1, 2], [0, 0]
    assert L.total_variation(x, 1, reduction="sum").item() == pytest.approx(4 + 3)
    assert L.total_variation(x, 2, reduction="sum").item() == pytest.approx(6 + 5)
    assert L.total_variation(x, 1).item() == pytest.approx(7 / 6)
    iso = math.sqrt(4 + 1 + 1e-8) + math.sqrt(1 + 4 + 1e-8)
    assert L.total_variation(x, isotropic=True, reduction="sum").item() == pytest.approx(iso)
    assert L.total_variation(torch.full((2, 3, 5, 5), 0.3), reduction="none").tolist() == [0.0, 0.0]
    assert L.TVLoss()(x[None]).item() == pytest.approx(7 / 6)
    with pytest.raises(ValueError, match="p must"):
        L.total_variation(x, 3)


@pytest.mark.parametrize("kw", [{"p": 1}, {"p": 2}, {"isotropic": True}])
def test_total_variation_gradcheck(kw):
    x = torch.rand(1, 2, 5, 5, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: L.total_variation(t, **kw), (x,))


def test_gram_matrix_hand_computed():
    f = torch.tensor([[[[1.0, 2.0]], [[3.0, 4.0]]]])  # N=1, C=2, H=1, W=2
    g = L.gram_matrix(f)
    assert torch.allclose(g, torch.tensor([[[5.0, 11.0], [11.0, 25.0]]]) / 4)
    perm = f[..., [1, 0]]  # moving pixels around leaves the Gram matrix unchanged
    assert torch.allclose(L.gram_matrix(perm), g)


def small_features():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.Tanh(), nn.Conv2d(4, 5, 3, padding=1)).double()


def test_content_loss_any_network():
    net = small_features()
    loss = L.ContentLoss(net, layers=None, criterion="l2")
    a, b = torch.rand(1, 3, 4, 4, dtype=torch.float64), torch.rand(1, 3, 4, 4, dtype=torch.float64)
    assert loss(a, a).item() == 0.0
    assert loss(a, b).item() == pytest.approx(F.mse_loss(net(a), net(b)).item())
    x = a.clone().requires_grad_(True)
    assert torch.autograd.gradcheck(lambda t: loss(t, b), (x,))


def test_texture_loss_values_and_gradcheck():
    rf = L.RandomFeatures((4, 6), seed=1).double()
    loss = L.TextureLoss(rf, layers=("f1", "f2"))
    a, b = torch.rand(1, 3, 6, 6, dtype=torch.float64), torch.rand(1, 3, 6, 6, dtype=torch.float64)
    assert loss(a, a).item() == 0.0
    fa, fb = rf(a), rf(b)
    expect = sum((L.gram_matrix(fa[k]) - L.gram_matrix(fb[k])).pow(2).sum().item() for k in ("f1", "f2"))
    assert loss(a, b).item() == pytest.approx(expect)
    x = a.clone().requires_grad_(True)
    assert torch.autograd.gradcheck(lambda t: loss(t, b), (x,))
    patched = L.TextureLoss(rf, layers=("f1",), patch_size=3)
    assert patched(a, b).item() > 0


def test_random_features_frozen_and_seeded():
    a, b = L.RandomFeatures(seed=3), L.RandomFeatures(seed=3)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not any(p.requires_grad for p in a.parameters())
    out = a(torch.rand(1, 3, 16, 16))
    assert [tuple(v.shape) for v in out.values()] == [(1, 32, 16, 16), (1, 64, 8, 8), (1, 128, 4, 4)]


def test_adversarial_losses_hand_computed():
    z = torch.zeros(4, 1, 2, 2)
    log2 = math.log(2)
    assert L.discriminator_loss(z, z, "vanilla").item() == pytest.approx(2 * log2)
    assert L.generator_loss(None, z, "vanilla").item() == pytest.approx(log2)
    assert L.discriminator_loss(z, z, "ragan").item() == pytest.approx(2 * log2)
    assert L.generator_loss(z, z, "ragan").item() == pytest.approx(2 * log2)
    real, fake = torch.tensor([2.0, 0.0]), torch.tensor([1.0, -1.0])
    # RaGAN: C(real) - mean C(fake) = [2, 0]; C(fake) - mean C(real) = [0, -2]
    sp = lambda t: math.log1p(math.exp(t))  # noqa: E731  softplus: -log sigmoid(-t)
    expect_d = (sp(-2) + sp(0)) / 2 + (sp(0) + sp(-2)) / 2
    assert L.discriminator_loss(real, fake, "ragan").item() == pytest.approx(expect_d)
    expect_g = (sp(2) + sp(0)) / 2 + (sp(0) + sp(2)) / 2
    assert L.generator_loss(real, fake, "ragan").item() == pytest.approx(expect_g)
    with pytest.raises(ValueError, match="kind"):
        L.discriminator_loss(z, z, "wgan")


@pytest.mark.parametrize("kind", ["vanilla", "ragan"])
def test_adversarial_gradcheck(kind):
    r = torch.randn(6, dtype=torch.float64)
    f = torch.randn(6, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: L.generator_loss(r, t, kind), (f,))
    assert torch.autograd.gradcheck(lambda t: L.discriminator_loss(r, t, kind), (f,))


def test_adversarial_module_and_discriminator():
    d = L.PatchDiscriminator(3, 8, 3)
    assert d(torch.rand(2, 3, 32, 32)).shape == (2, 1, 4, 4)
    adv = L.AdversarialLoss(d, "ragan")
    sr = torch.rand(2, 3, 32, 32, requires_grad=True)
    hr = torch.rand(2, 3, 32, 32)
    adv(sr, hr).backward()
    assert sr.grad is not None and all(p.grad is None for p in d.parameters())
    assert all(p.requires_grad for p in d.parameters())
    adv.discriminator_loss(sr, hr).backward()
    assert all(p.grad is not None for p in d.parameters())


def test_cycle_consistency():
    x = torch.rand(1, 3, 8, 8)
    assert L.cycle_consistency_loss(x, x).item() == 0.0
    down = lambda t: F.avg_pool2d(t, 2)  # noqa: E731
    sr = torch.rand(1, 3, 8, 8)
    lr = torch.rand(1, 3, 4, 4)
    assert L.CycleConsistencyLoss(down)(sr, lr).item() == pytest.approx((down(sr) - lr).abs().mean().item())


def test_combined_loss_reports_terms():
    loss = L.CombinedLoss({"l1": (1.0, L.L1Loss()), "tv": (0.5, L.TVLoss()), "l2": (2.0, L.l2_loss)})
    total = loss(A, B)
    l1, tv, l2 = L.l1_loss(A, B).item(), L.total_variation(A).item(), L.l2_loss(A, B).item()
    assert total.item() == pytest.approx(l1 + 0.5 * tv + 2 * l2)
    assert loss.last["l1"] == pytest.approx(l1) and loss.last["tv"] == pytest.approx(tv)
    assert loss.last_weighted["l2"] == pytest.approx(2 * l2) and loss.last["total"] == pytest.approx(total.item())
    with pytest.raises(TypeError, match="weight, loss"):
        L.CombinedLoss({"l1": L.L1Loss()})


# ----------------------------------------------------------------------------- VGG19
def test_vgg19_layout():
    net = V.vgg19_features(None)
    assert sum(p.numel() for p in net.parameters()) == 20_024_384  # torchvision vgg19().features
    assert V.VGG19_LAYERS["conv1_1"] == 0 and V.VGG19_LAYERS["relu2_2"] == 8
    assert V.VGG19_LAYERS["conv5_4"] == 34 and V.VGG19_LAYERS["relu5_4"] == 35
    out = net(torch.rand(1, 3, 32, 32), ("relu1_1", "relu3_1"))
    assert out["relu1_1"].shape == (1, 64, 32, 32) and out["relu3_1"].shape == (1, 256, 8, 8)
    assert V.hash_prefix(V.VGG19_URL) == "dcbb9e9d"


def _save_named(state, folder):
    """Save like PyTorch names its weights: ``vgg19-<first 8 hex digits of sha256>.pth``."""
    tmp = folder / "tmp.pth"
    torch.save(state, tmp)
    name = folder / f"vgg19-{V.sha256_file(tmp)[:8]}.pth"
    tmp.rename(name)
    return name


@pytest.fixture(scope="module")
def fake_vgg(tmp_path_factory):
    """A fake torchvision-format VGG19 checkpoint (seeded random weights; small bias offsets
    make it distinguishable from the default initialisation)."""
    folder = tmp_path_factory.mktemp("vgg")
    ref = V.vgg19_features(None, seed=7)
    state = {k: v.clone() + 0.5 if k.endswith("bias") else v.clone() for k, v in ref.state_dict().items()}
    state["classifier.0.weight"] = torch.zeros(2, 2)  # the classifier is ignored
    return state, _save_named(state, folder)


def _same(net, state):
    return all(torch.equal(v, state["features." + k[len("features."):]]) for k, v in net.state_dict().items())


def test_vgg19_loads_local_file(fake_vgg, tmp_path):
    state, path = fake_vgg
    net = V.vgg19_features(path)
    assert net.pretrained and _same(net, state)
    feats_only = {k[len("features."):]: v for k, v in state.items() if k.startswith("features.")}
    sd = V.load_vgg19_state(_save_named(feats_only, tmp_path))  # keys "0.weight"... are mapped
    assert set(sd) == {k for k in state if k.startswith("features.")}


def test_vgg19_hash_mismatch(fake_vgg, tmp_path):
    bad = tmp_path / "vgg19-00000000.pth"
    bad.write_bytes(fake_vgg[1].read_bytes())
    with pytest.raises(ValueError, match="sha256"):
        V.load_vgg19_state(bad)


def test_vgg19_cache_and_offline_fallback(fake_vgg, tmp_path, monkeypatch):
    state, path = fake_vgg
    cache = tmp_path / "cache"
    cache.mkdir()
    calls = []

    def fake_download(url, dest):  # stands in for the network: copies our fake file
        calls.append(url)
        dest.write_bytes(path.read_bytes())
        return dest

    monkeypatch.setattr(V, "_download", fake_download)
    monkeypatch.setattr(V, "VGG19_URL", f"https://example.invalid/{path.name}")
    net = V.vgg19_features("imagenet", cache_dir=cache)
    assert net.pretrained and _same(net, state) and calls and (cache / path.name).is_file()
    V.vgg19_features("imagenet", cache_dir=cache)
    assert len(calls) == 1  # served from the cache

    def offline(url, dest):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(V, "_download", offline)
    with pytest.warns(UserWarning, match="RANDOM"):
        net = V.vgg19_features("imagenet", cache_dir=tmp_path / "empty")
    assert not net.pretrained
    with pytest.raises(RuntimeError, match="ImageNet"):
        V.vgg19_features("imagenet", cache_dir=tmp_path / "empty", fallback="error")


def test_content_loss_on_vgg_layers():
    net = V.vgg19_features(None)
    loss = L.ContentLoss(net, layers=("relu1_2", "relu2_2"), weights=(1.0, 0.5))
    a, b = torch.rand(1, 3, 16, 16), torch.rand(1, 3, 16, 16)
    fa, fb = net(a, ("relu1_2", "relu2_2")), net(b, ("relu1_2", "relu2_2"))
    expect = F.mse_loss(fa["relu1_2"], fb["relu1_2"]) + 0.5 * F.mse_loss(fa["relu2_2"], fb["relu2_2"])
    assert loss(a, b).item() == pytest.approx(expect.item(), rel=1e-5)
    with pytest.raises(ValueError, match="layers"):
        net(a, ("relu9_9",))
