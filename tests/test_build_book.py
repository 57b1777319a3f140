"""The book's build script (scripts/build_book.py) and the book's sources.

Executes two tiny fixture notebooks (one kernel start each) and checks that every notebook of
the book is committed without outputs, with a ``parameters`` cell, and listed in ``_toc.yml``.
"""

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
SCRIPT = REPO / "scripts" / "build_book.py"
if not SCRIPT.exists():  # e.g. tests run against an installed wheel (scripts/check_wheel.sh)
    pytest.skip(f"needs the repository's scripts/build_book.py and book/ (not found under {REPO})",
                allow_module_level=True)


def _load_build_module():
    spec = importlib.util.spec_from_file_location("build_book", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


build_book = _load_build_module()


@pytest.fixture(scope="module")
def fixture_run(tmp_path_factory):
    """Run the CLI once on three fixtures (2 jobs) in full mode: one raises, one has a lesson
    claim that does not hold, one passes."""
    out = tmp_path_factory.mktemp("build")
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--build-dir", str(out), "--quick", "0", "--device", "cpu", "--seed", "3",
         "--threads", "2", "--heartbeat", "0.5",
         "--notebook", str(FIXTURES / "failing.ipynb"), "--notebook", str(FIXTURES / "broken_claim.ipynb"),
         "--notebook", str(FIXTURES / "passing.ipynb")],
        capture_output=True, text=True, timeout=300,
    )
    return out, proc


def test_failing_notebook_fails_the_build_naming_notebook_and_cell(fixture_run):
    out, proc = fixture_run
    assert proc.returncode != 0
    err = proc.stderr
    assert "tests/fixtures/failing.ipynb" in err
    # cell 3 of the source notebook (0-based: title, parameters, x = 1 + 1, raise)
    assert "cell 3" in err
    assert "# the build must name this cell" in err
    assert "ValueError: deliberate failure, QUICK=False" in err
    # the source notebook stays clean
    src = nbformat.read(FIXTURES / "failing.ipynb", as_version=4)
    assert all(c.get("outputs", []) == [] for c in src.cells if c.cell_type == "code")


def test_passing_notebook_parameters_env_and_timings(fixture_run):
    out, _ = fixture_run
    report = json.loads((out / "timings.json").read_text())
    assert report["mode"] == "full" and report["device"] == "cpu"
    recs = {r["notebook"]: r for r in report["notebooks"]}
    ok = recs["tests/fixtures/passing.ipynb"]
    assert ok["status"] == "ok" and ok["seconds"] > 0
    assert recs["tests/fixtures/failing.ipynb"]["status"] == "failed"
    executed = nbformat.read(out / "executed" / "tests" / "fixtures" / "passing.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs)
    assert "QUICK=False SMOKE=False DEVICE=cpu SEED=3 THREADS=2 STATIC=1" in text
    # working directory = the notebook's folder in the executed tree
    assert f"cwd={out / 'executed' / 'tests' / 'fixtures'}" in text
    # its claims were recorded and hold
    assert ok["claims"] == 1 and ok["failed_claims"] == []
    # every kernel was shut down (papermill does not when it is given the kernel manager)
    assert not any(r.get("kernel_alive_after") for r in report["notebooks"])


def test_failed_lesson_claim_fails_the_build_naming_notebook_claim_and_values(fixture_run):
    out, proc = fixture_run
    assert proc.returncode != 0
    line = next(x for x in proc.stderr.splitlines() if "broken_claim.ipynb" in x)
    assert line == ("ERROR: notebook tests/fixtures/broken_claim.ipynb: lesson claim 'residual beats plain' does not "
                    "hold: residual > plain with residual = 30.12, plain = 30.50"), proc.stderr
    # the progress line marks it as failed too (it executed, but its lesson does not hold)
    assert any(x.startswith("  [FAILED] tests/fixtures/broken_claim.ipynb") and "1 failed lesson(s)" in x
               for x in proc.stdout.splitlines()), proc.stdout
    # the failed non-lesson claim does not fail anything; the executed notebook shows both verdicts
    recs = {r["notebook"]: r for r in json.loads((out / "timings.json").read_text())["notebooks"]}
    assert recs["tests/fixtures/broken_claim.ipynb"]["status"] == "failed"
    assert len(recs["tests/fixtures/broken_claim.ipynb"]["failed_claims"]) == 1
    executed = nbformat.read(out / "executed" / "tests" / "fixtures" / "broken_claim.ipynb", as_version=4)
    md = "".join(o.get("data", {}).get("text/markdown", "") for c in executed.cells if c.cell_type == "code"
                 for o in c.outputs)
    assert "| ✗ |" in md and "✗ not reproduced at this budget: too few steps at this budget |" in md
    stderr = "".join(o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs
                     if o.get("name") == "stderr")
    assert "ClaimWarning" in stderr


def test_heartbeat_and_no_kernel_tcp_warning(fixture_run):
    _, proc = fixture_run
    # cell 5 of 6 in the executed copy (title, parameters, injected parameters, print, sleep, claims)
    assert "  ... passing: cell 5/6 `import time` running for 1 s" in proc.stdout, proc.stdout
    assert "  ... passing: cell 5/6 `import time` done in 2 s" in proc.stdout
    assert "cell 6/6" not in proc.stdout  # quick cells stay silent
    both = proc.stdout + proc.stderr
    assert "without encryption" not in both and "TCP" not in both


def test_smoke_mode_reports_but_does_not_enforce_claims(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--build-dir", str(tmp_path), "--smoke", "--device", "cpu", "--heartbeat", "0",
         "--notebook", str(FIXTURES / "broken_claim.ipynb")],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "timings.json").read_text())
    assert report["mode"] == "smoke"
    rec = report["notebooks"][0]
    assert rec["status"] == "ok" and len(rec["failed_claims"]) == 1
    assert "1 failed lesson(s)" in proc.stdout
    assert "  [ok    ] tests/fixtures/broken_claim.ipynb" in proc.stdout  # reported, not a failure


@pytest.mark.parametrize("args, msg", [(["--threads", "0"], "--threads"), (["--heartbeat", "-1"], "--heartbeat")])
def test_bad_options_exit_2(args, msg, tmp_path):
    proc = subprocess.run([sys.executable, str(SCRIPT), "--build-dir", str(tmp_path), *args,
                           "--notebook", str(FIXTURES / "passing.ipynb")], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and msg in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def _toc_notebooks():
    entries = build_book.toc_files(REPO / "_toc.yml")
    return entries, [build_book.resolve_toc_entry(REPO, e) for e in entries]


def test_toc_entries_exist():
    entries, paths = _toc_notebooks()
    missing = [e for e, p in zip(entries, paths) if p is None]
    assert not missing, f"_toc.yml lists missing files: {missing}"
    assert entries[0] == "book/intro"
    assert len(set(entries)) == len(entries)


def _book_notebooks():
    return sorted((REPO / "book").glob("*.ipynb"))


@pytest.mark.parametrize("path", _book_notebooks(), ids=lambda p: p.name)
def test_notebook_committed_clean_with_parameters(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: cell {i} has outputs (commit notebooks without outputs)"
            assert cell.execution_count is None, f"{path.name}: cell {i} has an execution count"
    tagged = [c for c in nb.cells if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: expected one code cell tagged 'parameters', found {len(tagged)}"
    names = {line.split("=")[0].strip() for line in tagged[0].source.splitlines() if "=" in line}
    assert names == {"QUICK", "SMOKE", "DEVICE", "SEED", "CPU_THREADS"}, f"{path.name}: parameters cell defines {sorted(names)}"
    assert "SMOKE = False" in tagged[0].source
    # title, setup cell, parameters
    assert nb.cells.index(tagged[0]) == 2, f"{path.name}: the parameters cell must follow the title and the setup cell"
    # the run mode is derived from QUICK and SMOKE before anything else runs
    first = next(c for c in nb.cells[3:] if c.cell_type == "code")
    assert "MODE = srtutor.book.Mode(quick=QUICK, smoke=SMOKE)" in first.source, f"{path.name}: no MODE in {first.source[:80]}"
    assert "QUICK = MODE.quick" in first.source
    assert "hide-input" in first.metadata.get("tags", []), f"{path.name}: the setup cell is not tagged hide-input"


@pytest.mark.parametrize("path", _book_notebooks(), ids=lambda p: p.name)
def test_setup_cell_installs_srtutor_from_the_configured_repository(path):
    """Cell 1 of every notebook is the Colab/Binder setup cell, removed from the HTML, with the
    repository URL of _config.yml (the one place it is set)."""
    nb = nbformat.read(path, as_version=4)
    cell = nb.cells[1]
    assert cell.cell_type == "code" and {build_book.SETUP_TAG, "remove-cell"} <= set(cell.metadata.get("tags", []))
    url = build_book.repository_url(REPO)
    assert cell.source == build_book.setup_cell_source(url), (
        f"{path.name}: setup cell out of date: run `python scripts/build_book.py --write-setup-cells`")
    assert f"srtutor[widgets] @ git+{url}" in cell.source
    # installs only where srtutor is missing, and never asks pip to touch torch
    assert 'find_spec("srtutor") is None' in cell.source
    assert "torch" not in cell.source.replace("torch>=2.3", "").replace("installed torch", "")
    assert "--upgrade" not in cell.source and "-U" not in cell.source.split()


def test_setup_cell_is_a_noop_where_srtutor_is_installed():
    """Executing the setup cell here (srtutor installed) runs no pip."""
    import subprocess as sp

    calls = []
    src = build_book.setup_cell_source("https://example.invalid/x")
    env = {"__name__": "__main__"}
    real = sp.run
    try:
        sp.run = lambda *a, **k: calls.append(a)
        exec(compile(src, "setup-cell", "exec"), env)
    finally:
        sp.run = real
    assert calls == []


def test_sync_setup_cells_inserts_and_updates(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T"), nbformat.v4.new_code_cell("x = 1")])
    p = tmp_path / "t.ipynb"
    nbformat.write(nb, p)
    assert build_book.sync_setup_cells([p], "https://github.com/a/b") == [p]
    got = nbformat.read(p, as_version=4)
    assert got.cells[1].source == build_book.setup_cell_source("https://github.com/a/b") and got.cells[2].source == "x = 1"
    assert build_book.sync_setup_cells([p], "https://github.com/a/b") == []  # idempotent
    build_book.sync_setup_cells([p], "https://github.com/c/d")
    got = nbformat.read(p, as_version=4)
    assert len(got.cells) == 3 and "git+https://github.com/c/d" in got.cells[1].source


def test_every_book_notebook_is_in_the_toc():
    _, paths = _toc_notebooks()
    listed = {p.resolve() for p in paths if p is not None}
    orphans = [p.name for p in _book_notebooks() if p.resolve() not in listed]
    assert not orphans, f"notebooks not in _toc.yml: {orphans}"


def test_api_one_page_per_module(tmp_path):
    mods = build_book.api_modules(REPO)
    assert "srtutor.claims" in mods and "srtutor.color" in mods and "srtutor.models" in mods
    assert "srtutor.models.cost" in mods  # modules of sub-packages too
    assert not [m for m in mods if m.split(".")[-1].startswith("_")]  # no private modules, no __main__
    assert len(mods) == len(set(mods))
    assert build_book.api_page("srtutor.color") == "# `srtutor.color`\n\n```{eval-rst}\n.. automodule:: srtutor.color\n```\n"
    assert "   srtutor.color\n" in build_book.api_summary(mods) and ".. autosummary::" in build_book.api_summary(mods)
    # the executed tree's toc lists each module page as a section of the API page
    import yaml

    (tmp_path / "book").mkdir()
    shutil.copy2(REPO / "_toc.yml", tmp_path / "_toc.yml")
    build_book.add_api_sections(tmp_path / "_toc.yml", ["srtutor.a", "srtutor.b"])
    files = build_book.toc_files(tmp_path / "_toc.yml")
    i = files.index("book/api")
    assert files[i + 1:i + 3] == ["book/api/srtutor.a", "book/api/srtutor.b"]
    assert yaml.safe_load((tmp_path / "_toc.yml").read_text())["root"] == "book/intro"


def test_timings_page(tmp_path):
    page = tmp_path / "timings.md"
    results = [{"notebook": "book/ch01_introduction.ipynb", "status": "ok", "seconds": 12.34, "error": None}]
    build_book.write_timings(results, mode="quick", device="cpu", jobs=2, total=12.5, build_dir=tmp_path, page=page)
    md = page.read_text()
    assert "| [ch01_introduction](ch01_introduction.ipynb) | quick | cpu | 12.3 | ok |" in md
    assert json.loads((tmp_path / "timings.json").read_text())["notebooks"][0]["seconds"] == 12.34


def test_missing_references_in_built_pages(tmp_path):
    html = tmp_path / "html"
    (html / "book").mkdir(parents=True)
    (html / "_static").mkdir()
    (html / "_static" / "x.css").write_text("")
    (html / "book" / "a.html").write_text(
        '<link href="../_static/x.css"><a href="b.html#top">b</a><img src="missing.png">'
        '<a href="https://example.org/DESIGN.md">ext</a><p>see DESIGN.md and scripts/build_book.py, '
        'scripts/nothing.py, README.md</p><script>var s = "OTHER.md";</script>')
    (html / "book" / "b.html").write_text('<a href="a.html">a</a>')
    got = build_book.missing_references(html, REPO)
    assert got == [
        "book/a.html: link to missing missing.png",
        "book/a.html: names DESIGN.md, which is not in the repository",
        "book/a.html: names scripts/nothing.py, which is not in the repository",
    ]
