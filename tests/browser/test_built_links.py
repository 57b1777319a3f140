"""Links of the built book (no browser needed): launch buttons, repository buttons, references.

The repository URL is set once, in ``_config.yml`` (``repository.url``); every generated link
must follow it: Binder and Colab open this page's notebook at ``book/<page>.ipynb`` of that
repository (not a placeholder, no ``./`` in the path), the repository and issue buttons point at
it, and no page refers to a file the repository does not have.

Skipped when the book is not built, unless ``SRTUTOR_BROWSER_TEST=1`` (``make browser-test``).
"""

from __future__ import annotations

import html as htmllib
import importlib.util
import os
import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
HTML = REPO / "_build" / "html"
REQUIRED = os.environ.get("SRTUTOR_BROWSER_TEST") == "1"

if not (REPO / "_config.yml").exists():  # e.g. tests run against an installed wheel (scripts/check_wheel.sh)
    pytest.skip(f"needs the repository's _config.yml and built book (not found under {REPO})",
                allow_module_level=True)
if not (HTML / "index.html").exists():
    if REQUIRED:
        raise RuntimeError(f"link test requested but no built book at {HTML} (run `make book`)")
    pytestmark = pytest.mark.skip(reason=f"no built book at {HTML} (run `make book`)")

CFG = yaml.safe_load((REPO / "_config.yml").read_text())
URL = CFG["repository"]["url"].rstrip("/")
BRANCH = CFG["repository"].get("branch", "main")
ORG, NAME = URL.split("/")[-2:]


def _notebook_pages():
    return sorted(str(p.relative_to(REPO).with_suffix("")) for p in (REPO / "book").glob("*.ipynb"))


def _hrefs(page: str) -> list[str]:
    text = (HTML / f"{page}.html").read_text()
    return [htmllib.unescape(h) for h in re.findall(r'href="([^"]+)"', text)]


@pytest.mark.parametrize("page", _notebook_pages())
def test_launch_buttons_open_this_notebook_of_the_configured_repository(page):
    hrefs = _hrefs(page)
    binder = [h for h in hrefs if "mybinder.org" in h]
    colab = [h for h in hrefs if "colab.research.google.com" in h]
    assert binder == [f"https://mybinder.org/v2/gh/{ORG}/{NAME}/{BRANCH}?urlpath=tree/{page}.ipynb"], binder
    assert colab == [f"https://colab.research.google.com/github/{ORG}/{NAME}/blob/{BRANCH}/{page}.ipynb"], colab
    assert (REPO / f"{page}.ipynb").exists()
    assert not [h for h in hrefs if "/./" in h]


def test_repository_and_issue_buttons():
    hrefs = _hrefs("book/intro")
    assert URL in hrefs
    assert f"{URL}/issues/new?title=Issue%20on%20page%20%2Fbook/intro.html&body=Your%20issue%20content%20here." in hrefs \
        or any(h.startswith(f"{URL}/issues/new") for h in hrefs)


def test_no_page_refers_to_a_missing_file():
    spec = importlib.util.spec_from_file_location("build_book", REPO / "scripts" / "build_book.py")
    bb = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bb)
    assert bb.missing_references(HTML, REPO) == []
    assert not [p for p in HTML.rglob("*.html") if "DESIGN.md" in p.read_text()]


def test_api_reference_is_split_per_module():
    pages = sorted((HTML / "book" / "api").glob("srtutor.*.html"))
    assert len(pages) >= 20, pages
    assert (HTML / "book" / "api" / "srtutor.claims.html").exists()
    biggest = max(p.stat().st_size for p in [HTML / "book" / "api.html", *pages])
    assert biggest < 600_000, f"an API page of {biggest} bytes: split further"


def test_reference_lists_are_author_year():
    text = (HTML / "book" / "bibliography.html").read_text()
    labels = re.findall(r'class="label"><span class="fn-bracket">\[</span>([^<]+)<span class="fn-bracket">', text)
    assert labels, "no labelled references found"
    assert "Dong et al., 2014" in labels and "Keys, 1981" in labels, labels[:10]
    assert not [x for x in labels if re.fullmatch(r"B?\d+", x)], labels[:5]
