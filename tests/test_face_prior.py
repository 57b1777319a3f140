"""Face SR with structural priors on synthetic faces: srtutor.priors.face_sr_batch, train_face_sr."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from srtutor import priors
from srtutor.models import create
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
        runs.append(priors.train_face_sr(m, b, steps=30, prior_weight=0.1, batch_size=4, seed=5))
    assert runs[0] == runs[1]
    assert sum(runs[0][-5:]) < sum(runs[0][:5])  # the loss falls
    assert not m.training
    torch.manual_seed(0)
    base = create("fsrnet-lite", scale=4, features=8, use_priors=False)
    hist = priors.train_face_sr(base, b, steps=3, prior_weight=0.0, batch_size=4)
    assert len(hist) == 3
    with pytest.raises(ValueError, match="steps"):
        priors.train_face_sr(base, b, steps=0)
