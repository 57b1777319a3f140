"""srtutor.published: per-cell provenance, the corrections, and the rows added for the models."""

from __future__ import annotations

from srtutor.published import CHECKS, DATASETS, METHODS, PAPERS, ROWS, SOURCES, provenance, published, published_rows


def test_every_cell_has_a_known_source_and_check_labels():
    seen = set()
    for m, d, s, p, q, src, chk in ROWS:
        assert (m, d, s) not in seen, (m, d, s)
        seen.add((m, d, s))
        assert m in METHODS and m in PAPERS and d in DATASETS and s in (2, 3, 4)
        assert src in SOURCES
        assert chk is None or all(label in CHECKS for label in chk.split("+"))
        assert 20 < p < 40 and (q is None or 0.5 < q < 1)
    assert {r[5] for r in ROWS} == set(SOURCES)  # no unused source


def test_corrected_attributions():
    base = provenance("edsr-baseline", "Set5", 2)
    assert base["source"] == "" and base["kind"] == "re-evaluation" and base["of"] == "lim2017edsr"
    assert base["checked"] == ["esrt-table"]
    assert provenance("edsr-baseline", "Manga109", 3)["checked"] == []
    for m in ("vdsr", "fsrcnn", "lapsrn", "srcnn"):
        row = provenance(m, "Set5", 2)
        assert row["source"] == "zhang2018rcan" and row["kind"] == "re-evaluation" and row["of"] == PAPERS[m]
    assert provenance("rcan", "Set5", 4)["kind"] == "original"
    assert provenance("bicubic", "Set5", 4)["kind"] == "baseline"
    # VDSR's own figures next to RCAN's re-evaluation of it
    assert published("vdsr-paper", "Set14", 2) == (33.03, 0.9124) and published("vdsr", "Set14", 2) == (33.05, 0.9130)
    assert provenance("vdsr-paper", "Set5", 4)["checked"] == ["esrt-table", "hsrr-readme"]
    # LapSRN x2 Set14/B100 disagree with the text copy: kept, marked unchecked
    assert provenance("lapsrn", "Set14", 2)["checked"] == [] and provenance("lapsrn", "Set5", 2)["checked"] == ["esrt-table"]


def test_added_rows_typed_from_the_checked_copies():
    assert published("drcn", "Set5", 4) == (31.53, 0.8854)
    assert published("drrn", "Urban100", 4) == (25.44, 0.7638)
    assert published("memnet", "B100", 3) == (28.96, 0.8001)
    assert published("rdn", "Urban100", 2) == (32.89, 0.9353)
    assert published("rcan", "Set5", 2) == (38.27, 0.9614)
    assert published("dbpn", "Set14", 4) == (28.82, 0.786) and published("dbpn", "Manga109", 2) == (38.89, 0.9775)
    assert published("rcan", "Manga109", 4) == (31.22, 0.9173)
    carn_manga = provenance("carn", "Manga109", 3)
    assert carn_manga["psnr"] == 33.50 and carn_manga["kind"] == "re-evaluation" and carn_manga["source"] == "liang2021swinir"
    assert published("msrn", "Manga109", 4) == (30.17, 0.9034)
    assert published("drcn", "Set14", 2) is None  # the two text copies disagree: left out
    # CARN-M: the CARN paper's table, not checked against a text copy (the appendix measures the
    # authors' checkpoint against these figures)
    assert published("carn-m", "Set5", 4) == (31.92, 0.8903) and published("carn-m", "Manga109", 2) is None
    assert all(r["kind"] == "original" and r["checked"] == [] for r in published_rows("carn-m"))
    assert len(published_rows("carn-m")) == 12
    assert all(r["checked"] for m in ("drcn", "drrn", "memnet", "rdn", "rcan", "dbpn", "msrn")
               for r in published_rows(m))


def test_published_figures_order_as_the_literature_says():
    for s in (2, 3, 4):
        for d in DATASETS:
            bic = published("bicubic", d, s)
            for r in published_rows(dataset=d, scale=s):
                if r["method"] != "bicubic" and bic is not None:
                    assert r["psnr"] > bic[0] + 0.5, r
    seq = [published(m, "Set5", 4)[0] for m in ("srcnn", "vdsr", "drcn", "drrn", "memnet", "carn", "rdn", "rcan")]
    assert seq == sorted(seq)


def test_whose_names_the_evaluation():
    from srtutor.published import whose

    assert whose(provenance("vdsr", "Set5", 2)) == "re-evaluation in Zhang et al., ECCV 2018 (RCAN), Table 3"
    assert whose(provenance("vdsr-paper", "Set5", 2)).startswith("original: Kim et al., CVPR 2016 (VDSR)")
    assert whose(provenance("bicubic", "B100", 3)).startswith("baseline, as tabulated in Zhang et al.")
    assert whose(provenance("edsr-baseline", "Set5", 2)).startswith("re-evaluation: lightweight-SR comparison tables")
    assert whose(provenance("carn", "Manga109", 2)) == "re-evaluation in Liang et al., ICCVW 2021 (SwinIR), Table 3"
    assert whose(provenance("carn", "Manga109", 2)) and whose(provenance("carn", "Set5", 2)).startswith(
        "original: Ahn et al.")
    for r in published_rows():  # every cell says whose it is
        assert whose(r).startswith(("original: ", "re-evaluation", "baseline, ")), r
