"""The authors' checkpoints in srtutor models (srtutor.models.official).

Forward equivalence: ``tests/fixtures/official/reference.pt`` holds outputs of the authors' own
architectures (CARN-pytorch, EDSR-PyTorch) with seeded random weights, made once by
``tests/fixtures/official/generate.py`` (README.md there); every adapter must reproduce them.
With the authors' CARN-M file at ../shared/data/official/carn_m.pth, the loaded network must
also reproduce the paper's CARN-M rows.
"""

import importlib.util
import json
import os
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings, strategies as st

from srtutor import data
from srtutor.models import count_parameters, create
from srtutor.models import official
from srtutor.models.official import (
    KNOWN_CHECKPOINTS, Converted, OfficialCheckpointError, adapters, load_official, read_state_dict, register_adapter,
    rename,
)

FIX = Path(__file__).resolve().parent / "fixtures" / "official"
_spec = importlib.util.spec_from_file_location("official_fixture_gen", FIX / "generate.py")
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)
CASES = torch.load(FIX / "reference.pt", weights_only=True)
FORWARD = sorted(k for k, c in CASES.items() if "outputs" in c and "layout" in c)

CARN_M = Path(__file__).resolve().parents[2] / "shared" / "data" / "official" / "carn_m.pth"
needs_carn_m = pytest.mark.skipif(not CARN_M.is_file(), reason=f"the authors' CARN-M checkpoint is not at {CARN_M} "
                                  "(fetch it with scripts/fetch_official.py carn-m)")


def _root() -> Path:
    env = os.environ.get("SRTUTOR_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data" / "benchmarks"


def _state(case: str) -> dict:
    c = CASES[case]
    return gen.seeded_state(gen.decode_layout(c["layout"]), c["fixed"], c.get("seed", 0))


def _run(net, x, s):
    with torch.no_grad():
        return net(x, scale=s) if getattr(net, "multi_scale", False) else net(x)


@pytest.mark.parametrize("case", FORWARD)
def test_forward_equals_authors_architecture(case):
    """One forward pass per scale equals the authors' network with the same weights."""
    c = CASES[case]
    net = load_official(c["model"], _state(case), scale=c["scale"], **c["options"])
    assert not net.training
    for s, ref in c["outputs"].items():
        out = _run(net, c["input"], int(s))
        assert out.shape == ref.shape
        tol = 1e-5 * max(1.0, float(ref.abs().max()))  # EDSR: [0, 255] folded into [0, 1] weights
        assert torch.allclose(out, ref, rtol=0, atol=tol), (case, s, float((out - ref).abs().max()))
    assert net.official["source"] in ("github.com/nmhkahn/CARN-pytorch", "github.com/sanghyun-son/EDSR-PyTorch")


@pytest.mark.parametrize("case", ["edsr-x2-layout", "mdsr-layout"])
def test_full_size_layouts_fit(case):
    """The published full-size EDSR (32 blocks, 256 wide) and MDSR (80 blocks) layouts fit the
    registered models by name and shape (no forward pass: cheap constant tensors)."""
    c = CASES[case]
    layout = gen.decode_layout(c["layout"])
    state = {k: c["fixed"][k] if k in c["fixed"] else torch.zeros(()).expand(*shape) for k, shape in layout}
    net = load_official(c["model"], state)
    assert net.official["rgb_range"] == 255.0
    if case == "mdsr-layout":
        # the authors' count minus their two frozen 1x1 mean-shift convolutions (2 x 12 values)
        assert count_parameters(net) == c["params"] - 24 == 7_953_987
        assert net.official["scales"] == (2, 3, 4)


def test_carn_counts_match_authors_layout():
    for case, model in (("carn", "carn"), ("carn-m", "carn-m")):
        n = sum(torch.Size(s).numel() for k, s in gen.decode_layout(CASES[case]["layout"]) if "mean" not in k)
        if model == "carn-m":  # the shared residual block is stored once by the authors, once per use by PyTorch here
            assert count_parameters(create(model, multi_scale=True)) == n == 414_787
        else:
            assert count_parameters(create(model, multi_scale=True)) == n == 1_591_939


# ----------------------------------------------------------------------------- bad checkpoints
def _msg(exc) -> str:
    return str(exc.value)


def test_wrong_model_is_refused():
    with pytest.raises(OfficialCheckpointError) as exc:
        load_official("carn-m", _state("carn"))  # CARN's three residual blocks per cascade, full convs
    m = _msg(exc)
    assert "does not fit srtutor model 'carn-m'" in m and "unexpected key" in m and "b1.b2.body.0.weight" in m
    assert "shape mismatch" in m and "another model" in m
    with pytest.raises(OfficialCheckpointError, match="missing key"):
        load_official("edsr", _state("edsr-baseline-x2"))  # 16 blocks, 64 wide vs EDSR's 32 x 256


def test_wrong_scale_is_refused():
    st = _state("carn-m-x3")  # a single-scale x3 file
    with pytest.raises(OfficialCheckpointError) as exc:
        load_official("carn-m", st, scale=2)
    assert "upsample.2.0.weight: checkpoint (576, 16, 3, 3), model (256, 16, 3, 3)" in _msg(exc)
    with pytest.raises(OfficialCheckpointError, match=r"missing key\(s\): upsample\.8\.0\.weight"):
        load_official("carn-m", _state("carn-m"), scale=8)  # the multi-scale file has x2/x3/x4 only
    with pytest.raises(OfficialCheckpointError, match="scales"):
        load_official("mdsr-baseline", _state("mdsr-baseline"), scale=8)
    with pytest.raises(OfficialCheckpointError, match="shape mismatch"):
        load_official("edsr-baseline", _state("edsr-baseline-x3"), scale=2)


def test_truncated_file_is_refused(tmp_path):
    good = tmp_path / "good.pth"
    torch.save(_state("carn-m"), good)
    bad = tmp_path / "truncated.pth"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(OfficialCheckpointError, match="cannot read checkpoint .*truncated"):
        load_official("carn-m", bad)
    with pytest.raises(OfficialCheckpointError, match="does not exist"):
        load_official("carn-m", tmp_path / "absent.pth")
    assert load_official("carn-m", good).official["scales"] == (2, 3, 4)  # the whole file loads


def test_extra_keys_are_refused():
    st = _state("edsr-baseline-x2")
    st["tail.0.4.weight"] = torch.zeros(1)
    st["attention.weight"] = torch.zeros(3, 3)
    with pytest.raises(OfficialCheckpointError) as exc:
        load_official("edsr-baseline", st)
    assert "2 unexpected key(s)" in _msg(exc) and "attention.weight (3, 3)" in _msg(exc)
    st = _state("carn")
    st["b1.b4.body.0.weight"] = st["b1.b1.body.0.weight"]
    with pytest.raises(OfficialCheckpointError, match=r"b1\.b4\.body\.0\.weight"):
        load_official("carn", st)


def test_altered_mean_shift_is_refused():
    st = _state("carn-m")
    st["sub_mean.shifter.bias"] = torch.zeros(3)
    with pytest.raises(OfficialCheckpointError, match="mean shift"):
        load_official("carn-m", st)


def test_pickled_code_is_refused(tmp_path):
    p = tmp_path / "evil.pth"
    torch.save({"state_dict": _state("carn-m"), "hook": torch.nn.ReLU()}, p)  # a module, not plain data
    with pytest.raises(OfficialCheckpointError, match="weights_only|cannot read"):
        load_official("carn-m", p)


def test_containers_and_prefixes_are_unwrapped():
    st = _state("carn-m-x3")
    wrapped = {"params": {f"module.{k}": v for k, v in st.items()}}
    assert read_state_dict(wrapped).keys() == st.keys()
    net = load_official("carn-m", wrapped)
    assert net.scale == 3 and net.official["scales"] == (3,)


def test_unknown_name_and_layout():
    with pytest.raises(OfficialCheckpointError, match="no adapter for model 'espcn-xyz'.*carn-m"):
        load_official("espcn-xyz", _state("carn-m"))
    with pytest.raises(OfficialCheckpointError, match="layout 'basicsr'"):
        load_official("carn-m", _state("carn-m"), layout="basicsr")


def test_adapter_registry_extension(monkeypatch):
    """A family module registers its own adapter (as srtutor/models/official_*.py modules do)."""
    monkeypatch.setattr(official, "_ADAPTERS", list(official._ADAPTERS))

    @register_adapter("espcn", layout="test", source="example.org/espcn")
    def _espcn(name, state, scale, **options):
        net = create(name, scale=scale or 3)
        mapped, unknown = rename(state, [(r"conv([13])\.(weight|bias)", r"body.\1.\2"),
                                         (r"conv([02])\.(weight|bias)", r"body.\1.\2"),
                                         (r"up\.(weight|bias)", r"upsample.conv.\1")])
        return Converted(net, mapped, unknown)

    assert [a.layout for a in adapters("espcn")] == ["test"]
    ref = create("espcn", scale=3)
    theirs = {k.replace("body.", "conv").replace("upsample.conv.", "up."): v for k, v in ref.state_dict().items()}
    net = load_official("espcn", theirs)
    x = torch.rand(1, 1, 6, 6)
    assert torch.equal(net(x), ref.eval()(x))
    with pytest.raises(ValueError, match="already registered"):
        register_adapter("espcn", layout="test", source="x")(lambda *a, **k: None)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.from_regex(r"[a-c]{1,2}\.[0-9]\.(weight|bias)", fullmatch=True), max_size=8, unique=True))
def test_rename_partitions_keys(keys):
    state = {k: torch.zeros(1) for k in keys}
    out, unmatched = rename(state, [(r"a\.(\d)\.(weight|bias)", r"x.\1.\2")], ignore=[r"b\..*"])
    head = {k: k.split(".")[0] for k in keys}
    assert sorted(unmatched) == sorted(k for k in keys if head[k] not in ("a", "b"))
    assert set(out) == {"x." + k[2:] for k in keys if k.split(".")[0] == "a"}


def test_known_checkpoints_are_documented():
    for name, info in official.known_checkpoints().items():
        assert info["url"].startswith("https://") and info["licence"] and info["source"], name
        assert adapters(info["model"]), name  # every listed file has an adapter
        assert info["sha256"] is None or len(info["sha256"]) == 64
        if info.get("sha256_prefix"):
            assert info["sha256_prefix"] in info["url"]
    assert KNOWN_CHECKPOINTS["carn-m"]["sha256"] == "d48a759a84509351facb6b7c6d5bd6edec98b98519b8c464ee4ab44d2ba964ff"


# ----------------------------------------------------------------------------- the authors' CARN-M
@needs_carn_m
def test_authors_carn_m_file_equals_authors_network():
    """The released weights in srtutor's CARN-M compute what the authors' network computes with them."""
    c = CASES["carn-m-authors-file"]
    net = load_official("carn-m", CARN_M)
    for s, ref in c["released_outputs"].items():
        assert torch.allclose(_run(net, c["input"], int(s)), ref, rtol=0, atol=1e-5), s


@needs_carn_m
def test_authors_carn_m_file_loads_every_scale():
    multi = load_official("carn-m", CARN_M)
    x = torch.rand(1, 3, 9, 11, generator=torch.Generator().manual_seed(0))
    for s in (2, 3, 4):
        one = load_official("carn-m", CARN_M, scale=s)
        assert one.scale == s and not one.multi_scale
        assert torch.equal(_run(multi, x, s), one(x))


def _cli_psnr(capsys, dataset, scale):
    from srtutor.cli import main

    argv = ["evaluate", "--model", "carn-m", "--checkpoint", str(CARN_M), "--dataset", dataset, "--scale", str(scale),
            "--data-dir", str(_root()), "--format", "json", "--no-progress"]
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)["psnr"]


@needs_carn_m
def test_authors_carn_m_reproduces_paper_set5(capsys):
    """``python -m srtutor evaluate --model carn-m --checkpoint carn_m.pth --dataset Set5 --scale S``
    gives the CARN paper's CARN-M row (37.53 / 33.99 / 31.92 dB) within 0.2 dB ('rgb' protocol)."""
    if not data.benchmark_available("Set5", _root()):
        pytest.skip(f"Set5 not found under {_root()}")
    paper = KNOWN_CHECKPOINTS["carn-m"]["psnr"]["Set5"]
    for s in (2, 3, 4):
        got = _cli_psnr(capsys, "Set5", s)
        assert abs(got - paper[s]) < 0.2, (s, got, paper[s])


@needs_carn_m
@pytest.mark.slow
@pytest.mark.parametrize("dataset", ["Set14", "B100"])
def test_authors_carn_m_reproduces_paper_set14_b100(capsys, dataset):
    """The Set14 and B100 rows (several CPU minutes: run with SRTUTOR_OFFICIAL_FULL=1)."""
    if os.environ.get("SRTUTOR_OFFICIAL_FULL") != "1":
        pytest.skip("Set14/B100 with the authors' CARN-M take minutes on a CPU; set SRTUTOR_OFFICIAL_FULL=1")
    if not data.benchmark_available(dataset, _root()):
        pytest.skip(f"{dataset} not found under {_root()}")
    paper = KNOWN_CHECKPOINTS["carn-m"]["psnr"][dataset]
    for s in (2, 3, 4):
        got = _cli_psnr(capsys, dataset, s)
        assert abs(got - paper[s]) < 0.2, (dataset, s, got, paper[s])


def test_public_name():
    import srtutor.models

    assert srtutor.models.load_official is load_official
