"""Model families of chapters 5-6: parameter counts against the papers, shapes, helpers."""

import pytest
import torch

from srtutor import models
from srtutor.models import count_parameters, create


def _weights(m):
    return sum(p.numel() for n, p in m.named_parameters() if n.endswith("weight") and p.ndim > 1)


def test_registry_lists_families():
    names = models.available()
    for n in ["srcnn", "srcnn-915", "vdsr", "fsrcnn", "espcn", "edsr-baseline", "lapsrn", "dbpn", "dbpn-small",
              "metasr", "metasr-small"]:
        assert n in names


def test_srcnn_counts():
    # Dong et al. 2016 (TPAMI), Y channel, 64/32 filters: 9-5-5 has 57,184 weights, 9-1-5 has 8,032
    m = create("srcnn", scale=3)
    assert _weights(m) == 57_184 and count_parameters(m) == 57_184 + 97
    m = create("srcnn-915", scale=3)
    assert _weights(m) == 8_032 and count_parameters(m) == 8_032 + 97
    assert m.upsampling == "pre" and m.in_channels == 1


def test_vdsr_count():
    # Kim et al. 2016 / survey: "665K"; 20 layers of 3x3x64, Y channel, biases included
    m = create("vdsr", scale=2)
    assert count_parameters(m) == 665_921 and _weights(m) == 664_704
    x = torch.rand(1, 1, 8, 8)
    assert m(x).shape == x.shape


def test_fsrcnn_count():
    # Dong et al. 2016 (ECCV): FSRCNN(56,12,4) 12,464 weights (biases and PReLU slopes not counted)
    m = create("fsrcnn", scale=3)
    assert _weights(m) == 12_464
    assert count_parameters(m) == 12_464 + 173 + 172
    assert _weights(create("fsrcnn-s", scale=3)) == 3_937
    assert m(torch.rand(2, 1, 7, 9)).shape == (2, 1, 21, 27)


@pytest.mark.parametrize("scale,n", [(2, 21_284), (3, 22_729), (4, 24_752)])
def test_espcn_count(scale, n):
    m = create("espcn", scale=scale)
    assert count_parameters(m) == n
    assert m(torch.rand(1, 1, 5, 6)).shape == (1, 1, 5 * scale, 6 * scale)


def test_edsr_baseline_count():
    # Lim et al. 2017: EDSR-baseline ×2 "1.37M" (biases included; mean shift is a buffer)
    m = create("edsr-baseline", scale=2)
    assert count_parameters(m) == 1_369_859
    assert count_parameters(create("edsr-baseline", scale=4)) == 1_517_571
    assert m(torch.rand(1, 3, 6, 5)).shape == (1, 3, 12, 10)
    assert not any(isinstance(mod, torch.nn.BatchNorm2d) for mod in m.modules())


def test_lapsrn_count_and_pyramid():
    # the LapSRN paper / survey quote 812K at ×4: the authors' layers (init_LapSRN_model.m: 3x3 feature
    # upconv, bias-free image upconv) give 812,768 weights exactly; srtutor 0.1's variant 870,112
    m = create("lapsrn", scale=4)
    assert count_parameters(m) == 814_242 and _weights(m) == 812_768
    old = create("lapsrn", scale=4, paper=False)
    assert count_parameters(old) == 871_588 and _weights(old) == 870_112
    outs = create("lapsrn", scale=8, depth=1).pyramid(torch.rand(1, 1, 5, 6))
    assert [o.shape[-2:] for o in outs] == [(10, 12), (20, 24), (40, 48)]
    with pytest.raises(ValueError, match="scale"):
        create("lapsrn", scale=3)


def test_dbpn_counts_and_shapes():
    # Haris et al. 2018, D-DBPN ×4: survey lists 10.4M
    assert count_parameters(create("dbpn", scale=4)) == 10_426_358
    m = create("dbpn-small", scale=2)
    assert count_parameters(m) == 142_278
    for s in (2, 3, 4):
        assert create("dbpn-small", scale=s)(torch.rand(1, 3, 6, 7)).shape == (1, 3, 6 * s, 7 * s)


def test_metasr_arbitrary_scale():
    m = create("metasr-small", scale=2.0)
    assert count_parameters(m) == 140_544
    assert count_parameters(create("metasr")) == 1_074_688
    x = torch.rand(1, 3, 10, 10)
    assert m(x, scale=2.5).shape == (1, 3, 25, 25)
    assert m(x, scale=3.7).shape == (1, 3, 37, 37)


def test_frameworks_declared():
    fw = {n: create(n, scale=2).upsampling for n in ["srcnn", "vdsr", "fsrcnn", "espcn", "edsr-baseline",
                                                     "lapsrn", "dbpn-small", "metasr-small"]}
    assert fw == {"srcnn": "pre", "vdsr": "pre", "fsrcnn": "post", "espcn": "post", "edsr-baseline": "post",
                  "lapsrn": "progressive", "dbpn-small": "iterative", "metasr-small": "meta"}


def test_upscale_helper_pre_and_y():
    torch.manual_seed(0)
    lr = torch.rand(3, 8, 10)
    # SRCNN is pre-upsampling and 1-channel: output RGB at the HR size, in [0, 1]
    m = create("srcnn", scale=2)
    sr = models.upscale(m, lr)
    assert sr.shape == (3, 16, 20) and 0 <= float(sr.min()) and float(sr.max()) <= 1
    # an identity "pre" network returns the bicubic upscaling (Y replaced by itself)
    class Ident(torch.nn.Module):
        upsampling, in_channels, scale = "pre", 1, 2

        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(1))

        def forward(self, x):
            return x + self.w

    from srtutor.models.inference import bicubic_upsample
    ref = bicubic_upsample(lr[None], (16, 20))[0]
    assert torch.allclose(models.upscale(Ident(), lr), ref, atol=1e-5)
    # batched and meta models
    assert models.upscale(create("metasr-small"), lr[None].repeat(2, 1, 1, 1), 1.5).shape == (2, 3, 12, 15)
    with pytest.raises(ValueError, match="lr"):
        models.upscale(m, torch.rand(2, 8, 8))


def test_unknown_model():
    with pytest.raises(ValueError, match="available"):
        create("no-such-model")


def test_metasr_bicubic_skip_starts_at_bicubic():
    m = create("metasr-small", scale=2.0)  # zero-initialised filters: output = bicubic at first
    x = torch.rand(1, 3, 8, 8)
    ref = torch.nn.functional.interpolate(x, size=(20, 20), mode="bicubic", align_corners=False)
    assert torch.allclose(m(x, scale=2.5), ref, atol=1e-6)
    assert not create("metasr").bicubic_skip
