"""Face SR with structural priors on synthetic faces: the data (srtutor.priors.face_sr_batch) and
the two training loops on the engine (srtutor.domains.face: train_landmark_net, train_face_sr)."""

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from srtutor import domains, priors
from srtutor.domains import face
from srtutor.models import create
from srtutor.models.fsrnet import face_prior_loss
from srtutor.resize import imresize


@settings(max_examples=8, deadline=None)
@given(n=st.integers(1, 3), lr_size=st.integers(8, 12), scale=st.sampled_from([2, 4]))
def test_face_sr_batch_shapes_and_ranges(n, lr_size, scale):
    size = lr_size * scale
    b = priors.face_sr_batch(n, size, scale, seed=3)
    assert b["hr"].shape == b["up"].shape == (n, 3, size, size)
    assert b["lr"].shape == (n, 3, lr_size, lr_size)
    assert b["heatmaps"].shape == (n, 5, size, size) and b["parsing"].shape == (n, size, size)
    for k in ("hr", "lr", "up", "heatmaps"):
        assert float(b[k].min()) >= 0 and float(b[k].max()) <= 1
    assert torch.equal(b["lr"], imresize(b["hr"], scale=1 / scale).clamp(0, 1))
    assert torch.equal(b["up"], imresize(b["lr"], scale=scale).clamp(0, 1))


def test_face_sr_batch_heatmaps_peak_at_the_landmarks():
    b = priors.face_sr_batch(4, 64, 4, seed=0)
    peaks = priors.heatmap_argmax(b["heatmaps"])  # pixel centres
    assert float((peaks - b["landmarks"]).abs().max()) <= 0.5 + 1e-6
    assert float(b["heatmaps"].amax(dim=(-2, -1)).min()) > 0.8  # sigma = 2 px: peak within half a pixel
    with pytest.raises(ValueError, match="multiple of scale"):
        priors.face_sr_batch(1, 30, 4)


def test_train_face_sr_learns_and_is_reproducible():
    b = priors.face_sr_batch(16, 32, 4, seed=1)
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        m = create("fsrnet-lite", scale=4, features=8)
        runs.append(face.train_face_sr(m, b, steps=30, prior_weight=0.1, batch_size=4, seed=5))
    assert runs[0] == runs[1]
    assert sum(runs[0][-5:]) < sum(runs[0][:5])  # the loss falls
    assert not m.training
    torch.manual_seed(0)
    base = create("fsrnet-lite", scale=4, features=8, use_priors=False)
    hist = domains.train_face_sr(base, b, steps=3, prior_weight=0.0, batch_size=4)
    assert len(hist) == 3
    with pytest.raises(ValueError, match="steps"):
        face.train_face_sr(base, b, steps=0)
    with pytest.raises(ValueError, match="batch_size"):
        face.train_face_sr(base, b, steps=2, batch_size=0)


def _batches(n, size, seed):
    """The mini-batch draws the loops promise: min(size, n) indices with replacement per step."""
    g = torch.Generator().manual_seed(seed)
    while True:
        yield torch.randint(0, n, (min(size, n),), generator=g)


def test_train_face_sr_is_adam_with_cosine_on_fsrnet_loss():
    # the engine-based loop equals a hand-written one: Adam, cosine lr to 2 %, face_prior_loss,
    # the same draws (16 faces, batches of 4, seed 5), step by step and in the final weights
    b = priors.face_sr_batch(16, 32, 4, seed=1)
    torch.manual_seed(0)
    m = create("fsrnet-lite", scale=4, features=8)
    ref = create("fsrnet-lite", scale=4, features=8)
    ref.load_state_dict(m.state_dict())
    steps, lr = 12, 2e-3
    hist = face.train_face_sr(m, b, steps=steps, prior_weight=0.1, lr=lr, batch_size=4, seed=5)
    opt = torch.optim.Adam(ref.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps, eta_min=0.02 * lr)
    draws, expected = _batches(16, 4, 5), []
    ref.train()
    for _ in range(steps):
        i = next(draws)
        loss, _ = face_prior_loss(ref(b["up"][i], return_all=True), b["hr"][i], b["heatmaps"][i], b["parsing"][i],
                                  prior_weight=0.1)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        expected.append(loss.item())
    assert hist == pytest.approx(expected, rel=1e-5, abs=1e-7)
    for p, q in zip(m.parameters(), ref.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-6)


def test_landmark_net_learns_synthetic_faces():
    torch.manual_seed(0)
    data = priors.synthetic_faces(48, 32, seed=0)
    heat = priors.landmark_heatmaps(data["landmarks"], (32, 32), sigma=1.5)
    net = priors.LandmarkNet(features=16)
    hist = face.train_landmark_net(net, data["image"], heat, steps=150, seed=0)
    assert len(hist) == 150 and not net.training
    assert sum(hist[-10:]) / 10 < 0.5 * sum(hist[:10]) / 10
    test = priors.synthetic_faces(16, 32, seed=99)
    with torch.no_grad():
        err = (priors.heatmap_argmax(net(test["image"])) - test["landmarks"]).norm(dim=-1)
    assert err.median() < 3.0  # pixels, on unseen faces


def test_train_landmark_net_is_plain_adam_mse_and_reproducible():
    # a constant-rate Adam fit of the MSE on the promised draws: bit-identical to a hand-written loop
    data = priors.synthetic_faces(12, 16, seed=2)
    heat = priors.landmark_heatmaps(data["landmarks"], (16, 16), sigma=1.5)
    torch.manual_seed(0)
    net = priors.LandmarkNet(features=4)
    init = {k: v.clone() for k, v in net.state_dict().items()}
    hist = domains.train_landmark_net(net, data["image"], heat, steps=8, lr=3e-3, batch=5, seed=7)
    ref = priors.LandmarkNet(features=4)
    ref.load_state_dict(init)
    opt = torch.optim.Adam(ref.parameters(), lr=3e-3)
    draws, expected = _batches(12, 5, 7), []
    for _ in range(8):
        i = next(draws)
        loss = F.mse_loss(ref(data["image"][i]), heat[i])
        opt.zero_grad()
        loss.backward()
        opt.step()
        expected.append(loss.item())
    assert hist == expected
    assert all(torch.equal(p, q) for p, q in zip(net.parameters(), ref.parameters()))
    again = priors.LandmarkNet(features=4)
    again.load_state_dict(init)
    assert face.train_landmark_net(again, data["image"], heat, steps=8, lr=3e-3, batch=5, seed=7) == hist
    other = priors.LandmarkNet(features=4)
    other.load_state_dict(init)
    assert face.train_landmark_net(other, data["image"], heat, steps=8, lr=3e-3, batch=5, seed=8) != hist
    # a batch larger than the data set draws all N rows (with replacement) per step
    assert len(face.train_landmark_net(priors.LandmarkNet(features=4), data["image"], heat, steps=2, batch=50)) == 2
    with pytest.raises(ValueError, match="steps"):
        face.train_landmark_net(net, data["image"], heat, steps=0)
    with pytest.raises(ValueError, match="batch"):
        face.train_landmark_net(net, data["image"], heat, batch=0)
    with pytest.raises(ValueError, match="heatmaps"):
        face.train_landmark_net(net, data["image"], heat[:6])
    with pytest.raises(ValueError, match="heatmaps"):
        face.train_landmark_net(net, data["image"], heat[..., :8])


def test_the_loops_left_srtutor_priors():
    # priors holds data and pieces (pipelines layer); the loops are engine applications
    assert not hasattr(priors, "train_landmark_net") and not hasattr(priors, "train_face_sr")
    assert {"train_landmark_net", "train_face_sr"} <= set(domains.__all__)
