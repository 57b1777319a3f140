"""No typed measured number in the book's prose: numbers in Markdown come from the outputs.

A measured number in a Markdown cell must be inserted from the executed values with myst-nb's
``{glue:text}`name``` (glued in a code cell with ``srtutor.claims.glue``) — never typed, or the
text drifts from what the notebook prints (issue 11). This test parses every notebook of
``book/`` and every ``.md`` page and flags, in Markdown, each

* decimal number (``25.29``), and
* number with a unit of measurement (``3 dB``, ``40 %``, ``12 s``, ``850 ms``, ``4.2×``),

that is not glued, not inside math (``$...$``) or code (`` `...` ``, fenced blocks), and not in a
paragraph that is a literature figure: a paragraph (or table) citing its source with
``{cite}``/``{cite:p}``/``{cite:t}``, or starting with the marker line
``% literature: <source>`` (a MyST comment: invisible in the book). A paragraph whose numbers
are settings, not measurements (``evaluated at scale 1.5``), may start with
``% not measured: <what they are>`` instead. Section numbers (``§3.1``),
versions (``2.13.0``), scales (``×4``), sizes (``3×3``) and names (``Set14``) are not numbers of
this kind.

``NOT_YET_CONVERTED`` lists the chapters whose prose still has typed numbers (phase 2 of
issue 11 converts them one by one). The test is real for every other page, and a listed chapter
that has become clean fails too, so that the list can only shrink: remove it from the list.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
BOOK = REPO / "book"
if not BOOK.is_dir():  # e.g. tests run against an installed wheel (scripts/check_wheel.sh)
    pytest.skip(f"needs the repository's book/ (not found under {REPO})", allow_module_level=True)

# Chapters whose Markdown still holds typed measured numbers. Phase 2 of issue 11 glues them
# and removes each chapter from this list; the list must end empty.
NOT_YET_CONVERTED: set[str] = set()

GENERATED_PAGES = {"timings"}  # written by scripts/build_book.py from the outputs

LITERATURE_MARKER = re.compile(r"^%\s*(literature|not measured):", re.M)
_CITE = re.compile(r"\{cite(:[a-z]+)?\}`")

_FENCE = re.compile(r"^(```|~~~|:::)[^\n]*\n.*?^\1[^\n]*$", re.S | re.M)  # fenced blocks / directives
_STRIP = [
    re.compile(r"\$\$.*?\$\$", re.S),  # display math
    re.compile(r"\\\[.*?\\\]", re.S),
    re.compile(r"(?<!\\)\$[^$\n]+?(?<!\\)\$"),  # inline math
    re.compile(r"\{[a-z:-]+\}`[^`]*`"),  # roles: {glue:text}`x`, {cite}`a2020`, {doc}`x`, ...
    re.compile(r"`[^`\n]*`"),  # inline code
    re.compile(r"<!--.*?-->", re.S),  # HTML comments
    re.compile(r"<[^>\n]+>"),  # HTML tags (attributes may hold sizes)
    re.compile(r"\]\([^)]*\)"),  # link targets
    re.compile(r"https?://\S+"),
    re.compile(r"^%.*$", re.M),  # MyST comments
]

_NUM = r"\d+(?:[.,]\d+)*"
# a number that is a measurement: a decimal, or a number followed by a unit
MEASURED = re.compile(
    rf"(?<![\w.§×/\-])(?:\d+\.\d+(?![.\d])(?:\s?(?:dB|%|ms|s\b|×|x\b))?"
    rf"|{_NUM}\s?(?:dB\b|%|ms\b|s\b(?![-\w])|×(?!\s?\d)))"
)
_NOT_MEASURED_BEFORE = re.compile(
    r"((§|Eq\.|Eqs\.|Fig\.|Figs\.|Table|Tables|Section|section|chapter|Chapter|v)\s*|§[\d.]+\s?[–-]\s?)$")


def strip_markup(text: str) -> str:
    for pat in _STRIP:
        text = pat.sub(" ", text)
    return text


def typed_numbers(markdown: str) -> list[str]:
    """The typed measured numbers of one Markdown text, each with some context."""
    found = []
    for para in re.split(r"\n\s*\n", _FENCE.sub(" ", markdown)):
        if _CITE.search(para) or LITERATURE_MARKER.search(para):
            continue
        plain = strip_markup(para)
        for m in MEASURED.finditer(plain):
            if _NOT_MEASURED_BEFORE.search(plain[max(0, m.start() - 12):m.start()]):
                continue
            ctx = plain[max(0, m.start() - 40):m.end() + 25].replace("\n", " ").strip()
            found.append(f"{m.group(0)!r} in “…{ctx}…”")
    return found


def page_violations(path: Path) -> list[str]:
    if path.suffix == ".md":
        return [f"{path.name}: {v}" for v in typed_numbers(path.read_text())]
    nb = nbformat.read(path, as_version=4)
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            out += [f"{path.name} cell {i}: {v}" for v in typed_numbers(cell.source)]
    return out


def _pages():
    pages = sorted(BOOK.glob("*.ipynb")) + sorted(p for p in BOOK.glob("*.md") if p.stem not in GENERATED_PAGES)
    return pages


# the detector, on hand-made cases -------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "The depth-only CNN reaches 25.29 dB on this scene.",
        "Pre-upsampling takes 12 s per image.",
        "The gain is 0.4 dB.",
        "the network is 4.2× faster",
        "It holds 40 % of the parameters.",
        "| model | PSNR |\n|---|---|\n| EDSR | 31.20 |",
        "Training took 850 ms per step.",
    ],
)
def test_detector_flags_typed_measurements(text):
    assert typed_numbers(text), text


@pytest.mark.parametrize(
    "text",
    [
        "The depth-only CNN reaches {glue:text}`psnr_depth` dB.",
        "EDSR reports 34.65 dB on Set5 {cite}`lim2017edsr`.",
        "% literature: the survey's Table 1\n| set | images |\n|---|---|\n| Set14 | 14 |\n| B100 | 2.5 |",
        "% not measured: the scales we evaluate at\nWe evaluate at 1.5 and 3.7.",
        "| §2.3–2.4 | quality | and survey §3.4–3.5 |",
        "PSNR is $10 \\log_{10}(255^2 / 0.01)$ and `lr=1e-3` uses torch 2.13.0.",
        "Survey §3.1.2 and Eq. 3 on Set14 at ×4 with 3×3 convolutions, in 2 CPU cores.",
        "```python\nx = 25.29\n\ny = 1.5\n```",
        "See [the page](https://example.org/v1.5/page.html) and <img width=\"4.5em\">.",
        "$$\\mathrm{PSNR} = 28.42$$",
        "We train for 300 steps on 91 images.",
    ],
)
def test_detector_accepts_glue_literature_math_code_and_labels(text):
    assert typed_numbers(text) == []


# the book -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", _pages(), ids=lambda p: p.name)
def test_no_typed_measured_numbers(path):
    found = page_violations(path)
    if path.stem in NOT_YET_CONVERTED:
        assert found, (f"{path.name} has no typed measured number left: remove it from NOT_YET_CONVERTED "
                       "in tests/test_prose_numbers.py")
        pytest.xfail(f"not yet converted (issue 11 phase 2): {len(found)} typed number(s), e.g. {found[0]}")
    assert not found, "typed measured numbers in Markdown (glue them: srtutor.claims.glue):\n" + "\n".join(found)


def test_not_yet_converted_names_exist():
    stems = {p.stem for p in _pages()}
    assert NOT_YET_CONVERTED <= stems, sorted(NOT_YET_CONVERTED - stems)
