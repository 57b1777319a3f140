"""Tests for srtutor.strategies: exact dihedral inverses, self-ensemble, network interpolation,
curriculum schedules, multi-supervision, and the fitting loop for arbitrary losses."""

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import srtutor
from srtutor import losses as L
from srtutor import strategies as S
from srtutor.models import create


def test_dihedral_group():
    x = torch.arange(2 * 3 * 4 * 5, dtype=torch.float32).reshape(2, 3, 4, 5)
    outs = [S.dihedral(x, m) for m in range(8)]
    assert torch.equal(outs[0], x)
    assert len({tuple(o.flatten().tolist()) + (o.shape,) for o in outs}) == 8  # 8 distinct transforms
    for m in range(8):
        assert torch.equal(S.dihedral_inverse(outs[m], m), x)
    assert torch.equal(S.dihedral(x, 1), torch.rot90(x, 1, (-2, -1)))
    assert torch.equal(S.dihedral(x, 4), x.flip(-1))
    with pytest.raises(ValueError, match="mode"):
        S.dihedral(x, 8)


def test_self_ensemble_equals_plain_output_for_equivariant_models():
    lr = torch.rand(2, 3, 6, 7, dtype=torch.float64)
    # equal up to the rounding of the mean of 8 identical numbers
    assert torch.allclose(S.self_ensemble(lambda t: t, lr), lr, atol=1e-15, rtol=0)
    nearest = lambda t: F.interpolate(t, scale_factor=3, mode="nearest")  # noqa: E731  equivariant
    assert torch.allclose(S.self_ensemble(nearest, lr), nearest(lr), atol=1e-15, rtol=0)


def test_self_ensemble_on_a_model():
    torch.manual_seed(0)
    net = create("blocknet", scale=2, n_blocks=1, features=8)
    lr = torch.rand(3, 8, 10)
    plain = srtutor.models.upscale(net, lr)
    ens = S.self_ensemble(net, lr)
    assert ens.shape == plain.shape == (3, 16, 20)
    assert not torch.allclose(ens, plain)  # a random conv net is not equivariant
    manual = torch.stack([S.dihedral_inverse(srtutor.models.upscale(net, S.dihedral(lr, m)), m) for m in range(8)]).mean(0)
    assert torch.allclose(ens, manual)
    one = S.self_ensemble(net, lr, modes=[0])
    assert torch.allclose(one, plain)
    wrapped = S.SelfEnsemble(net)
    assert wrapped.scale == 2 and wrapped.upsampling == "post"
    with torch.no_grad():  # ensemble of the raw outputs, clamped once at the end
        raw = S.self_ensemble(lambda t: net(t), lr[None])[0]
    assert torch.allclose(srtutor.models.upscale(wrapped, lr), raw.clamp(0, 1), atol=1e-6)


def test_interpolation():
    torch.manual_seed(0)
    a, b = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2)), nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))
    b[1].num_batches_tracked += 5
    for alpha, ref in [(0.0, a), (1.0, b)]:
        m = S.interpolate_networks(a, b, alpha)
        assert all(torch.allclose(p, q) for p, q in zip(m.parameters(), ref.parameters()))
    mid = S.interpolate_state_dicts(a.state_dict(), b.state_dict(), 0.25)
    w = 0.75 * a[0].weight + 0.25 * b[0].weight
    assert torch.allclose(mid["0.weight"], w)
    assert mid["1.num_batches_tracked"] == a[1].num_batches_tracked
    with pytest.raises(ValueError, match="alpha"):
        S.interpolate_state_dicts(a.state_dict(), b.state_dict(), 1.5)
    with pytest.raises(ValueError, match="keys"):
        S.interpolate_state_dicts(a.state_dict(), nn.Conv2d(1, 2, 3).state_dict(), 0.5)


def test_curriculum_schedule():
    sch = S.CurriculumSchedule.linear([0, 10, 30], 10)
    assert sch.stages == [(3, 0), (3, 10), (4, 30)] and sch.total_steps == 10
    assert [sch.value_at(t) for t in (0, 2, 3, 6, 9, 50)] == [0, 0, 10, 30, 30, 30]
    with pytest.raises(TypeError, match="pair"):
        S.CurriculumSchedule([5])
    calls = []

    def trainer(model, data, *, steps, lr):
        calls.append((data, steps, lr))
        return steps

    assert S.curriculum_train("m", lambda v: f"data{v}", sch, trainer=trainer, lr=0.1) == [3, 3, 4]
    assert calls == [("data0", 3, 0.1), ("data10", 3, 0.1), ("data30", 4, 0.1)]


def test_multi_supervision_loss():
    hr = torch.rand(1, 1, 8, 8)
    p1, p2 = torch.zeros(1, 1, 8, 8), hr.clone()
    assert S.MultiSupervisionLoss("l1")([p1, p2], hr).item() == pytest.approx(0.5 * hr.mean().item())
    assert S.MultiSupervisionLoss("l1", [1.0, 3.0])([p1, p2], hr).item() == pytest.approx(hr.mean().item())
    small = F.interpolate(hr, size=(4, 4), mode="bicubic", align_corners=False, antialias=True)
    assert S.MultiSupervisionLoss("l2")([small, hr], hr).item() == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="weights"):
        S.MultiSupervisionLoss(weights=[1.0])([p1, p2], hr)


def _data(scale=2, n=8):
    g = torch.Generator().manual_seed(0)
    hr = torch.rand(n, 3, 8 * scale, 8 * scale, generator=g)
    lr = F.avg_pool2d(hr, scale)
    return torch.utils.data.TensorDataset(lr, hr)


def test_fit_with_combined_and_adversarial_losses():
    torch.manual_seed(0)
    net = create("blocknet", scale=2, n_blocks=1, features=8)
    adv = L.AdversarialLoss(L.PatchDiscriminator(3, 8, 2), "ragan")
    loss = L.CombinedLoss({"l1": (1.0, L.L1Loss()), "tv": (0.1, L.TVLoss()), "adv": (0.01, adv)})
    d0 = [p.clone() for p in adv.discriminator.parameters()]
    g0 = [p.clone() for p in net.parameters()]
    hist = S.fit(net, _data(), steps=4, loss=loss, adversarial=adv, batch_size=4, lr=1e-3, log_every=2, device="cpu")
    assert hist.step == [2, 4] and len(hist.loss) == 2 and len(hist.d_loss) == 2
    assert set(hist.terms) == {"l1", "tv", "adv"}
    assert any(not torch.equal(a, b) for a, b in zip(d0, adv.discriminator.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(g0, net.parameters()))


def test_fit_reduces_pixel_loss_and_multi_supervision():
    torch.manual_seed(0)
    net = create("memnet-lite", scale=2, features=8, memory_blocks=2, recursions=2)
    hist = S.fit(net, _data(), steps=6, loss=S.MultiSupervisionLoss("l1"), outputs="all", batch_size=4,
                 lr=1e-3, log_every=3, device="cpu")
    assert len(hist.loss) == 2 and hist.loss[-1] < hist.loss[0]
    with pytest.raises(ValueError, match="forward_all"):
        S.fit(create("blocknet"), _data(), steps=1, loss=L.l1_loss, outputs="all")


# ----------------------------------------------------------------------------- perception–distortion, cycle, multi-task, fusion
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def _ramp(h=12, w=16):
    y, x = torch.meshgrid(torch.arange(h, dtype=torch.float64), torch.arange(w, dtype=torch.float64), indexing="ij")
    return ((x * 3 + y * 5) % 17 / 17.0).expand(3, h, w).clone()


def test_sharpness_gap_by_hand():
    hr = _ramp()
    assert S.sharpness_gap(hr, hr) == 0.0
    # half the contrast: every difference halves, ratio 1/2, gap ln 2 (and the same for twice)
    assert S.sharpness_gap(0.5 * hr, hr) == pytest.approx(0.6931471805599453, abs=1e-12)
    assert S.sharpness_gap(hr, 0.5 * hr) == pytest.approx(0.6931471805599453, abs=1e-12)
    with pytest.raises(ValueError, match="gradient energy"):
        S.sharpness_gap(torch.zeros_like(hr), hr)


@settings(max_examples=25, deadline=None)
@given(c=st.floats(0.05, 1.0))
def test_sharpness_gap_is_log_of_contrast(c):
    hr = _ramp()
    assert S.sharpness_gap(c * hr, hr) == pytest.approx(abs(torch.log(torch.tensor(c, dtype=torch.float64)).item()),
                                                        abs=1e-9)


def test_perception_distortion_of_bicubic():
    hr = srtutor.data.embedded_image("astronaut")[:, :64, :64]
    out = S.perception_distortion(None, {"a": hr}, 2, texture_features=L.RandomFeatures(seed=1),
                                  texture_layers=("f1",))
    ref = srtutor.train.evaluate(None, {"a": hr}, 2, ssim=False, protocol="rgb")["mean_psnr"]
    assert out["psnr"] == pytest.approx(ref)
    assert 0 < out["gradient_ratio"] < 1  # bicubic upscaling is blurrier than HR
    assert out["sharpness_gap"] == pytest.approx(-torch.log(torch.tensor(out["gradient_ratio"])).item(), rel=1e-6)
    assert out["texture_distance"] > 0
    assert "texture_distance" not in S.perception_distortion(None, {"a": hr}, 2)
    with pytest.raises(ValueError, match="images"):
        S.perception_distortion(None, {}, 2)


def test_cycle_fit_reads_only_the_lr_images():
    torch.manual_seed(0)
    net = create("blocknet", scale=2, n_blocks=1, features=8, bicubic_skip=True)
    lr = torch.rand(8, 3, 8, 8)
    data = torch.utils.data.TensorDataset(lr, torch.full((8, 3, 16, 16), float("nan")))  # HR unused
    down = lambda t: srtutor.degradation.bicubic_down(t, 2)  # noqa: E731
    before = F.l1_loss(down(net(lr)), lr).item()
    h = S.cycle_fit(net, data, backward=down, steps=30, lr=1e-3, batch_size=8, device="cpu", log_every=5)
    after = F.l1_loss(down(net(lr)), lr).item()
    assert all(torch.isfinite(torch.tensor(h.loss)))
    assert after < before
    with pytest.raises(TypeError, match="backward"):
        S.cycle_fit(net, data, backward=None, steps=1)


def test_multitask_fit_trains_the_aux_head_only_with_weight():
    from srtutor.models.multitask import MultiTaskSR

    data = torch.utils.data.TensorDataset(torch.rand(8, 3, 6, 6), torch.rand(8, 3, 12, 12))
    heads = {}
    for w in (0.0, 1.0):
        torch.manual_seed(0)
        net = MultiTaskSR(scale=2, features=8, blocks=1)
        aux0 = [p.detach().clone() for p in net.aux_head.parameters()]
        body0 = [p.detach().clone() for p in net.body.parameters()]
        S.multitask_fit(net, data, steps=3, weight=w, lr=1e-2, batch_size=4, device="cpu")
        heads[w] = all(torch.equal(a, b) for a, b in zip(aux0, net.aux_head.parameters()))
        assert not all(torch.equal(a, b) for a, b in zip(body0, net.body.parameters()))
    assert heads == {0.0: True, 1.0: False}
    with pytest.raises(ValueError, match="weight"):
        S.multitask_fit(net, data, steps=1, weight=-1)
    with pytest.raises(ValueError, match="MultiTaskSR"):
        S.multitask_fit(create("blocknet", scale=2), data, steps=1)


def test_fit_fusion_recovers_known_weights():
    from srtutor.models.fusion import ContextWiseFusion, PixelWiseFusion

    members = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        members.append(create("blocknet", scale=2, n_blocks=1, features=4))
    lr = torch.rand(32, 3, 6, 6)
    pwf = PixelWiseFusion(members, 2, 3, freeze_members=True)
    with torch.no_grad():
        o1, o2 = pwf.member_outputs(lr)
        hr = 0.7 * o1 + 0.3 * o2
    hist = S.fit_fusion(pwf, lr, hr, steps=400, lr_rate=1e-2, batch_size=16)
    assert hist[-1] < hist[0]
    assert pwf.weights.tolist() == pytest.approx([0.7, 0.3], abs=0.03)
    cnf = ContextWiseFusion(members, 2, 3, freeze_members=True)
    with torch.no_grad():  # an untrained CNF is the members' average
        assert torch.allclose(cnf(lr), (o1 + o2) / 2, atol=1e-6)
    S.fit_fusion(cnf, lr, hr, steps=50, lr_rate=1e-2)
    fresh = [create("blocknet", scale=2, n_blocks=1, features=4) for _ in range(2)]
    with pytest.raises(ValueError, match="freeze_members"):
        S.fit_fusion(PixelWiseFusion(fresh, 2, 3), lr, hr, steps=1)
    with pytest.raises(TypeError, match="fusion"):
        S.fit_fusion(members[0], lr, hr, steps=1)


def test_fusion_gives_a_y_member_its_bicubic_chroma():
    from srtutor.models.fusion import ContextWiseFusion

    torch.manual_seed(0)
    ynet = create("blocknet", scale=2, n_blocks=1, features=4, channels=1)
    lr = torch.rand(2, 3, 6, 6) * 0.5 + 0.25
    cnf = ContextWiseFusion([ynet, ynet], 2, 3)  # the average of one member twice is that member
    with torch.no_grad():
        fused = cnf(lr)
    ref = srtutor.models.upscale(ynet, lr, clamp=False)
    assert torch.allclose(fused, ref, atol=1e-5)
