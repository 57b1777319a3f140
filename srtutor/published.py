"""Published benchmark figures of SR models (survey §3.6), kept as data with per-cell provenance.

PSNR (dB) / SSIM on the Y channel of BT.601 YCbCr, ``scale`` pixels cropped at each border,
LR made by MATLAB bicubic ``imresize`` (the BI setting) — the protocol of
:mod:`srtutor.evaluate`. Every cell of :data:`ROWS` names

* its **source** (a key of :data:`SOURCES`): the paper and table it was typed from, and whether
  that table gives the model's *original* figures (its own paper) or a *re-evaluation* /
  collection by another paper (which one);
* what it was **checked** against: ``None`` (not checked against a text copy: typed from the
  table and not confirmed since) or one or more labels of :data:`CHECKS`, the public text copies
  of the tables whose figures agree with the cell digit for digit.

The survey itself has no PSNR table (its Table 2 lists components, :mod:`srtutor.taxonomy`; its
Fig. 8 plots PSNR against Multi-Adds, :mod:`srtutor.complexity`).

What was checked (2027-01, text copies found with the search tools; the papers' own tables are
images in the PDFs): ``esrt-table`` — ×2/×4 on Set5/Set14/B100/Urban100 for SRCNN, FSRCNN,
VDSR, DRCN, LapSRN, DRRN, MemNet, EDSR-baseline, CARN, RCAN; ``rdsrn-readme`` — ×2/×3/×4 on the
same four sets for SRCNN, VDSR, DRCN, DRRN, MemNet, RDN, RCAN, CARN (it has copying slips:
its Urban100 ×4 for DRCN/DRRN/MemNet repeats ×3, so only cells another copy confirms or that
stand alone are used); ``hsrr-readme`` — ×4 for about forty models; ``msrn-readme`` — the MSRN
authors' README, which restates the paper's table ("old (paper)") beside re-trained models;
``swinir-text`` — a text copy of the SwinIR paper whose Tables 2–3 restate RCAN and DBPN (×2–×4,
five sets) and CARN with Manga109.
A cell where two copies disagree (DRCN Set14/Urban100 ×2, DRRN Set5/Set14 ×2) is left out.

Corrections made with this provenance (see also :data:`SOURCES`):

* the **EDSR-baseline** rows were attributed to the EDSR paper, whose tables report the baseline
  only on DIV2K validation: they are re-evaluations of the authors' released baseline models
  as tabulated by later lightweight-SR papers (``edsr-baseline-reeval``; ×2/×4 on four sets
  confirmed by ``esrt-table``; ×3 and Manga109 not checked);
* the **VDSR** and **FSRCNN** rows are RCAN's Table 3 (Zhang et al. 2018), not "their papers":
  VDSR's own figures differ in the second decimal and in SSIM (e.g. Set14 ×2 33.03/0.9124 in
  Kim et al. vs 33.05/0.9130 in RCAN's table); VDSR's own ×2/×4 figures are added as
  ``vdsr-paper`` (checked: ``esrt-table``, ``hsrr-readme``);
* **LapSRN ×2 Set14/B100** (33.08/0.9130, 31.80/0.8950) are not confirmed: the text copy of the
  ×2 comparison gives 32.99/0.9124 and 31.80/0.8952 (its other LapSRN ×2 cells agree with ours);
  left as typed, marked unchecked.

New rows: DRCN, DRRN, MemNet (×2/×3/×4 where confirmed), RDN (×2/×3/×4, no Manga109), RCAN
(×2/×3/×4, five sets), DBPN (×2/×4, five sets), MSRN (×2/×3/×4, five sets, from the authors'
README), CARN on Manga109 (SwinIR's Table 3: a re-evaluation), ``vdsr-paper`` and CARN-M (×2/×3/×4
on four sets, the CARN paper's table; not checked against a text copy, but the authors' released
CARN-M checkpoint evaluated with :mod:`srtutor.evaluate` reproduces them, see the book's
appendix). Not added (no text copy found): Manga109 for RDN/DRCN/DRRN/MemNet, DBPN ×3.

SRCNN's rows are its 9-5-5 model trained on ImageNet (TPAMI 2016); trained on T91 it gets
about 0.2–0.4 dB less (Dong et al. 2016, Fig. 5). ``None`` marks a figure the source does not give.

    >>> from srtutor.published import published, provenance
    >>> published("vdsr", "Set5", 2)
    (37.53, 0.959)
    >>> provenance("vdsr", "Set5", 2)["kind"]
    're-evaluation'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

__all__ = ["ROWS", "DATASETS", "METHODS", "SOURCES", "CHECKS", "PAPERS", "CITATIONS", "Source", "published",
           "published_rows", "provenance", "whose", "reference", "markdown_table"]

#: benchmark sets in the order of the survey's tables.
DATASETS = ("Set5", "Set14", "B100", "Urban100", "Manga109")
#: methods in the order of the appendix table (oldest first).
METHODS = ("bicubic", "srcnn", "fsrcnn", "espcn", "espcn-t91", "vdsr", "vdsr-paper", "drcn", "lapsrn", "drrn",
           "memnet", "edsr-baseline", "carn-m", "carn", "msrn", "dbpn", "edsr", "rdn", "rcan")


@dataclass(frozen=True)
class Source:
    """Where a cell's figure was typed from.

    Attributes:
        key: BibTeX key (``book/references.bib``) of the paper whose table holds the figure.
        table: that table (``""`` when not identified).
        kind: ``"original"`` when the table is in the models' own paper, ``"re-evaluation"``
            when it evaluates or collects other papers' models (per row, :func:`published_rows`
            decides from :data:`PAPERS`: RCAN's Table 3 is original for RCAN, a re-evaluation
            for VDSR).
        of: the model's own paper when the source has no single key.
        note: what else a reader should know.
    """

    key: str
    table: str
    kind: str
    of: str = ""
    note: str = ""


SOURCES: dict[str, Source] = {
    "rcan-t3": Source("zhang2018rcan", "Table 3", "re-evaluation", "",
                      "RCAN's comparison (bicubic, SRCNN, FSRCNN, VDSR, LapSRN, EDSR, RCAN) at x2/x3/x4 on five "
                      "sets; original for RCAN's own rows"),
    "carn-paper": Source("ahn2018carn", "Table (benchmark comparison)", "original", "", "no Manga109"),
    "edsr-baseline-reeval": Source("", "lightweight-SR comparison tables", "re-evaluation", "lim2017edsr",
                                   "the authors' released EDSR-baseline models as tabulated by later lightweight-SR "
                                   "papers; the EDSR paper reports the baseline only on DIV2K validation"),
    "espcn-paper": Source("shi2016espcn", "Table (x3 results)", "original", "", "PSNR only"),
    "vdsr-paper": Source("kim2016vdsr", "Table (benchmark comparison)", "original"),
    "drcn-paper": Source("kim2016drcn", "Table (benchmark comparison)", "original"),
    "drrn-paper": Source("tai2017drrn", "Table (benchmark comparison)", "original"),
    "memnet-paper": Source("tai2017memnet", "Table (benchmark comparison)", "original"),
    "rdn-paper": Source("zhang2018rdn", "Table (BI degradation)", "original"),
    "dbpn-paper": Source("haris2018dbpn", "Table (benchmark comparison)", "original"),
    "msrn-paper": Source("li2018msrn", "Table (benchmark comparison)", "original"),
    "swinir-t3": Source("liang2021swinir", "Table 3", "re-evaluation", "ahn2018carn",
                        "CARN on Manga109, which the CARN paper does not report"),
}

#: the public text copies of the tables used to check cells (labels used in :data:`ROWS`).
CHECKS: dict[str, str] = {
    "esrt-table": "a LaTeX copy of a x2/x4 comparison table (SRCNN ... IPT; Set5, Set14, BSD100, Urban100) in "
                  "the README of github.com/nbaghel777/SRTransGAN",
    "rdsrn-readme": "the x2/x3/x4 tables (SRCNN, VDSR, DRCN, DRRN, MemNet, RDN, RCAN, CARN) in the README of the "
                    "RDSRN repository (Recursive Distillation SR Network, ICCE 2021)",
    "hsrr-readme": "the x4 table of the Holistic-Super-Resolution-Review repository's README",
    "msrn-readme": "the MSRN authors' README (MSRN-PyTorch), rows 'old (paper)'",
    "swinir-text": "a Markdown text copy of the SwinIR paper (Liang et al., ICCVW 2021), Tables 2 and 3 (RCAN, DBPN, "
                   "CARN with Manga109)",
    "prior-check": "checked by an earlier session against a text copy not recorded here (ESPCN x3)",
}

#: ``(method, dataset, scale, psnr, ssim, source_id, checked)``; ``source_id`` a key of
#: :data:`SOURCES`, ``checked`` ``None`` or ``"+"``-joined labels of :data:`CHECKS`.
ROWS: tuple[tuple[str, str, int, float, Optional[float], str, Optional[str]], ...] = (
    ("bicubic", "Set5", 2, 33.66, 0.9299, "rcan-t3", None),
    ("bicubic", "Set14", 2, 30.24, 0.8688, "rcan-t3", None),
    ("bicubic", "B100", 2, 29.56, 0.8431, "rcan-t3", None),
    ("bicubic", "Urban100", 2, 26.88, 0.8403, "rcan-t3", None),
    ("bicubic", "Manga109", 2, 30.80, 0.9339, "rcan-t3", None),
    ("srcnn", "Set5", 2, 36.66, 0.9542, "rcan-t3", "esrt-table"),
    ("srcnn", "Set14", 2, 32.45, 0.9067, "rcan-t3", "esrt-table"),
    ("srcnn", "B100", 2, 31.36, 0.8879, "rcan-t3", "esrt-table"),
    ("srcnn", "Urban100", 2, 29.50, 0.8946, "rcan-t3", "esrt-table"),
    ("srcnn", "Manga109", 2, 35.60, 0.9663, "rcan-t3", None),
    ("fsrcnn", "Set5", 2, 37.05, 0.9560, "rcan-t3", None),
    ("fsrcnn", "Set14", 2, 32.66, 0.9090, "rcan-t3", None),
    ("fsrcnn", "B100", 2, 31.53, 0.8920, "rcan-t3", None),
    ("fsrcnn", "Urban100", 2, 29.88, 0.9020, "rcan-t3", None),
    ("fsrcnn", "Manga109", 2, 36.67, 0.9710, "rcan-t3", None),
    ("vdsr", "Set5", 2, 37.53, 0.9590, "rcan-t3", None),
    ("vdsr", "Set14", 2, 33.05, 0.9130, "rcan-t3", None),
    ("vdsr", "B100", 2, 31.90, 0.8960, "rcan-t3", None),
    ("vdsr", "Urban100", 2, 30.77, 0.9140, "rcan-t3", None),
    ("vdsr", "Manga109", 2, 37.22, 0.9750, "rcan-t3", None),
    ("lapsrn", "Set5", 2, 37.52, 0.9591, "rcan-t3", "esrt-table"),
    ("lapsrn", "Set14", 2, 33.08, 0.9130, "rcan-t3", None),
    ("lapsrn", "B100", 2, 31.80, 0.8950, "rcan-t3", None),
    ("lapsrn", "Urban100", 2, 30.41, 0.9101, "rcan-t3", None),
    ("lapsrn", "Manga109", 2, 37.27, 0.9740, "rcan-t3", None),
    ("edsr", "Set5", 2, 38.11, 0.9602, "rcan-t3", None),
    ("edsr", "Set14", 2, 33.92, 0.9195, "rcan-t3", None),
    ("edsr", "B100", 2, 32.32, 0.9013, "rcan-t3", None),
    ("edsr", "Urban100", 2, 32.93, 0.9351, "rcan-t3", None),
    ("edsr", "Manga109", 2, 39.10, 0.9773, "rcan-t3", None),
    ("bicubic", "Set5", 3, 30.39, 0.8682, "rcan-t3", None),
    ("bicubic", "Set14", 3, 27.55, 0.7742, "rcan-t3", None),
    ("bicubic", "B100", 3, 27.21, 0.7385, "rcan-t3", None),
    ("bicubic", "Urban100", 3, 24.46, 0.7349, "rcan-t3", None),
    ("bicubic", "Manga109", 3, 26.95, 0.8556, "rcan-t3", None),
    ("srcnn", "Set5", 3, 32.75, 0.9090, "rcan-t3", None),
    ("srcnn", "Set14", 3, 29.30, 0.8215, "rcan-t3", None),
    ("srcnn", "B100", 3, 28.41, 0.7863, "rcan-t3", None),
    ("srcnn", "Urban100", 3, 26.24, 0.7989, "rcan-t3", None),
    ("srcnn", "Manga109", 3, 30.48, 0.9117, "rcan-t3", None),
    ("fsrcnn", "Set5", 3, 33.18, 0.9140, "rcan-t3", None),
    ("fsrcnn", "Set14", 3, 29.37, 0.8240, "rcan-t3", None),
    ("fsrcnn", "B100", 3, 28.53, 0.7910, "rcan-t3", None),
    ("fsrcnn", "Urban100", 3, 26.43, 0.8080, "rcan-t3", None),
    ("fsrcnn", "Manga109", 3, 31.10, 0.9210, "rcan-t3", None),
    ("vdsr", "Set5", 3, 33.67, 0.9210, "rcan-t3", None),
    ("vdsr", "Set14", 3, 29.78, 0.8320, "rcan-t3", None),
    ("vdsr", "B100", 3, 28.83, 0.7990, "rcan-t3", None),
    ("vdsr", "Urban100", 3, 27.14, 0.8290, "rcan-t3", None),
    ("vdsr", "Manga109", 3, 32.01, 0.9340, "rcan-t3", None),
    ("lapsrn", "Set5", 3, 33.82, 0.9227, "rcan-t3", None),
    ("lapsrn", "Set14", 3, 29.87, 0.8320, "rcan-t3", None),
    ("lapsrn", "B100", 3, 28.82, 0.7980, "rcan-t3", None),
    ("lapsrn", "Urban100", 3, 27.07, 0.8280, "rcan-t3", None),
    ("lapsrn", "Manga109", 3, 32.21, 0.9350, "rcan-t3", None),
    ("edsr", "Set5", 3, 34.65, 0.9280, "rcan-t3", None),
    ("edsr", "Set14", 3, 30.52, 0.8462, "rcan-t3", None),
    ("edsr", "B100", 3, 29.25, 0.8093, "rcan-t3", None),
    ("edsr", "Urban100", 3, 28.80, 0.8653, "rcan-t3", None),
    ("edsr", "Manga109", 3, 34.17, 0.9476, "rcan-t3", None),
    ("bicubic", "Set5", 4, 28.42, 0.8104, "rcan-t3", None),
    ("bicubic", "Set14", 4, 26.00, 0.7027, "rcan-t3", None),
    ("bicubic", "B100", 4, 25.96, 0.6675, "rcan-t3", None),
    ("bicubic", "Urban100", 4, 23.14, 0.6577, "rcan-t3", None),
    ("bicubic", "Manga109", 4, 24.89, 0.7866, "rcan-t3", None),
    ("srcnn", "Set5", 4, 30.48, 0.8628, "rcan-t3", "esrt-table+hsrr-readme"),
    ("srcnn", "Set14", 4, 27.50, 0.7513, "rcan-t3", "esrt-table+hsrr-readme"),
    ("srcnn", "B100", 4, 26.90, 0.7101, "rcan-t3", "esrt-table"),
    ("srcnn", "Urban100", 4, 24.52, 0.7221, "rcan-t3", "esrt-table"),
    ("srcnn", "Manga109", 4, 27.58, 0.8555, "rcan-t3", None),
    ("fsrcnn", "Set5", 4, 30.72, 0.8660, "rcan-t3", "esrt-table"),
    ("fsrcnn", "Set14", 4, 27.61, 0.7550, "rcan-t3", "esrt-table"),
    ("fsrcnn", "B100", 4, 26.98, 0.7150, "rcan-t3", "esrt-table"),
    ("fsrcnn", "Urban100", 4, 24.62, 0.7280, "rcan-t3", "esrt-table"),
    ("fsrcnn", "Manga109", 4, 27.90, 0.8610, "rcan-t3", None),
    ("vdsr", "Set5", 4, 31.35, 0.8830, "rcan-t3", None),
    ("vdsr", "Set14", 4, 28.02, 0.7680, "rcan-t3", None),
    ("vdsr", "B100", 4, 27.29, 0.7260, "rcan-t3", None),
    ("vdsr", "Urban100", 4, 25.18, 0.7540, "rcan-t3", None),
    ("vdsr", "Manga109", 4, 28.83, 0.8870, "rcan-t3", None),
    ("lapsrn", "Set5", 4, 31.54, 0.8850, "rcan-t3", "hsrr-readme"),
    ("lapsrn", "Set14", 4, 28.19, 0.7720, "rcan-t3", "hsrr-readme"),
    ("lapsrn", "B100", 4, 27.32, 0.7270, "rcan-t3", "hsrr-readme"),
    ("lapsrn", "Urban100", 4, 25.21, 0.7560, "rcan-t3", "hsrr-readme"),
    ("lapsrn", "Manga109", 4, 29.09, 0.8900, "rcan-t3", None),
    ("edsr", "Set5", 4, 32.46, 0.8968, "rcan-t3", "hsrr-readme"),
    ("edsr", "Set14", 4, 28.80, 0.7876, "rcan-t3", "hsrr-readme"),
    ("edsr", "B100", 4, 27.71, 0.7420, "rcan-t3", "hsrr-readme"),
    ("edsr", "Urban100", 4, 26.64, 0.8033, "rcan-t3", "hsrr-readme"),
    ("edsr", "Manga109", 4, 31.02, 0.9148, "rcan-t3", None),
    ("carn", "Set5", 2, 37.76, 0.9590, "carn-paper", "esrt-table+swinir-text"),
    ("carn", "Set14", 2, 33.52, 0.9166, "carn-paper", "esrt-table+swinir-text"),
    ("carn", "B100", 2, 32.09, 0.8978, "carn-paper", "esrt-table+swinir-text"),
    ("carn", "Urban100", 2, 31.92, 0.9256, "carn-paper", "esrt-table+swinir-text"),
    ("edsr-baseline", "Set5", 2, 37.99, 0.9604, "edsr-baseline-reeval", "esrt-table"),
    ("edsr-baseline", "Set14", 2, 33.57, 0.9175, "edsr-baseline-reeval", "esrt-table"),
    ("edsr-baseline", "B100", 2, 32.16, 0.8994, "edsr-baseline-reeval", "esrt-table"),
    ("edsr-baseline", "Urban100", 2, 31.98, 0.9272, "edsr-baseline-reeval", "esrt-table"),
    ("edsr-baseline", "Manga109", 2, 38.54, 0.9769, "edsr-baseline-reeval", None),
    ("carn", "Set5", 3, 34.29, 0.9255, "carn-paper", "rdsrn-readme+swinir-text"),
    ("carn", "Set14", 3, 30.29, 0.8407, "carn-paper", "rdsrn-readme+swinir-text"),
    ("carn", "B100", 3, 29.06, 0.8034, "carn-paper", "rdsrn-readme+swinir-text"),
    ("carn", "Urban100", 3, 28.06, 0.8493, "carn-paper", "rdsrn-readme+swinir-text"),
    ("edsr-baseline", "Set5", 3, 34.37, 0.9270, "edsr-baseline-reeval", None),
    ("edsr-baseline", "Set14", 3, 30.28, 0.8417, "edsr-baseline-reeval", None),
    ("edsr-baseline", "B100", 3, 29.09, 0.8052, "edsr-baseline-reeval", None),
    ("edsr-baseline", "Urban100", 3, 28.15, 0.8527, "edsr-baseline-reeval", None),
    ("edsr-baseline", "Manga109", 3, 33.45, 0.9439, "edsr-baseline-reeval", None),
    ("carn", "Set5", 4, 32.13, 0.8937, "carn-paper", "esrt-table+hsrr-readme+swinir-text"),
    ("carn", "Set14", 4, 28.60, 0.7806, "carn-paper", "esrt-table+hsrr-readme+swinir-text"),
    ("carn", "B100", 4, 27.58, 0.7349, "carn-paper", "esrt-table+hsrr-readme+swinir-text"),
    ("carn", "Urban100", 4, 26.07, 0.7837, "carn-paper", "esrt-table+hsrr-readme+swinir-text"),
    ("edsr-baseline", "Set5", 4, 32.09, 0.8938, "edsr-baseline-reeval", "esrt-table"),
    ("edsr-baseline", "Set14", 4, 28.58, 0.7813, "edsr-baseline-reeval", "esrt-table"),
    ("edsr-baseline", "B100", 4, 27.57, 0.7357, "edsr-baseline-reeval", "esrt-table"),
    ("edsr-baseline", "Urban100", 4, 26.04, 0.7849, "edsr-baseline-reeval", "esrt-table"),
    ("edsr-baseline", "Manga109", 4, 30.35, 0.9067, "edsr-baseline-reeval", None),
    ("espcn", "Set5", 3, 33.13, None, "espcn-paper", "prior-check"),
    ("espcn", "Set14", 3, 29.49, None, "espcn-paper", "prior-check"),
    ("espcn-t91", "Set5", 3, 32.55, None, "espcn-paper", "prior-check"),
    ("espcn-t91", "Set14", 3, 29.08, None, "espcn-paper", "prior-check"),
    ("drcn", "Set5", 4, 31.53, 0.8854, "drcn-paper", "esrt-table+hsrr-readme"),
    ("drcn", "Set14", 4, 28.02, 0.7670, "drcn-paper", "esrt-table+hsrr-readme"),
    ("drcn", "B100", 4, 27.23, 0.7233, "drcn-paper", "esrt-table+hsrr-readme"),
    ("drcn", "Urban100", 4, 25.14, 0.7510, "drcn-paper", "esrt-table+hsrr-readme"),
    ("drrn", "Set5", 4, 31.68, 0.8888, "drrn-paper", "esrt-table+hsrr-readme"),
    ("drrn", "Set14", 4, 28.21, 0.7720, "drrn-paper", "esrt-table+hsrr-readme"),
    ("drrn", "B100", 4, 27.38, 0.7284, "drrn-paper", "esrt-table+hsrr-readme"),
    ("drrn", "Urban100", 4, 25.44, 0.7638, "drrn-paper", "esrt-table+hsrr-readme"),
    ("memnet", "Set5", 4, 31.74, 0.8893, "memnet-paper", "esrt-table+hsrr-readme"),
    ("memnet", "Set14", 4, 28.26, 0.7723, "memnet-paper", "esrt-table+hsrr-readme"),
    ("memnet", "B100", 4, 27.40, 0.7281, "memnet-paper", "esrt-table+hsrr-readme"),
    ("memnet", "Urban100", 4, 25.50, 0.7630, "memnet-paper", "esrt-table+hsrr-readme"),
    ("rdn", "Set5", 4, 32.47, 0.8990, "rdn-paper", "rdsrn-readme+hsrr-readme"),
    ("rdn", "Set14", 4, 28.81, 0.7871, "rdn-paper", "rdsrn-readme+hsrr-readme"),
    ("rdn", "B100", 4, 27.72, 0.7419, "rdn-paper", "rdsrn-readme+hsrr-readme"),
    ("rdn", "Urban100", 4, 26.61, 0.8028, "rdn-paper", "rdsrn-readme+hsrr-readme"),
    ("rcan", "Set5", 4, 32.63, 0.9002, "rcan-t3", "esrt-table+rdsrn-readme+hsrr-readme+swinir-text"),
    ("rcan", "Set14", 4, 28.87, 0.7889, "rcan-t3", "esrt-table+rdsrn-readme+hsrr-readme+swinir-text"),
    ("rcan", "B100", 4, 27.77, 0.7436, "rcan-t3", "esrt-table+rdsrn-readme+hsrr-readme+swinir-text"),
    ("rcan", "Urban100", 4, 26.82, 0.8087, "rcan-t3", "esrt-table+rdsrn-readme+hsrr-readme+swinir-text"),
    ("dbpn", "Set5", 4, 32.47, 0.8980, "dbpn-paper", "hsrr-readme+swinir-text"),
    ("dbpn", "Set14", 4, 28.82, 0.7860, "dbpn-paper", "hsrr-readme+swinir-text"),
    ("dbpn", "B100", 4, 27.72, 0.7400, "dbpn-paper", "hsrr-readme+swinir-text"),
    ("dbpn", "Urban100", 4, 26.38, 0.7946, "dbpn-paper", "hsrr-readme+swinir-text"),
    ("drcn", "Set5", 2, 37.63, 0.9588, "drcn-paper", "esrt-table+rdsrn-readme"),
    ("drcn", "B100", 2, 31.85, 0.8942, "drcn-paper", "esrt-table+rdsrn-readme"),
    ("drrn", "B100", 2, 32.05, 0.8973, "drrn-paper", "esrt-table+rdsrn-readme"),
    ("drrn", "Urban100", 2, 31.23, 0.9188, "drrn-paper", "esrt-table+rdsrn-readme"),
    ("memnet", "Set5", 2, 37.78, 0.9597, "memnet-paper", "esrt-table+rdsrn-readme"),
    ("memnet", "B100", 2, 32.08, 0.8978, "memnet-paper", "esrt-table+rdsrn-readme"),
    ("memnet", "Urban100", 2, 31.31, 0.9195, "memnet-paper", "esrt-table+rdsrn-readme"),
    ("memnet", "Set14", 2, 33.28, 0.9142, "memnet-paper", "esrt-table"),
    ("rcan", "Set5", 2, 38.27, 0.9614, "rcan-t3", "esrt-table+rdsrn-readme+swinir-text"),
    ("rcan", "Set14", 2, 34.12, 0.9216, "rcan-t3", "esrt-table+rdsrn-readme+swinir-text"),
    ("rcan", "B100", 2, 32.41, 0.9027, "rcan-t3", "esrt-table+rdsrn-readme+swinir-text"),
    ("rcan", "Urban100", 2, 33.34, 0.9384, "rcan-t3", "esrt-table+rdsrn-readme+swinir-text"),
    ("rdn", "Set5", 2, 38.24, 0.9614, "rdn-paper", "rdsrn-readme"),
    ("rdn", "Set14", 2, 34.01, 0.9212, "rdn-paper", "rdsrn-readme"),
    ("rdn", "B100", 2, 32.34, 0.9017, "rdn-paper", "rdsrn-readme"),
    ("rdn", "Urban100", 2, 32.89, 0.9353, "rdn-paper", "rdsrn-readme"),
    ("drcn", "Set5", 3, 33.82, 0.9226, "drcn-paper", "rdsrn-readme"),
    ("drcn", "Set14", 3, 29.77, 0.8314, "drcn-paper", "rdsrn-readme"),
    ("drcn", "B100", 3, 28.80, 0.7963, "drcn-paper", "rdsrn-readme"),
    ("drcn", "Urban100", 3, 27.15, 0.8277, "drcn-paper", "rdsrn-readme"),
    ("drrn", "Set5", 3, 34.03, 0.9244, "drrn-paper", "rdsrn-readme"),
    ("drrn", "Set14", 3, 29.96, 0.8349, "drrn-paper", "rdsrn-readme"),
    ("drrn", "B100", 3, 28.95, 0.8004, "drrn-paper", "rdsrn-readme"),
    ("drrn", "Urban100", 3, 27.53, 0.8377, "drrn-paper", "rdsrn-readme"),
    ("memnet", "Set5", 3, 34.09, 0.9248, "memnet-paper", "rdsrn-readme"),
    ("memnet", "Set14", 3, 30.00, 0.8350, "memnet-paper", "rdsrn-readme"),
    ("memnet", "B100", 3, 28.96, 0.8001, "memnet-paper", "rdsrn-readme"),
    ("memnet", "Urban100", 3, 27.56, 0.8376, "memnet-paper", "rdsrn-readme"),
    ("rdn", "Set5", 3, 34.71, 0.9296, "rdn-paper", "rdsrn-readme"),
    ("rdn", "Set14", 3, 30.57, 0.8468, "rdn-paper", "rdsrn-readme"),
    ("rdn", "B100", 3, 29.26, 0.8093, "rdn-paper", "rdsrn-readme"),
    ("rdn", "Urban100", 3, 28.80, 0.8653, "rdn-paper", "rdsrn-readme"),
    ("rcan", "Set5", 3, 34.74, 0.9299, "rcan-t3", "rdsrn-readme+swinir-text"),
    ("rcan", "Set14", 3, 30.65, 0.8482, "rcan-t3", "rdsrn-readme+swinir-text"),
    ("rcan", "B100", 3, 29.32, 0.8111, "rcan-t3", "rdsrn-readme+swinir-text"),
    ("rcan", "Urban100", 3, 29.09, 0.8702, "rcan-t3", "rdsrn-readme+swinir-text"),
    ("msrn", "Set5", 2, 38.08, 0.9605, "msrn-paper", "msrn-readme"),
    ("msrn", "Set14", 2, 33.74, 0.9170, "msrn-paper", "msrn-readme"),
    ("msrn", "B100", 2, 32.23, 0.9013, "msrn-paper", "msrn-readme"),
    ("msrn", "Urban100", 2, 32.22, 0.9326, "msrn-paper", "msrn-readme"),
    ("msrn", "Manga109", 2, 38.82, 0.9868, "msrn-paper", "msrn-readme"),
    ("msrn", "Set5", 3, 34.38, 0.9262, "msrn-paper", "msrn-readme"),
    ("msrn", "Set14", 3, 30.34, 0.8395, "msrn-paper", "msrn-readme"),
    ("msrn", "B100", 3, 29.08, 0.8041, "msrn-paper", "msrn-readme"),
    ("msrn", "Urban100", 3, 28.08, 0.8554, "msrn-paper", "msrn-readme"),
    ("msrn", "Manga109", 3, 33.44, 0.9427, "msrn-paper", "msrn-readme"),
    ("msrn", "Set5", 4, 32.07, 0.8903, "msrn-paper", "msrn-readme+hsrr-readme"),
    ("msrn", "Set14", 4, 28.60, 0.7751, "msrn-paper", "msrn-readme+hsrr-readme"),
    ("msrn", "B100", 4, 27.52, 0.7273, "msrn-paper", "msrn-readme+hsrr-readme"),
    ("msrn", "Urban100", 4, 26.04, 0.7896, "msrn-paper", "msrn-readme+hsrr-readme"),
    ("msrn", "Manga109", 4, 30.17, 0.9034, "msrn-paper", "msrn-readme+hsrr-readme"),
    ("vdsr-paper", "Set5", 2, 37.53, 0.9587, "vdsr-paper", "esrt-table"),
    ("vdsr-paper", "Set14", 2, 33.03, 0.9124, "vdsr-paper", "esrt-table"),
    ("vdsr-paper", "B100", 2, 31.90, 0.8960, "vdsr-paper", "esrt-table"),
    ("vdsr-paper", "Urban100", 2, 30.76, 0.9140, "vdsr-paper", "esrt-table"),
    ("vdsr-paper", "Set5", 4, 31.35, 0.8838, "vdsr-paper", "esrt-table+hsrr-readme"),
    ("vdsr-paper", "Set14", 4, 28.01, 0.7674, "vdsr-paper", "esrt-table+hsrr-readme"),
    ("vdsr-paper", "B100", 4, 27.29, 0.7251, "vdsr-paper", "esrt-table+hsrr-readme"),
    ("vdsr-paper", "Urban100", 4, 25.18, 0.7524, "vdsr-paper", "esrt-table+hsrr-readme"),
    ("rcan", "Manga109", 2, 39.44, 0.9786, "rcan-t3", "swinir-text"),
    ("rcan", "Manga109", 3, 34.44, 0.9499, "rcan-t3", "swinir-text"),
    ("rcan", "Manga109", 4, 31.22, 0.9173, "rcan-t3", "swinir-text"),
    ("dbpn", "Set5", 2, 38.09, 0.9600, "dbpn-paper", "swinir-text"),
    ("dbpn", "Set14", 2, 33.85, 0.9190, "dbpn-paper", "swinir-text"),
    ("dbpn", "B100", 2, 32.27, 0.9000, "dbpn-paper", "swinir-text"),
    ("dbpn", "Urban100", 2, 32.55, 0.9324, "dbpn-paper", "swinir-text"),
    ("dbpn", "Manga109", 2, 38.89, 0.9775, "dbpn-paper", "swinir-text"),
    ("dbpn", "Manga109", 4, 30.91, 0.9137, "dbpn-paper", "swinir-text"),
    ("carn", "Manga109", 2, 38.36, 0.9765, "swinir-t3", "swinir-text"),
    ("carn", "Manga109", 3, 33.50, 0.9440, "swinir-t3", "swinir-text"),
    ("carn", "Manga109", 4, 30.47, 0.9084, "swinir-t3", "swinir-text"),
    ("carn-m", "Set5", 2, 37.53, 0.9583, "carn-paper", None),
    ("carn-m", "Set14", 2, 33.26, 0.9141, "carn-paper", None),
    ("carn-m", "B100", 2, 31.92, 0.8960, "carn-paper", None),
    ("carn-m", "Urban100", 2, 31.23, 0.9193, "carn-paper", None),
    ("carn-m", "Set5", 3, 33.99, 0.9236, "carn-paper", None),
    ("carn-m", "Set14", 3, 30.08, 0.8367, "carn-paper", None),
    ("carn-m", "B100", 3, 28.91, 0.8000, "carn-paper", None),
    ("carn-m", "Urban100", 3, 27.55, 0.8385, "carn-paper", None),
    ("carn-m", "Set5", 4, 31.92, 0.8903, "carn-paper", None),
    ("carn-m", "Set14", 4, 28.42, 0.7762, "carn-paper", None),
    ("carn-m", "B100", 4, 27.44, 0.7304, "carn-paper", None),
    ("carn-m", "Urban100", 4, 25.62, 0.7694, "carn-paper", None),
)


#: each method's own paper (BibTeX key); ``""`` for bicubic interpolation.
PAPERS: dict[str, str] = {
    "bicubic": "", "srcnn": "dong2016srcnn", "fsrcnn": "dong2016fsrcnn", "espcn": "shi2016espcn",
    "espcn-t91": "shi2016espcn", "vdsr": "kim2016vdsr", "vdsr-paper": "kim2016vdsr", "drcn": "kim2016drcn",
    "lapsrn": "lai2017lapsrn", "drrn": "tai2017drrn", "memnet": "tai2017memnet", "edsr-baseline": "lim2017edsr",
    "carn": "ahn2018carn", "carn-m": "ahn2018carn", "msrn": "li2018msrn", "dbpn": "haris2018dbpn", "edsr": "lim2017edsr",
    "rdn": "zhang2018rdn", "rcan": "zhang2018rcan",
}


#: short author-year labels of the papers the tables come from (BibTeX key -> label), used by :func:`whose`.
CITATIONS: dict[str, str] = {
    "zhang2018rcan": "Zhang et al., ECCV 2018 (RCAN)", "ahn2018carn": "Ahn et al., ECCV 2018 (CARN)",
    "lim2017edsr": "Lim et al., CVPRW 2017 (EDSR)", "shi2016espcn": "Shi et al., CVPR 2016 (ESPCN)",
    "kim2016vdsr": "Kim et al., CVPR 2016 (VDSR)", "kim2016drcn": "Kim et al., CVPR 2016 (DRCN)",
    "tai2017drrn": "Tai et al., CVPR 2017 (DRRN)", "tai2017memnet": "Tai et al., ICCV 2017 (MemNet)",
    "zhang2018rdn": "Zhang et al., CVPR 2018 (RDN)", "haris2018dbpn": "Haris et al., CVPR 2018 (DBPN)",
    "li2018msrn": "Li et al., ECCV 2018 (MSRN)", "dong2016srcnn": "Dong et al., TPAMI 2016 (SRCNN)",
    "dong2016fsrcnn": "Dong et al., ECCV 2016 (FSRCNN)", "lai2017lapsrn": "Lai et al., CVPR 2017 (LapSRN)",
    "liang2021swinir": "Liang et al., ICCVW 2021 (SwinIR)",
}


def whose(row: dict) -> str:
    """Whose evaluation a cell is, in words, from a row dict of :func:`published_rows`.

    ``"original: <paper>, <table>"`` (the model's own paper), ``"re-evaluation in <paper>, <table>"``
    (another paper evaluated or tabulated the model), ``"baseline, as tabulated in <paper>, <table>"``
    (bicubic interpolation).

        >>> whose(provenance("vdsr", "Set5", 2))
        're-evaluation in Zhang et al., ECCV 2018 (RCAN), Table 3'
        >>> whose(provenance("vdsr-paper", "Set5", 2))
        'original: Kim et al., CVPR 2016 (VDSR), Table (benchmark comparison)'
    """
    where = ", ".join(x for x in (CITATIONS.get(row["source"], row["source"]), row["table"]) if x)
    if row["kind"] == "original":
        return f"original: {where}"
    if row["kind"] == "baseline":
        return f"baseline, as tabulated in {where}"
    if not row["source"]:  # several later papers, or a paper without a BibTeX key here
        src = SOURCES[row["source_id"]]
        return f"re-evaluation: {src.table}"
    return f"re-evaluation in {where}"


def _row_dict(r: tuple) -> dict:
    m, d, s, p, ss, src, chk = r
    so = SOURCES[src]
    own = PAPERS[m]
    kind = "original" if so.key and so.key == own else ("re-evaluation" if own else "baseline")
    return {"method": m, "dataset": d, "scale": s, "psnr": p, "ssim": ss, "source": so.key, "table": so.table,
            "kind": kind, "of": own, "source_id": src, "checked": chk.split("+") if chk else []}


def published_rows(method: Optional[str] = None, dataset: Optional[str] = None,
                   scale: Optional[int] = None) -> list[dict]:
    """Rows matching the filters, as dicts ``{method, dataset, scale, psnr, ssim, source, table,
    kind, of, source_id, checked}`` (``source``: BibTeX key of the table's paper, ``""`` when the
    figure comes from several later papers' tables; ``of``: the model's own paper; ``kind``:
    ``"original"``, ``"re-evaluation"`` or ``"baseline"`` (bicubic); ``checked``: list of
    :data:`CHECKS` labels, empty when unchecked)."""
    out = []
    for r in ROWS:
        m, d, s = r[:3]
        if (method is None or m == method.lower()) and (dataset is None or d.lower() == dataset.lower()) \
                and (scale is None or s == scale):
            out.append(_row_dict(r))
    return out


def published(method: str, dataset: str, scale: int) -> Optional[tuple[float, Optional[float]]]:
    """``(psnr, ssim)`` published for ``method`` on ``dataset`` at ``scale``, or ``None`` if not reported."""
    rows = published_rows(method, dataset, scale)
    return (rows[0]["psnr"], rows[0]["ssim"]) if rows else None


def provenance(method: str, dataset: str, scale: int) -> Optional[dict]:
    """The full row dict of one cell (see :func:`published_rows`), or ``None``."""
    rows = published_rows(method, dataset, scale)
    return rows[0] if rows else None


#: the published row to compare a T91-trained srtutor model with (same training data when the paper has it).
_REFERENCE = {"espcn": "espcn-t91"}


def reference(model: str, dataset: str, scale: int) -> Optional[tuple[str, float, Optional[float]]]:
    """``(row_name, psnr, ssim)`` of the published row that srtutor's ``model`` is compared with
    (ESPCN's T91 row where it exists, else the model's own row), or ``None``."""
    for name in (_REFERENCE.get(model.lower()), model.lower()):
        if name is not None:
            hit = published(name, dataset, scale)
            if hit is not None:
                return name, hit[0], hit[1]
    return None


def markdown_table(headers: list[str], rows: list[list]) -> str:
    """A GitHub-flavoured Markdown table (floats printed as given by the caller)."""
    lines = ["| " + " | ".join(map(str, headers)) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
