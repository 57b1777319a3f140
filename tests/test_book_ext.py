"""The book's Sphinx extension (book/_ext/srtutor_book.py): author–year labels in the reference lists."""

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("pybtex")
from pybtex.database import parse_string  # noqa: E402
from pybtex.plugin import find_plugin  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
if not (REPO / "book" / "_ext" / "srtutor_book.py").exists():  # e.g. against an installed wheel
    pytest.skip(f"needs the repository's book/_ext (not found under {REPO})", allow_module_level=True)
spec = importlib.util.spec_from_file_location("srtutor_book", REPO / "book" / "_ext" / "srtutor_book.py")
ext = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ext)

BIB = r"""
@article{wang2020survey, author = {Wang, Zhihao and Chen, Jian and Hoi, Steven C. H.}, title = {Survey}, year = {2020}, journal = {TPAMI}}
@inproceedings{lim2017edsr, author = {Lim, Bee and Son, Sanghyun and Kim, Heewon and Nah, Seungjun and Lee, Kyoung Mu}, title = {EDSR}, year = {2017}, booktitle = {CVPRW}}
@inproceedings{lim2017b, author = {Lim, Bee and Other, Ann and Third, Tom}, title = {Another}, year = {2017}, booktitle = {X}}
@article{keys1981cubic, author = {Keys, Robert}, title = {Cubic convolution}, year = {1981}, journal = {IEEE TASSP}}
@article{two, author = {Bevilacqua, Marco and Roumy, Aline}, title = {Set5}, year = {2012}, journal = {BMVC}}
@article{accent, author = {M{\"u}ller, J{\"o}rg}, title = {Umlaut}, year = {2019}, journal = {J}}
"""


def _labels():
    data = parse_string(BIB, "bibtex")
    style = find_plugin("pybtex.style.formatting", "srtutor_authoryear")()
    formatted = style.format_entries(data.entries.values())
    return {e.key: e.label for e in formatted}


def test_author_year_labels_as_in_the_citations():
    labels = _labels()
    assert labels["wang2020survey"] == "Wang et al., 2020"
    assert labels["keys1981cubic"] == "Keys, 1981"
    assert labels["two"] == "Bevilacqua and Roumy, 2012"
    assert labels["accent"] == "Müller, 2019"
    # two "Lim et al., 2017" in one list: told apart by a letter, in sorted order
    assert {labels["lim2017edsr"], labels["lim2017b"]} == {"Lim et al., 2017a", "Lim et al., 2017b"}
    assert not any(label.isdigit() for label in labels.values())
