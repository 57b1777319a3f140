"""One constructor vocabulary for every registered model (issue 12, item 1).

``channels`` = image channels (1 = Y, 3 = RGB), ``features`` = body width, ``supported_scales``
on every class; :func:`srtutor.models.create` checks names, kwargs and the scale; the srtutor 0.1
names (``colors``; ``channels`` meaning the width) still work with a ``DeprecationWarning`` or
fail loudly where ambiguous.
"""

import inspect
import json
import warnings

import pytest
import torch

import srtutor
from srtutor.models import available, create, model_class, supported_scales
from srtutor.models.carn import CARN

# models whose papers name their widths with their own symbols (documented in their docstrings)
PAPER_SYMBOLS = {"fsrcnn": {"d", "s"}, "fsrcnn-s": {"d", "s"}, "dbpn": {"n0", "features"}}


V01 = ["blocknet", "carn", "carn-m", "dbpn", "dbpn-small", "drrn", "drrn-small", "edsr", "edsr-baseline", "espcn",
       "fsrcnn", "fsrcnn-s", "lapsrn", "memnet", "memnet-lite", "metasr", "metasr-small", "msrn", "msrn-small",
       "rcan", "rcan-small", "rdn", "rdn-small", "srcnn", "srcnn-915", "vdsr"]


def test_the_models_of_srtutor_0_1_are_still_registered():
    assert set(V01) <= set(available())


@pytest.mark.parametrize("name", available())
def test_every_model_class_has_the_vocabulary(name):
    cls = model_class(name)
    params = inspect.signature(cls).parameters
    assert "scale" in params and "channels" in params
    assert "colors" not in params
    assert "features" in params or PAPER_SYMBOLS.get(name, set()) <= set(params)
    s = cls.supported_scales
    assert s is None or (isinstance(s, tuple) and s and all(isinstance(v, int) and v >= 2 for v in s))
    assert supported_scales(name) == s


SMALL = {  # name -> small kwargs so that every registered model runs a forward pass quickly
    "blocknet": {"n_blocks": 1, "features": 8}, "carn": {"features": 8}, "carn-m": {"features": 8},
    "dbpn": {"n0": 8, "features": 4, "stages": 2}, "dbpn-small": {}, "drrn": {"features": 8, "units": 2},
    "drrn-small": {}, "edsr": {"n_resblocks": 1, "features": 8}, "edsr-baseline": {"n_resblocks": 1, "features": 8},
    "espcn": {}, "fsrcnn": {}, "fsrcnn-s": {}, "lapsrn": {"depth": 1, "features": 8},
    "memnet": {"features": 8, "memory_blocks": 2, "recursions": 2}, "memnet-lite": {},
    "metasr": {"features": 8, "n_resblocks": 1, "hidden": 8}, "metasr-small": {},
    "msrn": {"n_blocks": 1, "features": 8}, "msrn-small": {}, "rcan": {"n_groups": 1, "n_blocks": 1, "features": 16},
    "rcan-small": {}, "rdn": {"D": 2, "C": 2, "G": 8, "features": 8}, "rdn-small": {},
    "srcnn": {}, "srcnn-915": {}, "vdsr": {"depth": 3, "features": 8},
    "cnf": {}, "drcn": {"features": 8, "recursions": 2}, "drcn-small": {}, "dsrn": {}, "fsrnet-lite": {},
    "multitask-sr": {}, "mdsr": {"n_resblocks": 1, "features": 8}, "mdsr-baseline": {"n_resblocks": 1, "features": 8},
}


def test_small_table_covers_every_model():
    assert set(SMALL) == set(available())


@pytest.mark.parametrize("name", available())
@pytest.mark.parametrize("channels", [1, 3])
def test_every_model_builds_for_one_or_three_image_channels(name, channels):
    scale = 2
    net = create(name, scale=scale, channels=channels, **SMALL[name]).eval()
    assert net.in_channels == channels and net.scale == scale
    lr = torch.rand(1, channels, 6, 7)
    with torch.no_grad():
        sr = srtutor.models.upscale(net, lr, scale, clamp=False)
    assert sr.shape == (1, channels, 12, 14)


def test_rcan_small_with_one_image_channel():
    net = create("rcan-small", channels=1)
    assert net.in_channels == 1
    assert model_class("rcan-small") is type(net)
    # the width stays the small model's 32 feature maps (not one feature map, as in srtutor 0.1)
    assert net.head.weight.shape[:2] == (32, 1)
    assert net(torch.rand(1, 1, 5, 5)).shape == (1, 1, 10, 10)


def test_old_width_meaning_is_refused_with_the_new_meaning():
    with pytest.raises(ValueError, match=r"image channels.*features=64"):
        create("rcan", channels=64)
    with pytest.raises(ValueError, match="features=8"):
        create("blocknet", channels=8)


def test_colors_is_deprecated_but_works():
    with pytest.warns(DeprecationWarning, match="colors="):
        net = create("drrn-small", colors=1)
    assert net.in_channels == 1
    with pytest.warns(DeprecationWarning, match="colors="):
        net = CARN(colors=1, features=8)  # the class itself accepts the old name too
    assert net.in_channels == 1


def test_old_call_with_colors_and_width_channels_is_translated():
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        net = create("carn", colors=3, channels=8)
    msgs = [str(w.message) for w in rec if w.category is DeprecationWarning]
    assert any("features=" in m for m in msgs) and any("colors=" in m for m in msgs)
    assert net.in_channels == 3 and net.entry.weight.shape[0] == 8


def test_rdn_old_g0_name():
    with pytest.warns(DeprecationWarning, match="G0="):
        net = create("rdn-small", G0=16)
    assert net.sfe1.weight.shape[0] == 16


def test_both_names_at_once_is_an_error():
    with pytest.raises(ValueError, match="not both"):
        create("espcn", colors=1, channels=1)


def test_unknown_kwarg_names_the_argument():
    with pytest.raises(TypeError, match="'n_feats'.*accepts: .*features"):
        create("edsr", n_feats=64)


def test_unknown_model_lists_available():
    with pytest.raises(ValueError, match="available: .*rcan"):
        create("rcan-huge")


@pytest.mark.parametrize("name,scale", [("espcn", 2.0), ("edsr-baseline", 4.0), ("lapsrn", 8.0), ("vdsr", 3.0)])
def test_integer_valued_float_scales_are_accepted(name, scale):
    net = create(name, scale=scale, **SMALL[name])
    assert net.scale == int(scale) and isinstance(net.scale, int)


def test_scale_errors_name_the_argument_and_the_supported_factors():
    with pytest.raises(ValueError, match=r"scale=3 .*'lapsrn'.*2, 4, 8"):
        create("lapsrn", scale=3)
    with pytest.raises(ValueError, match=r"scale=2.5.*integer"):
        create("espcn", scale=2.5)
    with pytest.raises(ValueError, match="scale"):
        create("rdn-small", scale=8)
    with pytest.raises(TypeError, match="scale"):
        create("espcn", scale=True)
    with pytest.raises(TypeError, match="scale"):
        create("espcn", scale="2")
    with pytest.raises(ValueError, match="scale"):
        create("vdsr", scale=-2)


def test_arbitrary_scale_models_take_non_integer_factors():
    assert create("metasr-small", scale=1.5).scale == 1.5
    assert create("vdsr", scale=2.5, depth=3).scale == 2.5


SCALES = [-3, 0, 0.5, 1, 1.0, 1.5, 2, 2.0, 2.5, 3, 3.0000001, 4, 5.0, 7, 8, 9, 12, 1e9, float("inf")]


@pytest.mark.parametrize("scale", SCALES)
def test_create_scale_check_agrees_with_supported_scales(scale):
    sup = supported_scales("espcn")
    ok = float(scale) < 100 and float(scale).is_integer() and int(scale) in sup
    if ok:
        net = create("espcn", scale=scale)
        assert net.scale == int(scale) and net.upsample.shuffle.upscale_factor == int(scale)
    else:
        with pytest.raises(ValueError, match="scale"):
            create("espcn", scale=scale)


def test_model_card_with_old_names_still_loads(tmp_path):
    """A model card written by srtutor 0.1 (``colors``, ``channels`` = width) keeps loading."""
    from srtutor.io import sha256_file
    from srtutor.pretrained import pretrained

    torch.manual_seed(0)
    net = create("carn", scale=2, features=8, multi_scale=True).eval()
    net.load_state_dict({k: v.half().float() for k, v in net.state_dict().items()})  # as shipped: float16
    torch.save({k: v.half() for k, v in net.state_dict().items()}, tmp_path / "w.pt")
    card = {"model": "carn", "scale": 2, "kwargs": {"colors": 3, "channels": 8, "multi_scale": True},
            "file": "w.pt", "sha256": sha256_file(tmp_path / "w.pt")}
    (tmp_path / "weights.json").write_text(json.dumps({"carn-x2": card}))
    with pytest.warns(DeprecationWarning):
        loaded = pretrained("carn", 2, weights_dir=tmp_path)
    x = torch.rand(1, 3, 6, 6)
    assert torch.allclose(loaded(x, scale=2), net(x, scale=2), atol=1e-6)
