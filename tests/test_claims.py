"""srtutor.claims: comparisons, the chapter table, the build path (JSON, strict) and the reader path."""

import json
import math
import warnings

import numpy as np
import pytest
import torch

from srtutor import claims as C
from srtutor.claims import Claims, ClaimError, ClaimWarning


@pytest.fixture(autouse=True)
def _no_build_env(monkeypatch):
    monkeypatch.delenv(C.CLAIMS_FILE_ENV, raising=False)
    monkeypatch.delenv(C.STRICT_ENV, raising=False)


# comparisons: text and truth, on hand-made cases ---------------------------------------------


@pytest.mark.parametrize(
    "cmp, values, holds, text",
    [
        (C.gt("a", "b"), {"a": 2, "b": 1}, True, "a > b"),
        (C.gt("a", "b"), {"a": 1, "b": 1}, False, "a > b"),
        (C.gt("a", "b", margin=0.5), {"a": 1.4, "b": 1}, False, "a > b + 0.5"),
        (C.gt("a", "b", margin=0.5), {"a": 1.6, "b": 1}, True, "a > b + 0.5"),
        (C.gt("pre", "post", factor=4), {"pre": 8.1, "post": 2}, True, "pre > 4 × post"),
        (C.gt("pre", "post", factor=4), {"pre": 7.9, "post": 2}, False, "pre > 4 × post"),
        (C.ge("a", "b"), {"a": 1, "b": 1}, True, "a ≥ b"),
        (C.lt("a", "b", margin=1), {"a": 0.5, "b": 1}, False, "a < b − 1"),
        (C.lt("a", "b", margin=1), {"a": -0.5, "b": 1}, True, "a < b − 1"),
        (C.le("a", 3), {"a": 3}, True, "a ≤ 3"),
        (C.gt("acc", 0.5), {"acc": 0.51}, True, "acc > 0.5"),
        (C.within("ours", "paper", 0.01), {"ours": 33.665, "paper": 33.66}, True, "|ours − paper| ≤ 0.01"),
        (C.within("ours", "paper", 0.01), {"ours": 33.68, "paper": 33.66}, False, "|ours − paper| ≤ 0.01"),
        (C.within("ours", 33.66, 0.01), {"ours": 33.66}, True, "|ours − 33.66| ≤ 0.01"),
        (C.between("x", 0, 1), {"x": 0.3}, True, "0 ≤ x ≤ 1"),
        (C.between("x", 0, 1), {"x": 1.3}, False, "0 ≤ x ≤ 1"),
        (C.monotone(["a", "b", "c"]), {"a": 1, "b": 2, "c": 3}, True, "a < b < c"),
        (C.monotone(["a", "b", "c"]), {"a": 1, "b": 3, "c": 2}, False, "a < b < c"),
        (C.monotone(["a", "b"], strict=False), {"a": 1, "b": 1}, True, "a ≤ b"),
        (C.monotone(["a", "b", "c"], increasing=False), {"a": 3, "b": 2, "c": 1}, True, "a > b > c"),
        (C.ranking(["dense", "residual", "plain"]), {"dense": 30.1, "residual": 30.0, "plain": 29.5}, True,
         "dense > residual > plain"),
        (C.ranking(["dense", "residual", "plain"]), {"dense": 29.9, "residual": 30.0, "plain": 29.5}, False,
         "dense > residual > plain"),
        (C.all_above(["srcnn", "vdsr"], "bicubic"), {"srcnn": 32, "vdsr": 33, "bicubic": 31}, True,
         "min(srcnn, vdsr) > bicubic"),
        (C.all_above(["srcnn", "vdsr"], "bicubic", margin=0.5), {"srcnn": 31.2, "vdsr": 33, "bicubic": 31}, False,
         "min(srcnn, vdsr) > bicubic + 0.5"),
        (C.all_below(["a", "b"], 1.0), {"a": 0.2, "b": 0.9}, True, "max(a, b) < 1"),
        (C.all_below(["a", "b"], 1.0), {"a": 0.2, "b": 1.0}, False, "max(a, b) < 1"),
    ],
)
def test_comparisons(cmp, values, holds, text):
    assert cmp.holds({k: float(v) for k, v in values.items()}) is holds
    assert cmp.text == text


def test_nan_never_holds():
    assert not C.gt("a", "b").holds({"a": math.nan, "b": 0.0})
    assert not C.lt("a", "b").holds({"a": math.nan, "b": 0.0})
    assert not C.within("a", "b", 1e9).holds({"a": math.nan, "b": 0.0})


@pytest.mark.parametrize("bad", [lambda: C.gt("a", "b", margin=-1), lambda: C.lt("a", "b", margin=-1),
                                 lambda: C.within("a", "b", -0.1), lambda: C.monotone(["a"]),
                                 lambda: C.all_above([], "b")])
def test_bad_comparisons_raise(bad):
    with pytest.raises(ValueError):
        bad()


# Claims: recording, table, reader path --------------------------------------------------------


def _lesson(claims, a=2.0, b=1.0, **kw):
    return claims.add("a beats b", survey="A is better than B", section="§3.1", values={"a": a, "b": b},
                      check=C.gt("a", "b", margin=0.5), lesson=True, fmt=".2f", **kw)


def test_table_rows_state_values_comparison_and_verdict():
    cl = Claims("chXX_test")
    _lesson(cl)
    cl.add("c is small", survey="C costs little", values={"c": np.float32(3.0)}, check=C.lt("c", 1.0),
           lesson=False, reason="200 training steps are too few for C to converge")
    md = cl.table()
    lines = md.strip().splitlines()
    assert lines[0].startswith("| the survey reports |") and len(lines) == 4
    assert lines[2] == "| A is better than B (§3.1) | **a beats b** (lesson) | a = 2.00, b = 1.00 | `a > b + 0.5` | ✓ |"
    assert lines[3] == ("| C costs little | c is small | c = 3 | `c < 1` | "
                        "✗ not reproduced at this budget: 200 training steps are too few for C to converge |")
    assert "see above" not in md


def test_failed_lesson_outside_the_build_warns_and_shows_a_cross():
    cl = Claims("chXX_test")
    with pytest.warns(ClaimWarning, match=r"chXX_test: lesson claim 'a beats b': a > b \+ 0.5 with a = 1.20, b = 1.00"):
        claim = _lesson(cl, a=1.2)
    assert not claim.holds
    assert cl.table().strip().splitlines()[-1].endswith("| ✗ |")
    assert [c.name for c in cl.failed_lessons()] == ["a beats b"]


def test_holding_lesson_is_silent():
    cl = Claims("chXX_test")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _lesson(cl, a=torch.tensor(3.0))  # tensors and numpy scalars are accepted
    assert cl["a beats b"].values == {"a": 3.0, "b": 1.0}


def test_strict_mode_raises_naming_notebook_claim_and_values(monkeypatch):
    monkeypatch.setenv(C.STRICT_ENV, "1")
    cl = Claims("chXX_test")
    with pytest.raises(ClaimError, match=r"chXX_test: lesson claim 'a beats b': a > b \+ 0.5 with a = 0.90, b = 1.00"):
        _lesson(cl, a=0.9)
    Claims("chXX_test", strict=True).add("ok", survey="s", values={"x": 1}, check=C.gt("x", 0), lesson=True)


def test_non_lesson_needs_a_reason_and_values_must_match_the_comparison():
    cl = Claims("chXX_test")
    with pytest.raises(ValueError, match="reason"):
        cl.add("x", survey="s", values={"a": 1}, check=C.gt("a", 0), lesson=False)
    with pytest.raises(ValueError, match=r"\['b'\]"):
        cl.add("x", survey="s", values={"a": 1}, check=C.gt("a", "b"), lesson=True)
    with pytest.raises(TypeError, match="'a'"):
        cl.add("x", survey="s", values={"a": "1"}, check=C.gt("a", 0), lesson=True)
    with pytest.raises(TypeError, match="Comparison"):
        cl.add("x", survey="s", values={"a": 1}, check="a > 0", lesson=True)


def test_rerun_replaces_a_claim_of_the_same_name():
    cl = Claims("chXX_test")
    with pytest.warns(ClaimWarning):
        _lesson(cl, a=1.0)
    _lesson(cl, a=2.0)
    assert len(cl) == 1 and not cl.failed_lessons()


def test_build_path_writes_json_that_names_the_failure(tmp_path, monkeypatch):
    path = tmp_path / "claims" / "chXX.json"
    monkeypatch.setenv(C.CLAIMS_FILE_ENV, str(path))
    cl = Claims("chXX_test")
    assert C.load_records(path) == {"notebook": "chXX_test", "claims": []}  # written from the start
    with pytest.warns(ClaimWarning):
        _lesson(cl, a=1.2)
    cl.add("other", survey="s", values={"x": 0.0}, check=C.gt("x", 1), lesson=False, reason="too few steps")
    rec = C.load_records(path)
    assert [c["name"] for c in rec["claims"]] == ["a beats b", "other"]
    assert rec["claims"][0]["holds"] is False and rec["claims"][0]["values"] == {"a": 1.2, "b": 1.0}
    # only the lesson fails the build; the message has the claim, the comparison and the values
    assert C.failed_lessons(rec) == ["lesson claim 'a beats b' does not hold: a > b + 0.5 with a = 1.20, b = 1.00"]
    assert not list(path.parent.glob("*.tmp"))
    json.dumps(rec)


def test_show_outside_a_kernel_prints(capsys):
    cl = Claims("chXX_test")
    _lesson(cl)
    assert cl.show("What the survey reports vs what we measured") is None
    out = capsys.readouterr().out
    assert out.startswith("**What the survey reports vs what we measured**")
    assert "a = 2.00" in out


# glue -------------------------------------------------------------------------------------------


def test_glue_outside_jupyter_is_a_noop_returning_the_value(capsys):
    assert C.glue("psnr_post", 31.234, fmt=".2f") == 31.234
    assert C.glue("t", 5, fmt="{:d} s") == 5
    assert capsys.readouterr().out == ""
    with pytest.raises(ValueError):
        C.glue("bad name", 1.0)


def test_glue_in_a_kernel_stores_the_formatted_text(monkeypatch):
    """In a kernel, myst-nb's glue receives the formatted string, hidden (display=False)."""
    mystnb = pytest.importorskip("myst_nb")
    import IPython

    calls = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: object())
    monkeypatch.setattr(mystnb, "glue", lambda name, value, display=True: calls.append((name, value, display)))
    C.glue("psnr", 31.2345, fmt="{:.2f} dB")
    C.glue("n", np.int64(7))
    assert calls == [("psnr", "31.23 dB", False), ("n", 7, False)]
    # myst-nb's {glue:text} reads text/plain and literal-evals it: the quotes disappear
    from myst_nb.core.variables import format_plain_text

    assert format_plain_text(repr("31.23 dB"), "") == "31.23 dB"
