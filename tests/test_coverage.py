"""The coverage table (survey section -> chapter -> runnable / figure / pointer) is true.

Each row names a chapter that exists in the book; each runnable or figure row names package
objects (or registered models) that exist *and* that its chapter's code actually uses; each
pointer says why it is one.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import nbformat
import pytest

from srtutor import taxonomy

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"

ROWS = taxonomy.coverage()


def _resolve(dotted: str):
    """The object named ``srtutor.mod.sub.attr`` (the longest importable module prefix)."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


def _code(chapter: str) -> str:
    nb = nbformat.read(BOOK / f"{chapter}.ipynb", as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def test_every_survey_section_is_a_row_in_order():
    sections = [r.section for r in ROWS]
    # §2's preliminaries, every leaf of Fig. 1's tree, §3.6 and §6.1–6.5
    for s in ("2.1", "2.2", "2.3.1", "2.3.3", "2.3.5", "2.4", "2.5", "3.1.1", "3.3.11", "3.4.1", "3.5.5", "4.3",
              "5.4", "5.6", "3.6", "6.1", "6.5"):
        assert s in sections, s
    leaves = {n.name for n in taxonomy.leaves()}
    assert leaves <= {r.topic for r in ROWS}
    assert len({(r.section, r.topic) for r in ROWS}) == len(ROWS)  # no duplicates
    assert {r.kind for r in ROWS} <= set(taxonomy.COVERAGE_KINDS)


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.section}-{r.topic}" for r in ROWS])
def test_row_is_true(row):
    assert row.chapter in {c.docname for c in taxonomy.CHAPTERS}, row
    if not BOOK.is_dir():
        pytest.skip("needs the repository's book/")
    assert (BOOK / f"{row.chapter}.ipynb").exists(), row.chapter
    if row.kind == "pointer":
        assert not row.functions and row.note.strip(), row
        return
    assert row.functions, f"a {row.kind} row must name what it runs: {row}"
    code = _code(row.chapter)
    from srtutor.models import available

    for f in row.functions:
        if f.startswith("model:"):
            name = f[len("model:"):]
            assert name in available(), f
            assert f'"{name}"' in code or f"'{name}'" in code, f"{row.chapter} never builds {name!r}"
        else:
            assert f.startswith("srtutor."), f
            _resolve(f)  # exists
            short = f.rsplit(".", 1)[-1]
            assert re.search(rf"\b{re.escape(short)}\b", code), f"{row.chapter}'s code never uses {short} ({f})"


def test_markdown_has_one_line_per_row():
    md = taxonomy.coverage_markdown()
    lines = md.splitlines()
    assert len(lines) == len(ROWS) + 2
    assert lines[2].startswith("| 2.1 | Problem definition")
    assert "| runnable |" in md and "| pointer |" in md


def test_a_wrong_record_is_caught():
    bad = taxonomy.Coverage("3.3.1", "Residual learning", "ch07_network_design", "runnable",
                            ("srtutor.blocks.NoSuchBlock",))
    with pytest.raises(AttributeError):
        _resolve(bad.functions[0])


def test_every_function_a_chapter_runs_is_tested():
    """Each package function or model that a runnable row names is exercised by some test file."""
    tests = {p.name: p.read_text() for p in Path(__file__).resolve().parent.glob("test_*.py") if p.name != Path(__file__).name}
    missing = []
    for row in ROWS:
        for f in row.functions:
            short = f.split(":", 1)[-1].rsplit(".", 1)[-1]
            pat = re.compile(rf"[\"']{re.escape(short)}[\"']") if f.startswith("model:") else re.compile(
                rf"\b{re.escape(short)}\b")
            if not any(pat.search(text) for text in tests.values()):
                missing.append(f"{row.section} {f}")
    assert not missing, f"no test file uses: {missing}"
