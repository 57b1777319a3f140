"""srtutor.domains.train_weighted_sr: the face-weighted training loop of chapter 9."""

from __future__ import annotations

import torch
import torch.nn as nn

from srtutor import domains as D


def _pair(seed=0):
    g = torch.Generator().manual_seed(seed)
    hr = torch.rand(3, 32, 32, generator=g)
    inp = (hr + 0.1 * torch.randn(3, 32, 32, generator=g)).clamp(0, 1)
    return inp, hr


def _net():
    torch.manual_seed(0)
    return nn.Conv2d(3, 3, 3, padding=1)


def test_losses_fall_and_plain_equals_unit_weight():
    inp, hr = _pair()
    plain = D.train_weighted_sr(_net(), inp, hr, None, steps=30, patch=16, batch_size=4, lr=1e-2, seed=1)
    ones = D.train_weighted_sr(_net(), inp, hr, torch.ones(1, 32, 32), steps=30, patch=16, batch_size=4, lr=1e-2,
                               seed=1)
    assert len(plain) == 30 and all(torch.isfinite(torch.tensor(plain)))
    assert sum(plain[-5:]) < sum(plain[:5])  # it learns
    assert plain == ones  # weight None is the all-ones weight: the same loss, the same draws


def test_weight_changes_the_objective():
    inp, hr = _pair()
    w = torch.ones(1, 32, 32)
    w[:, :16] = 10.0  # the top half counts ten times more
    a = D.train_weighted_sr(_net(), inp, hr, None, steps=5, patch=16, batch_size=4, seed=1)
    b = D.train_weighted_sr(_net(), inp, hr, w, steps=5, patch=16, batch_size=4, seed=1)
    assert a[0] != b[0]
