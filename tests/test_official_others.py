"""load_official adapters of srtutor.models.official_others: RCAN (authors', BasicSR), EDSR (BasicSR),
MSRN (authors'), DBPN (authors'), RDN (yjn870/RDN-pytorch).

Forward equivalence: each fixture in ``tests/fixtures/official/others/`` holds a state dict in the
reference layout, an input and the output of the reference network (the authors' or BasicSR's
own code, small configuration, seeded random weights), generated once by
``tests/fixtures/official/others/make_fixtures.py`` (see its docstring for commits and the command).
Loading the state dict into srtutor must reproduce that output.
"""

from pathlib import Path

import pytest
import torch

from srtutor.models import count_parameters
from srtutor.models.official import OfficialCheckpointError, adapters, load_official

FIX = Path(__file__).parent / "fixtures" / "official" / "others"

# case -> (srtutor model name, layout, scale, max abs difference allowed on [0, 1] images)
CASES = {
    "rcan_authors_x2": ("rcan", "authors", 2),
    "rcan_authors_x3": ("rcan", "authors", 3),
    "rcan_basicsr_x4": ("rcan", "basicsr", 4),
    "edsr_basicsr_x3": ("edsr-baseline", "basicsr", 3),
    "msrn_authors_x4": ("msrn", "authors", 4),
    "dbpn_authors_x2": ("dbpn", "authors", 2),
    "rdn_pytorch_x4": ("rdn", "pytorch", 4),
}
ATOL = 1e-5  # float32 rounding (outputs are O(1)); measured maxima are printed by -s


def _fixture(case):
    return torch.load(FIX / f"{case}.pt", weights_only=True)


@pytest.mark.parametrize("case", sorted(CASES))
def test_forward_equivalence_with_reference_code(case):
    name, layout, scale = CASES[case]
    fx = _fixture(case)
    net = load_official(name, {k: v.float() for k, v in fx["state"].items()}, scale=scale, layout=layout)
    assert net.official["layout"] == layout and net.scale == scale
    with torch.no_grad():
        out = net(fx["input"])
    assert out.shape == fx["output"].shape
    diff = (out - fx["output"]).abs().max().item()
    print(f"{case}: max |srtutor - reference| = {diff:.3g}")
    assert diff < ATOL, f"{case}: {diff}"


@pytest.mark.parametrize("case", sorted(CASES))
def test_layout_detected_and_scale_inferred(case):
    name, layout, scale = CASES[case]
    state = {k: v.float() for k, v in _fixture(case)["state"].items()}
    net = load_official(name, state)  # no scale, no layout: inferred from the tensors
    assert net.official["layout"] == layout and net.scale == scale
    # the full parameter count is that of the reference's state dict (minus frozen mean-shift convs)
    ref = sum(v.numel() for k, v in state.items() if not k.startswith(("sub_mean", "add_mean")))
    assert count_parameters(net) == ref


def test_adapters_registered():
    have = {(n, a.layout) for a in adapters() for n in a.names}
    assert {("rcan", "authors"), ("rcan", "basicsr"), ("edsr", "basicsr"), ("edsr-baseline", "basicsr"),
            ("msrn", "authors"), ("dbpn", "authors"), ("rdn", "pytorch")} <= have


# ----------------------------------------------------------------------------- bad checkpoints
def _state(case):
    return {k: v.float() for k, v in _fixture(case)["state"].items()}


def test_wrong_scale_refused():
    with pytest.raises(OfficialCheckpointError, match="x2 rcan.*scale=4"):
        load_official("rcan", _state("rcan_authors_x2"), scale=4)
    with pytest.raises(OfficialCheckpointError, match="x2 dbpn.*scale=4"):
        load_official("dbpn", _state("dbpn_authors_x2"), scale=4)


def test_wrong_model_refused():
    with pytest.raises(OfficialCheckpointError):
        load_official("msrn", _state("rcan_authors_x2"))
    with pytest.raises(OfficialCheckpointError):
        load_official("rdn", _state("edsr_basicsr_x3"))
    with pytest.raises(OfficialCheckpointError):
        load_official("dbpn", _state("rdn_pytorch_x4"))


def test_missing_tensor_refused():
    state = _state("msrn_authors_x4")
    state.pop("body.1.confusion.weight")
    with pytest.raises(OfficialCheckpointError, match="missing key.*blocks.1.fuse.weight"):
        load_official("msrn", state)


def test_extra_key_refused():
    state = _state("rdn_pytorch_x4")
    state["rdbs.0.extra.weight"] = torch.zeros(1)
    with pytest.raises(OfficialCheckpointError, match="unexpected key.*rdbs.0.extra.weight"):
        load_official("rdn", state)


def test_wrong_shape_refused():
    state = _state("rcan_basicsr_x4")
    state["conv_after_body.weight"] = torch.zeros(8, 8, 5, 5)
    with pytest.raises(OfficialCheckpointError, match="shape mismatch.*body.2.weight"):
        load_official("rcan", state, layout="basicsr")


def test_mean_shift_values_checked():
    state = _state("rcan_authors_x2")
    state["add_mean.bias"] = state["add_mean.bias"] + 10
    with pytest.raises(OfficialCheckpointError, match="different means"):
        load_official("rcan", state)


def test_truncated_file_refused(tmp_path):
    buf = tmp_path / "msrn.pt"
    torch.save(_fixture("msrn_authors_x4")["state"], buf)
    data = buf.read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(OfficialCheckpointError, match="cannot read checkpoint"):
        load_official("msrn", tmp_path / "cut.pt")
    net = load_official("msrn", buf)  # the whole file (float16 tensors) loads
    assert net.scale == 4


def test_basicsr_container_params_ema_preferred(tmp_path):
    # BasicSR saves {"params": ...} or {"params_ema": ..., "params": ...}; the EMA weights are the published ones
    fx = _fixture("rcan_basicsr_x4")
    junk = {k: torch.zeros_like(v) for k, v in fx["state"].items()}
    torch.save({"params_ema": fx["state"], "params": junk}, tmp_path / "RCAN_BIx4.pth")
    net = load_official("rcan", tmp_path / "RCAN_BIx4.pth")
    with torch.no_grad():
        assert (net(fx["input"]) - fx["output"]).abs().max() < ATOL
    torch.save({"params": fx["state"]}, tmp_path / "p.pth")
    assert load_official("rcan", tmp_path / "p.pth").official["layout"] == "basicsr"


def test_known_checkpoints_listed():
    from srtutor.models.official import known_checkpoints
    known = known_checkpoints()
    for key, model, layout in [("msrn-x4", "msrn", "authors"), ("dbpn-x8", "dbpn", "authors"), ("rdn-x3", "rdn", "pytorch")]:
        assert known[key]["model"] == model and known[key]["layout"] == layout
        assert known[key]["url"].startswith("https://") and known[key]["licence"] == "MIT"


def test_cli_upscale_with_an_official_checkpoint(tmp_path):
    # --checkpoint with --model: what a user runs after downloading e.g. MSRN_x4.pt
    import numpy as np

    from srtutor.cli import main
    from srtutor.io import read_image, write_image
    fx = _fixture("msrn_authors_x4")
    torch.save(fx["state"], tmp_path / "MSRN_x4.pt")
    write_image(tmp_path / "lr.png", fx["input"][0])
    assert main(["upscale", str(tmp_path / "lr.png"), str(tmp_path / "sr.png"), "--model", "msrn",
                 "--checkpoint", str(tmp_path / "MSRN_x4.pt"), "--scale", "4"]) in (0, None)
    sr = read_image(tmp_path / "sr.png")
    assert sr.shape == (3, 24, 20)
    # the PNG holds the reference output quantised to 8 bits (the input PNG was quantised too)
    assert np.abs(sr.numpy() - fx["output"][0].clamp(0, 1).numpy()).max() < 0.05
