"""Paper-exact forms of DRRN, MemNet, MSRN, DBPN, RCAN, RDN (checked against the authors' code).

Counts are computed by hand from the authors' files (see each model's docstring); the
forward-equivalence tests against the authors' code are in ``tests/test_official_others.py``.
"""

import torch
import torch.nn as nn

from srtutor import blocks as B
from srtutor.models import count_parameters, create


def test_drrn_paper_form_batchnorm_per_unit_shared_convs():
    # DRRN_B1U9_20C128 prototxt: 297,601 conv parameters + BN scale/shift 2 + 9 x 2 x 2 x 128 + 2 x 128
    net = create("drrn", channels=1, bn=True)
    assert count_parameters(net) == 297_601 + 2 + 9 * 512 + 256
    unit = net.units[0]
    assert len(unit.norms) == 9 and unit.norms[0][0] is not unit.norms[1][0]
    assert sum(isinstance(m, nn.Conv2d) for m in unit.modules()) == 2  # two convs, reused 9 times
    assert net.eval()(torch.rand(1, 1, 9, 7)).shape == (1, 1, 9, 7)


def test_drrn_light_form_keeps_srtutor01_keys():
    keys = set(create("drrn-small", channels=1).state_dict())
    assert {"entries.0.weight", "units.0.body.1.weight", "units.0.body.3.weight", "exit.1.weight"} <= keys


def test_memnet_paper_form_counts():
    # M6R6 prototxt: 678,215 without BN; BN scale/shift 2 + 6*6*256 + sum_m 128 (6 + m) + 6*128 = 17,282
    assert count_parameters(create("memnet", channels=1, bn=True)) == 678_215 + 17_282
    net = create("memnet-lite", channels=1, bn=True, features=8).eval()
    assert len(net.recon_norms) == 3 and net.recon_norms[0] is not net.recon_norms[1]
    outs = net.forward_all(torch.rand(2, 1, 6, 5))
    assert len(outs) == 4 and all(o.shape == (2, 1, 6, 5) for o in outs)


def test_msrb_second_layer_reads_the_same_concatenation():
    blk = B.MultiScaleResidualBlock(4)
    x = torch.rand(1, 4, 7, 7)
    s1, p1 = torch.relu(blk.conv3_1(x)), torch.relu(blk.conv5_1(x))
    cat = torch.cat([s1, p1], 1)
    want = blk.fuse(torch.cat([torch.relu(blk.conv3_2(cat)), torch.relu(blk.conv5_2(cat))], 1)) + x
    torch.testing.assert_close(blk(x), want)


def _scaled_biases(net: nn.Module, factor: float) -> None:
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)) and m.bias is not None:
                m.bias.mul_(factor)


def test_rgb_range_is_a_reparametrisation():
    # ReLU networks without attention are positively homogeneous: computing in 0-255 with biases
    # x255 gives the same function as computing in [0, 1] (what load_official relies on)
    x = torch.rand(1, 3, 6, 6)
    for name, kw in [("rdn-small", {}), ("msrn-small", {})]:
        torch.manual_seed(0)
        a = create(name, scale=2, **kw).eval()
        b = create(name, scale=2, rgb_range=255, **kw).eval()
        b.load_state_dict(a.state_dict())
        _scaled_biases(b, 255.0)
        torch.testing.assert_close(b(x), a(x), rtol=1e-4, atol=1e-5)


def test_dbpn_concatenates_newest_first():
    torch.manual_seed(0)
    net = create("dbpn", scale=2, n0=8, features=4, stages=3).eval()
    x = torch.rand(1, 3, 5, 5)
    h1 = net.ups[0](net.extract(x))
    l1 = net.downs[0](h1)
    h2 = net.ups[1](l1)
    l2 = net.downs[1](torch.cat([h2, h1], 1))
    h3 = net.ups[2](torch.cat([l2, l1], 1))
    torch.testing.assert_close(net(x), net.reconstruct(torch.cat([h3, h2, h1], 1)))


def test_lapsrn_feature_upconv_is_matconvnet_crop_0101():
    # MatConvNet ConvTranspose(upsample 2, crop [0 1 0 1]) of a 3x3 filter: scatter x[i, j] * f[u, v]
    # to (2i + u, 2j + v) over the full (2H + 1) x (2W + 1) grid, keep rows/columns 0 .. 2H-1
    from srtutor.models.lapsrn import _CroppedUpconv
    up = _CroppedUpconv(1, 1, 3, stride=2)
    x = torch.rand(1, 1, 3, 4)
    f, b = up.weight[0, 0].detach(), up.bias.detach()
    full = torch.zeros(7, 9)
    for i in range(3):
        for j in range(4):
            full[2 * i: 2 * i + 3, 2 * j: 2 * j + 3] += x[0, 0, i, j] * f
    torch.testing.assert_close(up(x)[0, 0].detach(), full[:6, :8] + b)


def test_lapsrn_paper_form_counts():
    # init_LapSRN_model.m, depth 10, Y: weights 576 + L (11 * 36,864 + 576 + 16) -> x4: 812,768 (paper: 812K)
    net = create("lapsrn", scale=4)
    assert sum(p.numel() for n, p in net.named_parameters() if n.endswith("weight")) == 812_768
    assert all(up.bias is None for up in net.images)
