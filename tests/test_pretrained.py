"""Shipped pretrained weights: loading, sha256 verification, clear errors, each model beats bicubic."""

import json
import shutil

import pytest
import torch

from srtutor import data
from srtutor.evaluate import evaluate_images
from srtutor.models import count_parameters, create, pretrained as models_pretrained
from srtutor.models.inference import upscale
from srtutor.pretrained import (
    PretrainedError, WEIGHTS_DIR, available_pretrained, default_protocol, model_card, model_cards, pretrained,
    sha256_file,
)
from srtutor.published import published, published_rows
from srtutor.recipes import available_recipes, get_recipe

SHIPPED = available_pretrained()
needs_weights = pytest.mark.skipif(not SHIPPED, reason="no weights shipped in srtutor/weights")


def _split(key):
    name, s = key.rsplit("-x", 1)
    return name, int(s)


@needs_weights
def test_cards_complete_and_files_match():
    files = {}
    for key, card in model_cards().items():
        path = WEIGHTS_DIR / card["file"]
        assert path.is_file(), path
        assert sha256_file(path) == card["sha256"]
        files[path] = path.stat().st_size  # multi-scale weights serve several cards from one file
        for field in ("model", "scale", "recipe", "steps", "seed", "data", "params", "dtype"):
            assert field in card, (key, field)
        assert card["dtype"] == "float16"
        state = torch.load(path, weights_only=True)
        assert all(v.dtype == torch.float16 for v in state.values() if v.is_floating_point())
    assert sum(files.values()) < 16 * 2**20  # the whole set stays small (package data)
    assert sorted(p.name for p in WEIGHTS_DIR.glob("*.pt")) == sorted(p.name for p in files)  # no orphan file


@needs_weights
@pytest.mark.parametrize("key", SHIPPED)
def test_load_and_parameter_count(key):
    name, scale = _split(key)
    net = pretrained(name, scale)
    assert not net.training and next(net.parameters()).dtype == torch.float32
    assert count_parameters(net) == count_parameters(create(net.card["model"], scale=scale, **net.card["kwargs"])) \
        == net.card["params"]
    assert models_pretrained(name, scale).card["sha256"] == net.card["sha256"]  # the registry delegates


@needs_weights
@pytest.mark.parametrize("key", SHIPPED)
def test_beats_bicubic_on_embedded_crop(key):
    """Benchmark protocol on a 120x120 crop of an embedded image (no data folder needed)."""
    name, scale = _split(key)
    net = pretrained(name, scale)
    hr = data.embedded_image("astronaut")[:, 40:160, 180:300]
    proto = default_protocol(net)
    ours = evaluate_images({"crop": hr}, scale, net, protocol=proto)["psnr"]
    bic = evaluate_images({"crop": hr}, scale, "bicubic", protocol=proto)["psnr"]
    assert ours > bic + 0.3, (key, ours, bic)


@needs_weights
def test_sha256_mismatch_is_refused(tmp_path):
    key = SHIPPED[0]
    name, scale = _split(key)
    card = model_card(name, scale)
    shutil.copy(WEIGHTS_DIR / "weights.json", tmp_path / "weights.json")
    raw = bytearray((WEIGHTS_DIR / card["file"]).read_bytes())
    raw[-10] ^= 0xFF
    (tmp_path / card["file"]).write_bytes(bytes(raw))
    with pytest.raises(PretrainedError, match="sha256 mismatch"):
        pretrained(name, scale, weights_dir=tmp_path)
    (tmp_path / card["file"]).unlink()
    with pytest.raises(PretrainedError, match="missing"):
        pretrained(name, scale, weights_dir=tmp_path)


def test_unknown_name_and_scale_list_available(tmp_path):
    with pytest.raises(PretrainedError, match="available:") as exc:
        pretrained("no-such-model", 3)
    for key in SHIPPED:
        assert key in str(exc.value)
    with pytest.raises(PretrainedError, match="scale=7"):
        pretrained("espcn", 7)
    with pytest.raises(TypeError, match="scale"):
        pretrained("espcn", 2.5)
    assert available_pretrained(tmp_path) == []
    with pytest.raises(PretrainedError, match="none shipped"):
        pretrained("espcn", 3, weights_dir=tmp_path)


def test_recipes():
    r = get_recipe("ESPCN-x3")
    assert (r.model, r.scale, r.patch) == ("espcn", 3, 17) and r.full().steps == r.full_steps
    assert {"srcnn-x3", "fsrcnn-x2", "vdsr-x4", "lapsrn-x4", "edsr-baseline-x2", "carn-x4"} <= set(available_recipes())
    for name in available_recipes():
        rec = get_recipe(name)
        create(rec.model, scale=rec.scale, **rec.kwargs)  # every recipe names a registered model
        assert rec.paper
    with pytest.raises(ValueError, match="available: "):
        get_recipe("espcn-x9")


def test_multi_scale_recipes_serve_every_factor():
    vdsr = get_recipe("vdsr-x234")
    assert vdsr.scales == (2, 3, 4) and vdsr.card_scales == (2, 3, 4)
    assert get_recipe("vdsr-x3") is vdsr and get_recipe("carn-x4") is get_recipe("carn-x234")
    assert get_recipe("carn-x234").kwargs == {"multi_scale": True}
    for r in (vdsr, get_recipe("carn-x234")):  # HR patches divisible by every factor
        assert all(r.scale * r.patch % s == 0 for s in r.scales)
    lap = get_recipe("lapsrn-x2")
    assert lap.name == "lapsrn-x4" and lap.deep_supervision and lap.card_scales == (2, 4)
    assert get_recipe("edsr-baseline-x4").init == "edsr-baseline-x2"
    assert get_recipe("espcn-x2").card_scales == (2,)


def test_export_multi_scale_and_partial_cards(tmp_path):
    """One file, one card per factor; LapSRN's x2 card loads the first level of the x4 file."""
    from dataclasses import replace

    from srtutor.pretrained import export_weights
    from srtutor.train import save_checkpoint

    torch.manual_seed(0)
    kw = {"depth": 1, "features": 8}
    net = create("lapsrn", scale=4, **kw)
    save_checkpoint(tmp_path / "lap.pt", net, meta={"name": "lapsrn", "scale": 4, "kwargs": kw, "steps_run": 1})
    recipe = replace(get_recipe("lapsrn-x4"), kwargs=kw)
    wdir = tmp_path / "w"
    cards = export_weights(tmp_path / "lap.pt", recipe, data_root=tmp_path / "no-data", weights_dir=wdir)
    assert sorted(cards) == ["lapsrn-x2", "lapsrn-x4"] and available_pretrained(wdir) == ["lapsrn-x2", "lapsrn-x4"]
    assert cards["lapsrn-x2"]["partial"] and "partial" not in cards["lapsrn-x4"]
    assert cards["lapsrn-x2"]["file"] == cards["lapsrn-x4"]["file"] == "lapsrn-x4.pt"
    assert cards["lapsrn-x2"]["params"] == count_parameters(create("lapsrn", scale=2, **kw)) < cards["lapsrn-x4"]["params"]
    x2, x4 = pretrained("lapsrn", 2, weights_dir=wdir), pretrained("lapsrn", 4, weights_dir=wdir)
    lr = torch.rand(1, 1, 10, 12)
    with torch.no_grad():
        level1 = x4.pyramid(lr)[0]
        assert torch.equal(x2(lr), level1) and level1.shape[-2:] == (20, 24)
    # a card marked partial whose file lacks tensors of its network is refused
    cards_json = json.loads((wdir / "weights.json").read_text())
    cards_json["lapsrn-x2"]["kwargs"] = {"depth": 2, "features": 8}
    (wdir / "weights.json").write_text(json.dumps(cards_json))
    with pytest.raises(PretrainedError, match="lacks"):
        pretrained("lapsrn", 2, weights_dir=wdir)


def test_published_table():
    assert published("bicubic", "Set5", 4) == (28.42, 0.8104)
    assert published("vdsr", "Set14", 2) == (33.05, 0.9130)
    assert published("carn-m", "Manga109", 2) is None
    for method in ("bicubic", "srcnn", "fsrcnn", "vdsr", "lapsrn", "edsr"):
        assert len(published_rows(method)) == 15  # 5 sets x 3 scales
    # every method improves on bicubic everywhere it is reported
    for row in published_rows():
        bic = published("bicubic", row["dataset"], row["scale"])
        assert row["psnr"] >= bic[0]
    # published rows are ordered by capacity on Set5 x4
    seq = [published(m, "Set5", 4)[0] for m in ("bicubic", "srcnn", "fsrcnn", "vdsr", "lapsrn", "edsr")]
    assert seq == sorted(seq)


@needs_weights
def test_card_figures_reproduce_when_data_present():
    """The Set5 figure in a card is what the evaluation measures now (to 1e-3 dB)."""
    if not data.benchmark_available("Set5", _root()):
        pytest.skip("Set5 not found")
    key = SHIPPED[0]
    name, scale = _split(key)
    net = pretrained(name, scale)
    card = net.card
    if "Set5" not in card.get("results", {}):
        pytest.skip("card without Set5 figure")
    images = data.load_benchmark("Set5", _root(), dtype=torch.float64)
    r = evaluate_images(images, scale, net, protocol=default_protocol(net))
    assert abs(r["psnr"] - card["results"]["Set5"]["psnr"]) < 1e-3


def _root():
    import os
    from pathlib import Path

    env = os.environ.get("SRTUTOR_DATA")
    cand = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data" / "benchmarks"
    return cand
