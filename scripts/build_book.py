#!/usr/bin/env python
"""Execute every notebook of the book with papermill, then build the HTML (``make book``).

1. Mirror the book's sources into ``_build/executed/`` (``_config.yml``, ``_toc.yml``, the
   ``.md`` pages, ``references.bib``, static files); the sources in ``book/`` are never touched.
2. Execute each notebook listed in ``_toc.yml`` with papermill into that tree (same relative
   path; parameters ``QUICK``, ``SMOKE``, ``DEVICE``, ``SEED`` and, with ``--threads``,
   ``CPU_THREADS`` injected; kernel ``python3`` on IPC sockets; working directory = the
   notebook's folder; ``SRTUTOR_STATIC=1`` so that interactive demos are precomputed),
   ``--jobs`` notebooks at a time, recording each one's wall time and printing a heartbeat
   line while a cell runs long (``--heartbeat``).
3. Stop with a message naming the notebook and the failing cell when any cell raises, and
   naming the notebook, the claim and its values when a *lesson* claim (``srtutor.claims``,
   written to ``_build/claims/<notebook>.json``) does not hold (not in ``--smoke`` mode).
4. Write ``_build/timings.json`` and the page ``book/timings.md`` of the executed tree.
5. Ship MathJax locally (from the npm registry, cached in ``_build/.cache``) so that the
   pages make no request outside the book, generate the API reference (one page per module),
   and run
   ``jupyter-book build`` (execution off, warnings are errors) → ``_build/html``.

Usage::

    python scripts/build_book.py                      # quick mode, device auto, 2 jobs
    python scripts/build_book.py --quick 0 --device cuda --jobs 1
    python scripts/build_book.py --only ch02 --only ch04 --no-html
    python scripts/build_book.py --smoke --device cpu --no-html   # full-mode code paths, 4 steps
    python scripts/build_book.py --notebook tests/fixtures/passing.ipynb --no-html --build-dir /tmp/b
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import datetime as _dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MATHJAX_VERSION = "3.2.2"
STATIC_DIR = "book/_static_local"  # html_static_path in _config.yml
# sources copied into the executed tree besides the notebooks
COPY_SUFFIXES = {".md", ".bib", ".svg", ".png", ".jpg", ".jpeg", ".gif", ".css", ".js", ".json", ".txt", ".csv"}


# --------------------------------------------------------------------------------------------
# table of contents


def _write_text(path: Path, text: str) -> None:
    """Write a file atomically (``srtutor.io.atomic_write``): no half-written page or report."""
    from srtutor._atomic import atomic_write  # = srtutor.io.atomic_write, without torch

    with atomic_write(path, "w") as fh:
        fh.write(text)


def toc_files(toc_path: Path) -> list[str]:
    """Every ``file`` entry of a jupyter-book ``_toc.yml``, in reading order (without suffix)."""
    import yaml

    toc = yaml.safe_load(toc_path.read_text())
    out: list[str] = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                out.append(node["file"])
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key, []) or []:
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk({k: v for k, v in toc.items() if k != "root"})
    return out


def resolve_toc_entry(root: Path, entry: str) -> Path | None:
    """The file behind a toc entry (``.ipynb`` or ``.md``), or ``None`` if absent."""
    p = root / entry
    if p.suffix in (".ipynb", ".md") and p.exists():
        return p
    for suffix in (".ipynb", ".md"):
        cand = p.with_name(p.name + suffix)
        if cand.exists():
            return cand
    return None


# --------------------------------------------------------------------------------------------
# the notebooks' first cells: Colab/Binder setup (from _config.yml's repository URL)

SETUP_TAG = "srtutor-setup"
SETUP_TEMPLATE = """\
# Colab, Binder or a fresh kernel: install srtutor where it is missing. An installed torch is
# kept (srtutor needs torch>=2.3, which the platforms have); nothing happens where srtutor is.
import importlib.util, subprocess, sys
if importlib.util.find_spec("srtutor") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    "srtutor[widgets] @ git+{url}"], check=True)"""


def repository_url(root: Path = REPO) -> str:
    """The repository URL: ``repository.url`` of ``_config.yml`` (the one place it is set)."""
    import yaml

    cfg = yaml.safe_load((root / "_config.yml").read_text())
    return str(cfg["repository"]["url"]).rstrip("/")


def setup_cell_source(url: str) -> str:
    """The source of the setup cell every chapter notebook starts with (after its title)."""
    return SETUP_TEMPLATE.format(url=url)


def sync_setup_cells(paths: list[Path], url: str) -> list[Path]:
    """Write the setup cell (tags ``srtutor-setup``, ``remove-cell``) into each notebook, right
    after the title; returns the notebooks that changed."""
    import nbformat

    changed = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        src = setup_cell_source(url)
        cells = [c for c in nb.cells if SETUP_TAG in c.metadata.get("tags", [])]
        if cells:
            cell = cells[0]
            if cell.source == src:
                continue
            cell.source = src
        else:
            cell = nbformat.v4.new_code_cell(src)
            cell.metadata["tags"] = [SETUP_TAG, "remove-cell"]
            nb.cells.insert(1, cell)
        from srtutor._atomic import atomic_write  # = srtutor.io.atomic_write, without torch

        with atomic_write(path, "w") as fh:  # a committed notebook: never half-written
            nbformat.write(nb, fh)
        changed.append(path)
    return changed


# --------------------------------------------------------------------------------------------
# execution


def kernel_env(jobs: int) -> dict[str, str]:
    """Environment variables for the notebooks' kernels (existing values win where sensible)."""
    env: dict[str, str] = {"SRTUTOR_STATIC": "1"}
    shared = REPO.parent / "shared" / "data"
    if "SRTUTOR_DATA" not in os.environ and (shared / "benchmarks").is_dir():
        env["SRTUTOR_DATA"] = str(shared / "benchmarks")
    if "SRTUTOR_TRAIN_DATA" not in os.environ and (shared / "train" / "T91").is_dir():
        env["SRTUTOR_TRAIN_DATA"] = str(shared / "train" / "T91")
    # figures must reach the notebook: the inline backend, not Agg (Agg would drop them)
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    # several notebooks at once share the cores: do not oversubscribe them
    if "OMP_NUM_THREADS" not in os.environ:
        env["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // max(1, jobs)))
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    return env


def _first_line(source: str) -> str:
    for line in source.splitlines():
        if line.strip():
            return line.strip()
    return ""


def _source_cell_index(src: Path, failing_source: str) -> int | None:
    import nbformat

    nb = nbformat.read(src, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.source == failing_source:
            return i
    return None


class _Heartbeat:
    """nbclient hooks that print progress while a notebook executes (one worker process).

    A line when a code cell has run for ``every`` seconds (then every ``every`` seconds), and
    one when a cell that long finishes — so a full-mode GPU run shows life between notebooks.
    """

    def __init__(self, name: str, n_cells: int, every: float):
        import threading

        self.name, self.n, self.every = name, n_cells, every
        self._lock = threading.Lock()
        self._timer = None
        self._t0 = 0.0
        self._label = ""

    def _say(self, what: str) -> None:
        print(f"  ... {self.name}: {what}", flush=True)

    def _tick(self) -> None:
        import threading

        with self._lock:
            if self._timer is None:
                return
            self._say(f"{self._label} running for {time.perf_counter() - self._t0:.0f} s")
            self._timer = threading.Timer(self.every, self._tick)
            self._timer.daemon = True
            self._timer.start()

    def start(self, cell=None, cell_index=0, **_) -> None:
        import threading

        if cell is None or cell.get("cell_type") != "code":
            return
        with self._lock:
            self._t0 = time.perf_counter()
            self._label = f"cell {cell_index + 1}/{self.n} `{_first_line(cell.get('source', ''))[:60]}`"
            self._timer = threading.Timer(self.every, self._tick)
            self._timer.daemon = True
            self._timer.start()

    def stop(self, cell=None, cell_index=0, **_) -> None:
        with self._lock:
            timer, self._timer = self._timer, None
        if timer is None:
            return
        timer.cancel()
        dt = time.perf_counter() - self._t0
        if dt >= self.every:
            self._say(f"{self._label} done in {dt:.0f} s")


def _kernel_manager(kernel: str, sockets_dir: str):
    """A kernel manager on IPC sockets (no TCP: no "running over TCP without encryption")."""
    from jupyter_client.manager import KernelManager

    return KernelManager(kernel_name=kernel, transport="ipc", ip=os.path.join(sockets_dir, "k"))


def load_claims(claims_file: Path) -> list[dict]:
    """The claim records a notebook wrote (``srtutor.claims``); ``[]`` if it wrote none."""
    if not Path(claims_file).exists():
        return []
    return json.loads(Path(claims_file).read_text()).get("claims", [])


def check_claims(claims_file: Path) -> tuple[int, list[str]]:
    """(number of claims, messages of failed lesson claims) from a notebook's claims file."""
    sys.path.insert(0, str(REPO))
    try:
        from srtutor.claims import failed_lessons, load_records
    finally:
        sys.path.pop(0)
    if not claims_file.exists():
        return 0, []
    rec = load_records(claims_file)
    return len(rec.get("claims", [])), failed_lessons(rec)


def execute_notebook(src: str, dst: str, parameters: dict, cwd: str, env: dict[str, str], kernel: str = "python3",
                     claims_file: str | None = None, heartbeat: float = 0.0) -> dict:
    """Execute ``src`` with papermill into ``dst``; never raises, returns a result record.

    The kernel writes the notebook's claims (``srtutor.claims``) to ``claims_file``.

    Returns:
        ``{"notebook", "status" ("ok" | "failed"), "seconds", "error", "claims", "failed_claims"}``
        where ``error`` names the failing cell (index in the source notebook, its first line)
        and the exception, and ``failed_claims`` lists the lesson claims that do not hold.
    """
    import nbformat
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    os.environ.update(env)
    if claims_file:
        Path(claims_file).unlink(missing_ok=True)
        Path(claims_file).parent.mkdir(parents=True, exist_ok=True)
        os.environ["SRTUTOR_CLAIMS_FILE"] = claims_file
    t0 = time.perf_counter()
    rec = {"notebook": src, "status": "ok", "seconds": 0.0, "error": None, "claims": 0, "failed_claims": []}
    hooks = {}
    if heartbeat > 0:
        n = len(nbformat.read(src, as_version=4).cells) + 1  # + papermill's injected parameters
        hb = _Heartbeat(Path(src).stem, n, heartbeat)
        hooks = {"on_cell_execute": hb.start, "on_cell_executed": hb.stop}
    sockets = tempfile.mkdtemp(prefix="srtutor-kernel-")
    km = _kernel_manager(kernel, sockets)
    try:
        pm.execute_notebook(
            src, dst, parameters=parameters, kernel_name=kernel, cwd=cwd,
            progress_bar=False, log_output=False, start_timeout=120,
            km=km, **hooks,
        )
    except PapermillExecutionError as exc:
        idx = _source_cell_index(Path(src), exc.source)
        where = f"cell {idx}" if idx is not None else f"cell {exc.cell_index} of the executed copy"
        rec.update(status="failed", error=(
            f"{where} (In [{exc.exec_count}]) starting with `{_first_line(exc.source)}` "
            f"raised {exc.ename}: {exc.evalue}"
        ))
    except Exception as exc:  # kernel died, bad notebook file, ...
        rec.update(status="failed", error=f"{type(exc).__name__}: {exc}")
    finally:
        if heartbeat > 0:
            hb.stop()
        try:  # a kernel manager passed to nbclient is ours to shut down
            if km.has_kernel:
                km.shutdown_kernel(now=True)
        except Exception:  # pragma: no cover - best effort: never hide the notebook's own result
            pass
        shutil.rmtree(sockets, ignore_errors=True)
    rec["kernel_alive_after"] = bool(km.has_kernel and km.is_alive())
    if claims_file:
        rec["claims"], rec["failed_claims"] = check_claims(Path(claims_file))
    rec["seconds"] = round(time.perf_counter() - t0, 2)
    return rec


def execute_all(jobs_list: list[tuple[Path, Path]], parameters: dict, env: dict[str, str], jobs: int,
                claims_dir: Path | None = None, heartbeat: float = 0.0, enforce_claims: bool = True) -> list[dict]:
    """Execute ``(src, dst)`` pairs, ``jobs`` at a time; print a line per notebook as it ends.

    Each notebook's claims go to ``claims_dir/<path of the notebook>.json``. With
    ``enforce_claims`` a notebook with a failed lesson claim is printed as ``FAILED``.
    """
    results: list[dict] = []
    with cf.ProcessPoolExecutor(max_workers=max(1, min(jobs, len(jobs_list) or 1))) as pool:
        futures = {}
        for src, dst in jobs_list:
            dst.parent.mkdir(parents=True, exist_ok=True)
            cfile = str(claims_dir / Path(_rel(src)).with_suffix(".json")) if claims_dir else None
            fut = pool.submit(execute_notebook, str(src), str(dst), parameters, str(dst.parent), env,
                              "python3", cfile, heartbeat)
            futures[fut] = src
        for fut in cf.as_completed(futures):
            rec = fut.result()
            rec["notebook"] = _rel(Path(rec["notebook"]))
            results.append(rec)
            # a failed lesson claim fails the notebook (not in smoke mode: its numbers mean nothing)
            ok = rec["status"] == "ok" and not (enforce_claims and rec.get("failed_claims"))
            mark = "ok    " if ok else "FAILED"
            note = f"  {rec['claims']} claim(s)" if rec.get("claims") else ""
            if rec.get("failed_claims"):
                note += f", {len(rec['failed_claims'])} failed lesson(s)"
            print(f"  [{mark}] {rec['notebook']:<40s} {rec['seconds']:8.1f} s{note}", flush=True)
    order = {_rel(src): i for i, (src, _) in enumerate(jobs_list)}
    return sorted(results, key=lambda r: order.get(r["notebook"], 0))


def _rel(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(REPO))
    except ValueError:
        return str(p)


# --------------------------------------------------------------------------------------------
# the executed tree


def mirror_sources(src_root: Path, dst_root: Path) -> None:
    """Copy the book's non-notebook sources into the executed tree (notebooks come later)."""
    dst_root.mkdir(parents=True, exist_ok=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(src_root / name, dst_root / name)
    book = src_root / "book"
    for path in book.rglob("*"):
        rel = path.relative_to(src_root)
        if any(part.startswith(".ipynb_checkpoints") or part == "__pycache__" for part in rel.parts):
            continue
        in_static = rel.parts[:2] in (tuple(Path(STATIC_DIR).parts), ("book", "_ext"))
        if path.is_file() and (path.suffix in COPY_SUFFIXES or in_static):
            target = dst_root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)


def api_modules(repo: Path) -> list[str]:
    """Every public module of the package ``srtutor`` (sub-packages and their modules too),
    found on disk: a new module gets its API page without editing anything."""
    pkg = repo / "srtutor"
    out: list[str] = []

    def walk(folder: Path, prefix: str) -> None:
        for p in sorted(folder.iterdir()):
            if p.name.startswith("_"):
                continue
            if p.suffix == ".py":
                out.append(f"{prefix}.{p.stem}")
            elif p.is_dir() and (p / "__init__.py").exists():
                out.append(f"{prefix}.{p.name}")
                walk(p, f"{prefix}.{p.name}")

    walk(pkg, "srtutor")
    return out


def api_page(module: str) -> str:
    """The Markdown of one module's API page."""
    return f"# `{module}`\n\n```{{eval-rst}}\n.. automodule:: {module}\n```\n"


def api_summary(modules: list[str]) -> str:
    """The module list of the API index page: an autosummary table (first docstring lines)."""
    items = "\n".join(f"   {m}" for m in modules)
    return (f"## Modules\n\nOne page per module.\n\n```{{eval-rst}}\n.. py:currentmodule:: None\n\n"
            f".. autosummary::\n\n{items}\n```\n")


def add_api_sections(toc_path: Path, modules: list[str], api_entry: str = "book/api") -> None:
    """Make each module page a section of the API page in the (executed tree's) ``_toc.yml``."""
    import yaml

    toc = yaml.safe_load(toc_path.read_text())

    def walk(node) -> bool:
        if isinstance(node, dict):
            if node.get("file") == api_entry:
                node["sections"] = [{"file": f"{api_entry}/{m}"} for m in modules]
                return True
            return any(walk(child) for key in ("parts", "chapters", "sections") for child in node.get(key, []) or [])
        return False

    if not walk(toc):
        raise ValueError(f"{toc_path} has no entry {api_entry!r}")
    _write_text(toc_path, yaml.safe_dump(toc, sort_keys=False, allow_unicode=True))


def write_api_pages(dst_root: Path) -> None:
    """The API reference in the executed tree: the index page ``book/api.md`` with a module
    table, one page per module under ``book/api/``, listed as its sections in ``_toc.yml``."""
    page = dst_root / "book" / "api.md"
    if not page.exists():
        return
    modules = api_modules(REPO)
    folder = dst_root / "book" / "api"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for m in modules:
        _write_text(folder / f"{m}.md", api_page(m))
    text = page.read_text()
    marker = re.search(r"<!-- api:modules.*?-->", text)
    summary = api_summary(modules)
    text = text[: marker.start()] + summary + text[marker.end():] if marker else text + "\n" + summary
    _write_text(page, text)
    add_api_sections(dst_root / "_toc.yml", modules)


def ensure_mathjax(cache: Path) -> Path | None:
    """MathJax 3 from the npm registry (``npm pack``), cached; returns its ``es5`` folder."""
    es5 = cache / f"mathjax-{MATHJAX_VERSION}" / "package" / "es5"
    if (es5 / "tex-chtml.js").exists():
        return es5
    npm = shutil.which("npm")
    if npm is None:
        print("WARNING: npm not found: MathJax will be loaded from its CDN (pages not fully offline)", file=sys.stderr)
        return None
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([npm, "pack", f"mathjax@{MATHJAX_VERSION}", "--silent"], cwd=tmp, capture_output=True, text=True)
        tgz = next(Path(tmp).glob("mathjax-*.tgz"), None)
        if proc.returncode != 0 or tgz is None:
            print(f"WARNING: npm pack mathjax failed ({proc.stderr.strip()[:300]}): MathJax from its CDN", file=sys.stderr)
            return None
        target = cache / f"mathjax-{MATHJAX_VERSION}"
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tgz) as tf:
            members = [m for m in tf.getmembers() if m.name.startswith("package/es5/")]
            tf.extractall(target, members=members, filter="data")
    return es5 if (es5 / "tex-chtml.js").exists() else None


def install_mathjax(es5: Path | None, dst_root: Path) -> None:
    """Copy the parts of MathJax the pages use into the static folder (``_static/_mathjax``)."""
    cfg = dst_root / "_config.yml"
    if es5 is None:  # fall back to the CDN default rather than a broken local path
        _write_text(cfg, re.sub(r"^\s*mathjax_path:.*\n", "", cfg.read_text(), flags=re.M))
        return
    out = dst_root / STATIC_DIR / "_mathjax"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    shutil.copy2(es5 / "tex-chtml.js", out / "tex-chtml.js")
    for sub in ("input/tex/extensions", "output/chtml/fonts/woff-v2", "ui"):
        if (es5 / sub).exists():
            shutil.copytree(es5 / sub, out / sub)


# --------------------------------------------------------------------------------------------
# timings


def environment_summary(device: str) -> dict:
    info = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(), "device": device}
    try:
        import torch

        info["torch"] = torch.__version__
        info["cuda_available"] = bool(torch.cuda.is_available())
        if torch.cuda.is_available():
            info["gpu"] = torch.cuda.get_device_name(0)
    except Exception:  # pragma: no cover - torch is a requirement
        pass
    return info


def _previous_timings(build_dir: Path) -> dict[str, dict]:
    """Records of the last run (``timings.json``), by notebook, for the notebooks reused now."""
    try:
        data = json.loads((build_dir / "timings.json").read_text())
        return {r["notebook"]: r for r in data.get("notebooks", [])}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def write_timings(results: list[dict], *, mode: str, device: str, jobs: int, total: float, build_dir: Path, page: Path | None) -> None:
    env = environment_summary(device)
    report = {
        "mode": mode,
        "device": device,
        "jobs": jobs,
        "started_utc": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "execution_wall_seconds": round(total, 1),
        "notebook_seconds_sum": round(sum(r["seconds"] for r in results), 1),
        "environment": env,
        "notebooks": results,
    }
    _write_text(build_dir / "timings.json", json.dumps(report, indent=2) + "\n")
    if page is None:
        return
    resolved = "cuda" if env.get("cuda_available") else "cpu"
    dev = f"{device} ({resolved})" if device == "auto" else device
    hw = f"{env.get('cpus')} CPU cores" + (f", GPU {env['gpu']}" if env.get("gpu") else ", no GPU")
    lines = [
        "# Execution report",
        "",
        "Every notebook of this book was executed with papermill to build these pages. "
        "This table is generated by `scripts/build_book.py` (`make book`); the same data is in "
        "`_build/timings.json`.",
        "",
        f"- mode: **{mode}** (`QUICK={mode == 'quick'}`, `SMOKE={mode == 'smoke'}`), device `{dev}`"
        f", {jobs} notebook(s) at a time",
        f"- machine: {hw}, Python {env.get('python')}, torch {env.get('torch', '?')}",
        f"- built: {report['started_utc']}",
        "",
        "| notebook | mode | device | seconds | status |",
        "|---|---|---|---:|---|",
    ]
    for r in results:
        name = Path(r["notebook"]).stem
        link = f"[{name}]({name}.ipynb)" if r["status"] != "missing" else name
        lines.append(f"| {link} | {report['mode']} | {dev} | {r['seconds']:.1f} | {r['status']} |")
    lines += [
        f"| **total** (sum of notebooks) | | | **{report['notebook_seconds_sum']:.1f}** | |",
        "",
        f"Wall time of the execution step: {report['execution_wall_seconds']:.1f} s.",
        "",
    ]
    _write_text(page, "\n".join(lines))


# --------------------------------------------------------------------------------------------
# HTML


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_PROBLEM = re.compile(r"\b(WARNING|ERROR|CRITICAL|SEVERE):")


def classify_sphinx_output(lines: list[str]) -> tuple[list[str], list[str]]:
    """Split Sphinx's warnings into (fatal, docstring) lists.

    Warnings about the book's pages (notebooks, ``.md``, citations, toc, static files) are
    fatal; those raised while rendering a docstring of the package (``docstring of ...``)
    are reported but do not fail the book — they belong to the module's own tests/owner.
    """
    fatal, docstrings = [], []
    for raw in lines:
        line = _ANSI.sub("", raw).rstrip()
        if not _PROBLEM.search(line) or line.startswith("ERROR: jupyter-book"):
            continue
        (docstrings if "docstring of " in line else fatal).append(line)
    return fatal, docstrings


_REF = re.compile(r'(?:href|src)="([^"#?]*)')
_DOC_NAME = re.compile(r"(?<![\w/.-])((?:[A-Z][A-Z_]+|(?:book|scripts|tests|benchmarks|binder|srtutor)/[\w./-]+)\.(?:md|py|ipynb|yml|toml|txt))\b")
_TAGS = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.S)


def missing_references(html_dir: Path, repo: Path = REPO) -> list[str]:
    """References in the built pages to files that do not exist: local links and images that
    point nowhere, and repository files named in the text (``DESIGN.md``,
    ``scripts/x.py``, ...) that the repository does not have. One message per problem."""
    problems = []
    for page in sorted(html_dir.rglob("*.html")):
        rel = page.relative_to(html_dir)
        if rel.parts[0] in ("_modules", "_sources", "_static"):
            continue  # source listings (code quoting markup) and the theme's own templates
        text = page.read_text(errors="replace")
        for target in set(_REF.findall(text)):
            if not target or re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("//"):
                continue
            if not (page.parent / target).exists():
                problems.append(f"{rel}: link to missing {target}")
        if rel.parts[0] in ("genindex.html", "search.html"):
            continue
        visible = _TAGS.sub(" ", text)
        for name in sorted(set(_DOC_NAME.findall(visible))):
            if not (repo / name).exists() and not any(repo.glob(f"**/{name}")):
                problems.append(f"{rel}: names {name}, which is not in the repository")
    return problems


def build_html(executed: Path, build_dir: Path, strict: bool) -> int:
    """``jupyter-book build`` of the executed tree; with ``strict``, warnings on pages fail it."""
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb) if jb.exists() else "jupyter-book", "build", str(executed), "--path-output", str(build_dir / "jb"), "--all"]
    print("$ " + " ".join(cmd), flush=True)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "NO_COLOR": "1"})
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if _PROBLEM.search(line) or line.startswith(("build ", "[etoc]")):
            print("  " + _ANSI.sub("", line).rstrip(), flush=True)
    rc = proc.wait()
    _write_text(build_dir / "sphinx.log", "".join(_ANSI.sub("", x) for x in lines))
    fatal, docstrings = classify_sphinx_output(lines)
    if docstrings:
        print(f"NOTE: {len(docstrings)} warning(s) in srtutor docstrings (not fatal), see {build_dir / 'sphinx.log'}")
    if strict and fatal and rc == 0:
        print(f"ERROR: {len(fatal)} Sphinx warning(s) on the book's pages (warnings are errors; --no-strict to ignore):",
              file=sys.stderr)
        for line in fatal:
            print("  " + line, file=sys.stderr)
        rc = 1
    html = build_dir / "jb" / "_build" / "html"
    if rc == 0 and html.is_dir():
        missing = missing_references(html)
        if missing:
            print(f"{'ERROR' if strict else 'WARNING'}: {len(missing)} reference(s) to missing files in the pages:",
                  file=sys.stderr)
            for m in missing[:50]:
                print("  " + m, file=sys.stderr)
            if strict:
                rc = 1
    if rc == 0 and html.is_dir():
        dest = build_dir / "html"
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(html, dest)
        print(f"HTML: {dest}/index.html")
    return rc


# --------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", type=int, choices=(0, 1), default=1, help="1: quick mode (default), 0: full mode")
    ap.add_argument("--device", default="auto", help="DEVICE parameter of the notebooks (auto, cpu, cuda, ...)")
    ap.add_argument("--smoke", action="store_true",
                    help="SMOKE parameter: full-mode data, shapes, models and code paths with a handful of training "
                         "steps (proves that full mode runs; claims are reported, not enforced)")
    ap.add_argument("--seed", type=int, default=0, help="SEED parameter of the notebooks")
    ap.add_argument("--threads", type=int, default=None,
                    help="CPU_THREADS parameter of the notebooks (torch threads on CPU; default: each notebook's own)")
    ap.add_argument("--heartbeat", type=float, default=30.0,
                    help="print a progress line every this many seconds of a running cell (0: off; default 30)")
    ap.add_argument("--jobs", type=int, default=2, help="notebooks executed at a time (default 2)")
    ap.add_argument("--only", action="append", default=[], help="execute only the toc notebooks whose name contains this (repeatable)")
    ap.add_argument("--notebook", action="append", default=[], type=Path, help="execute this notebook instead of the toc ones (repeatable; implies --no-html)")
    ap.add_argument("--no-html", action="store_true", help="execute only; do not run jupyter-book")
    ap.add_argument("--html-only", action="store_true", help="execute nothing: rebuild the HTML from the executed copies already there")
    ap.add_argument("--no-strict", action="store_true", help="do not turn Sphinx warnings into errors")
    ap.add_argument("--build-dir", type=Path, default=REPO / "_build", help="output folder (default _build)")
    ap.add_argument("--write-setup-cells", action="store_true",
                    help="write the Colab/Binder setup cell (URL from _config.yml) into every book notebook and exit")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.write_setup_cells:
        paths = sorted((REPO / "book").glob("*.ipynb"))
        for p in sync_setup_cells(paths, repository_url()):
            print(f"setup cell written: {_rel(p)}")
        return 0
    quick = bool(args.quick) and not args.smoke
    mode = "smoke" if args.smoke else ("quick" if quick else "full")
    if args.threads is not None and args.threads < 1:
        print(f"error: --threads must be >= 1, got {args.threads}", file=sys.stderr)
        return 2
    if args.heartbeat < 0:
        print(f"error: --heartbeat must be >= 0 (0 turns it off), got {args.heartbeat}", file=sys.stderr)
        return 2
    build_dir = args.build_dir.resolve()
    executed = build_dir / "executed"
    claims_dir = build_dir / "claims"
    t_start = time.perf_counter()
    params = {"QUICK": quick, "SMOKE": bool(args.smoke), "DEVICE": args.device, "SEED": args.seed}
    if args.threads is not None:
        params["CPU_THREADS"] = args.threads

    if args.notebook:
        args.no_html = True
        jobs_list = []
        for nb in args.notebook:
            nb = nb.resolve()
            if not nb.exists():
                print(f"error: notebook {nb} does not exist", file=sys.stderr)
                return 2
            try:
                rel = nb.relative_to(REPO)
            except ValueError:
                rel = Path(nb.name)
            jobs_list.append((nb, executed / rel))
        skipped: list[dict] = []
        page = None
    else:
        entries = toc_files(REPO / "_toc.yml")
        missing = [e for e in entries if resolve_toc_entry(REPO, e) is None]
        if missing:
            print("error: _toc.yml lists files that do not exist: " + ", ".join(missing), file=sys.stderr)
            return 2
        mirror_sources(REPO, executed)
        notebooks = [resolve_toc_entry(REPO, e) for e in entries]
        notebooks = [p for p in notebooks if p.suffix == ".ipynb"]
        selected = [p for p in notebooks if not args.only or any(o in p.stem for o in args.only)]
        if args.html_only:
            selected = []
        if args.only and not selected and not args.html_only:
            print(f"error: --only {args.only} matches none of: {', '.join(p.stem for p in notebooks)}", file=sys.stderr)
            return 2
        jobs_list = [(p, executed / p.relative_to(REPO)) for p in selected]
        previous = _previous_timings(build_dir)
        skipped = []
        for p in notebooks:
            if p in selected:
                continue
            dst = executed / p.relative_to(REPO)
            if not dst.exists() or dst.stat().st_mtime < p.stat().st_mtime:
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(p, dst)  # unexecuted copy so that the toc resolves
                skipped.append({"notebook": _rel(p), "status": "not executed", "seconds": 0.0, "error": None})
            else:
                prev = previous.get(_rel(p), {})
                skipped.append({"notebook": _rel(p), "status": "reused" if prev.get("status") in ("ok", "reused") else "not executed",
                                "seconds": float(prev.get("seconds", 0.0)), "error": None})
        page = executed / "book" / "timings.md"

    print(f"Executing {len(jobs_list)} notebook(s): mode {mode}, device {args.device}, "
          f"{args.jobs} at a time", flush=True)
    t0 = time.perf_counter()
    results = execute_all(jobs_list, params, kernel_env(args.jobs), args.jobs, claims_dir, args.heartbeat,
                          enforce_claims=not args.smoke)
    if not args.smoke:  # a failed lesson claim fails the build (smoke numbers mean nothing)
        for r in results:
            if r["status"] == "ok" and r.get("failed_claims"):
                r["status"] = "failed"
                r["error"] = "; ".join(r["failed_claims"])
    t_exec = time.perf_counter() - t0
    build_dir.mkdir(parents=True, exist_ok=True)
    order = {_rel(p): i for i, p in enumerate([s for s, _ in jobs_list])}
    all_results = sorted(results + skipped, key=lambda r: order.get(r["notebook"], len(order)))
    write_timings(all_results, mode=mode, device=args.device, jobs=args.jobs, total=t_exec, build_dir=build_dir, page=page)
    print(f"Executed in {t_exec:.1f} s (sum of notebooks {sum(r['seconds'] for r in results):.1f} s); "
          f"timings in {build_dir / 'timings.json'}")

    failed = [r for r in results if r["status"] != "ok"]
    if failed:
        for r in failed:
            print(f"ERROR: notebook {r['notebook']}: {r['error']}", file=sys.stderr)
        print(f"{len(failed)} notebook(s) failed; the executed copies (with the traceback) are under {executed}",
              file=sys.stderr)
        return 1
    if args.no_html:
        print(f"Total time: {time.perf_counter() - t_start:.1f} s")
        return 0

    write_api_pages(executed)
    install_mathjax(ensure_mathjax(build_dir / ".cache"), executed)
    t1 = time.perf_counter()
    rc = build_html(executed, build_dir, strict=not args.no_strict)
    t_html = time.perf_counter() - t1
    print(f"HTML build: {t_html:.1f} s; execution: {t_exec:.1f} s; total: {time.perf_counter() - t_start:.1f} s")
    if rc != 0:
        print(f"ERROR: jupyter-book build failed (exit {rc}); see the warnings above", file=sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(main())
