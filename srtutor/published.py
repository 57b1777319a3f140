"""Published benchmark figures of the classic SR models (survey §3.6), kept as data with their sources.

PSNR (dB) / SSIM on the Y channel of BT.601 YCbCr, ``scale`` pixels cropped at each border,
LR made by MATLAB bicubic ``imresize`` (the BI setting) — the protocol of
:mod:`srtutor.evaluate`. Each row names the BibTeX key (``book/references.bib``) of the table
it was typed from:

* ``zhang2018rcan`` — Table 3 of the RCAN paper (Zhang et al., ECCV 2018), which collects
  bicubic, SRCNN, FSRCNN, VDSR, LapSRN and EDSR at ×2/×3/×4 on Set5, Set14, B100, Urban100 and
  Manga109 in one consistent evaluation (the same figures as the original papers' own tables
  to within 0.03 dB, e.g. VDSR Set5 ×2 37.53).
* ``ahn2018carn`` — the CARN paper's comparison table (no Manga109).
* ``lim2017edsr`` — EDSR *baseline* (16 blocks, 64 channels, ~1.4 M parameters): figures of
  the authors' released single-scale baseline models as tabulated by later lightweight-SR
  papers (the EDSR paper itself reports the baseline only on DIV2K validation).
* ``shi2016espcn`` — ESPCN's ×3 results (PSNR only): trained on ImageNet (``"espcn"``) and
  on T91 (``"espcn-t91"``, the fair reference for srtutor's T91-trained weights).

SRCNN's rows are its 9-5-5 model trained on ImageNet (TPAMI 2016); trained on T91 it gets
about 0.2–0.4 dB less (Dong et al. 2016, Fig. 5). The numbers were typed by hand from the
tables; ``None`` marks a figure the source does not give.

Checked (2026-12) against public text copies of these tables (later papers' comparison tables
and project READMEs; RCAN's and CARN's own tables are images): the bicubic, SRCNN, LapSRN ×4,
EDSR ×4, CARN and EDSR-baseline ×2/×4 rows agree; VDSR's and FSRCNN ×2's differ from their
original papers by ≤ 0.05 dB (RCAN's re-evaluation, e.g. VDSR Set14 ×2 33.05 here, 33.03 in
Kim et al.); ESPCN's ImageNet row was corrected to 33.13 / 29.49. Not yet checked against a
text source: the Manga109 ×2/×3 cells, FSRCNN/LapSRN ×3 and EDSR-baseline ×3.

    >>> from srtutor.published import published
    >>> published("vdsr", "Set5", 2)
    (37.53, 0.959)
"""

from __future__ import annotations

from typing import Optional

__all__ = ["ROWS", "DATASETS", "METHODS", "published", "published_rows", "reference", "markdown_table"]

#: benchmark sets in the order of the survey's tables.
DATASETS = ("Set5", "Set14", "B100", "Urban100", "Manga109")
#: methods in the order of the appendix table (oldest first).
METHODS = ("bicubic", "srcnn", "fsrcnn", "espcn", "espcn-t91", "vdsr", "lapsrn", "edsr-baseline", "carn", "edsr")

#: ``(method, dataset, scale, psnr, ssim, source_bibtex_key)``.
ROWS: tuple[tuple[str, str, int, float, Optional[float], str], ...] = (
    ("bicubic", "Set5", 2, 33.66, 0.9299, "zhang2018rcan"),
    ("bicubic", "Set14", 2, 30.24, 0.8688, "zhang2018rcan"),
    ("bicubic", "B100", 2, 29.56, 0.8431, "zhang2018rcan"),
    ("bicubic", "Urban100", 2, 26.88, 0.8403, "zhang2018rcan"),
    ("bicubic", "Manga109", 2, 30.80, 0.9339, "zhang2018rcan"),
    ("srcnn", "Set5", 2, 36.66, 0.9542, "zhang2018rcan"),
    ("srcnn", "Set14", 2, 32.45, 0.9067, "zhang2018rcan"),
    ("srcnn", "B100", 2, 31.36, 0.8879, "zhang2018rcan"),
    ("srcnn", "Urban100", 2, 29.50, 0.8946, "zhang2018rcan"),
    ("srcnn", "Manga109", 2, 35.60, 0.9663, "zhang2018rcan"),
    ("fsrcnn", "Set5", 2, 37.05, 0.9560, "zhang2018rcan"),
    ("fsrcnn", "Set14", 2, 32.66, 0.9090, "zhang2018rcan"),
    ("fsrcnn", "B100", 2, 31.53, 0.8920, "zhang2018rcan"),
    ("fsrcnn", "Urban100", 2, 29.88, 0.9020, "zhang2018rcan"),
    ("fsrcnn", "Manga109", 2, 36.67, 0.9710, "zhang2018rcan"),
    ("vdsr", "Set5", 2, 37.53, 0.9590, "zhang2018rcan"),
    ("vdsr", "Set14", 2, 33.05, 0.9130, "zhang2018rcan"),
    ("vdsr", "B100", 2, 31.90, 0.8960, "zhang2018rcan"),
    ("vdsr", "Urban100", 2, 30.77, 0.9140, "zhang2018rcan"),
    ("vdsr", "Manga109", 2, 37.22, 0.9750, "zhang2018rcan"),
    ("lapsrn", "Set5", 2, 37.52, 0.9591, "zhang2018rcan"),
    ("lapsrn", "Set14", 2, 33.08, 0.9130, "zhang2018rcan"),
    ("lapsrn", "B100", 2, 31.80, 0.8950, "zhang2018rcan"),
    ("lapsrn", "Urban100", 2, 30.41, 0.9101, "zhang2018rcan"),
    ("lapsrn", "Manga109", 2, 37.27, 0.9740, "zhang2018rcan"),
    ("edsr", "Set5", 2, 38.11, 0.9602, "zhang2018rcan"),
    ("edsr", "Set14", 2, 33.92, 0.9195, "zhang2018rcan"),
    ("edsr", "B100", 2, 32.32, 0.9013, "zhang2018rcan"),
    ("edsr", "Urban100", 2, 32.93, 0.9351, "zhang2018rcan"),
    ("edsr", "Manga109", 2, 39.10, 0.9773, "zhang2018rcan"),
    ("bicubic", "Set5", 3, 30.39, 0.8682, "zhang2018rcan"),
    ("bicubic", "Set14", 3, 27.55, 0.7742, "zhang2018rcan"),
    ("bicubic", "B100", 3, 27.21, 0.7385, "zhang2018rcan"),
    ("bicubic", "Urban100", 3, 24.46, 0.7349, "zhang2018rcan"),
    ("bicubic", "Manga109", 3, 26.95, 0.8556, "zhang2018rcan"),
    ("srcnn", "Set5", 3, 32.75, 0.9090, "zhang2018rcan"),
    ("srcnn", "Set14", 3, 29.30, 0.8215, "zhang2018rcan"),
    ("srcnn", "B100", 3, 28.41, 0.7863, "zhang2018rcan"),
    ("srcnn", "Urban100", 3, 26.24, 0.7989, "zhang2018rcan"),
    ("srcnn", "Manga109", 3, 30.48, 0.9117, "zhang2018rcan"),
    ("fsrcnn", "Set5", 3, 33.18, 0.9140, "zhang2018rcan"),
    ("fsrcnn", "Set14", 3, 29.37, 0.8240, "zhang2018rcan"),
    ("fsrcnn", "B100", 3, 28.53, 0.7910, "zhang2018rcan"),
    ("fsrcnn", "Urban100", 3, 26.43, 0.8080, "zhang2018rcan"),
    ("fsrcnn", "Manga109", 3, 31.10, 0.9210, "zhang2018rcan"),
    ("vdsr", "Set5", 3, 33.67, 0.9210, "zhang2018rcan"),
    ("vdsr", "Set14", 3, 29.78, 0.8320, "zhang2018rcan"),
    ("vdsr", "B100", 3, 28.83, 0.7990, "zhang2018rcan"),
    ("vdsr", "Urban100", 3, 27.14, 0.8290, "zhang2018rcan"),
    ("vdsr", "Manga109", 3, 32.01, 0.9340, "zhang2018rcan"),
    ("lapsrn", "Set5", 3, 33.82, 0.9227, "zhang2018rcan"),
    ("lapsrn", "Set14", 3, 29.87, 0.8320, "zhang2018rcan"),
    ("lapsrn", "B100", 3, 28.82, 0.7980, "zhang2018rcan"),
    ("lapsrn", "Urban100", 3, 27.07, 0.8280, "zhang2018rcan"),
    ("lapsrn", "Manga109", 3, 32.21, 0.9350, "zhang2018rcan"),
    ("edsr", "Set5", 3, 34.65, 0.9280, "zhang2018rcan"),
    ("edsr", "Set14", 3, 30.52, 0.8462, "zhang2018rcan"),
    ("edsr", "B100", 3, 29.25, 0.8093, "zhang2018rcan"),
    ("edsr", "Urban100", 3, 28.80, 0.8653, "zhang2018rcan"),
    ("edsr", "Manga109", 3, 34.17, 0.9476, "zhang2018rcan"),
    ("bicubic", "Set5", 4, 28.42, 0.8104, "zhang2018rcan"),
    ("bicubic", "Set14", 4, 26.00, 0.7027, "zhang2018rcan"),
    ("bicubic", "B100", 4, 25.96, 0.6675, "zhang2018rcan"),
    ("bicubic", "Urban100", 4, 23.14, 0.6577, "zhang2018rcan"),
    ("bicubic", "Manga109", 4, 24.89, 0.7866, "zhang2018rcan"),
    ("srcnn", "Set5", 4, 30.48, 0.8628, "zhang2018rcan"),
    ("srcnn", "Set14", 4, 27.50, 0.7513, "zhang2018rcan"),
    ("srcnn", "B100", 4, 26.90, 0.7101, "zhang2018rcan"),
    ("srcnn", "Urban100", 4, 24.52, 0.7221, "zhang2018rcan"),
    ("srcnn", "Manga109", 4, 27.58, 0.8555, "zhang2018rcan"),
    ("fsrcnn", "Set5", 4, 30.72, 0.8660, "zhang2018rcan"),
    ("fsrcnn", "Set14", 4, 27.61, 0.7550, "zhang2018rcan"),
    ("fsrcnn", "B100", 4, 26.98, 0.7150, "zhang2018rcan"),
    ("fsrcnn", "Urban100", 4, 24.62, 0.7280, "zhang2018rcan"),
    ("fsrcnn", "Manga109", 4, 27.90, 0.8610, "zhang2018rcan"),
    ("vdsr", "Set5", 4, 31.35, 0.8830, "zhang2018rcan"),
    ("vdsr", "Set14", 4, 28.02, 0.7680, "zhang2018rcan"),
    ("vdsr", "B100", 4, 27.29, 0.7260, "zhang2018rcan"),
    ("vdsr", "Urban100", 4, 25.18, 0.7540, "zhang2018rcan"),
    ("vdsr", "Manga109", 4, 28.83, 0.8870, "zhang2018rcan"),
    ("lapsrn", "Set5", 4, 31.54, 0.8850, "zhang2018rcan"),
    ("lapsrn", "Set14", 4, 28.19, 0.7720, "zhang2018rcan"),
    ("lapsrn", "B100", 4, 27.32, 0.7270, "zhang2018rcan"),
    ("lapsrn", "Urban100", 4, 25.21, 0.7560, "zhang2018rcan"),
    ("lapsrn", "Manga109", 4, 29.09, 0.8900, "zhang2018rcan"),
    ("edsr", "Set5", 4, 32.46, 0.8968, "zhang2018rcan"),
    ("edsr", "Set14", 4, 28.80, 0.7876, "zhang2018rcan"),
    ("edsr", "B100", 4, 27.71, 0.7420, "zhang2018rcan"),
    ("edsr", "Urban100", 4, 26.64, 0.8033, "zhang2018rcan"),
    ("edsr", "Manga109", 4, 31.02, 0.9148, "zhang2018rcan"),
    ("carn", "Set5", 2, 37.76, 0.9590, "ahn2018carn"),
    ("carn", "Set14", 2, 33.52, 0.9166, "ahn2018carn"),
    ("carn", "B100", 2, 32.09, 0.8978, "ahn2018carn"),
    ("carn", "Urban100", 2, 31.92, 0.9256, "ahn2018carn"),
    ("edsr-baseline", "Set5", 2, 37.99, 0.9604, "lim2017edsr"),
    ("edsr-baseline", "Set14", 2, 33.57, 0.9175, "lim2017edsr"),
    ("edsr-baseline", "B100", 2, 32.16, 0.8994, "lim2017edsr"),
    ("edsr-baseline", "Urban100", 2, 31.98, 0.9272, "lim2017edsr"),
    ("edsr-baseline", "Manga109", 2, 38.54, 0.9769, "lim2017edsr"),
    ("carn", "Set5", 3, 34.29, 0.9255, "ahn2018carn"),
    ("carn", "Set14", 3, 30.29, 0.8407, "ahn2018carn"),
    ("carn", "B100", 3, 29.06, 0.8034, "ahn2018carn"),
    ("carn", "Urban100", 3, 28.06, 0.8493, "ahn2018carn"),
    ("edsr-baseline", "Set5", 3, 34.37, 0.9270, "lim2017edsr"),
    ("edsr-baseline", "Set14", 3, 30.28, 0.8417, "lim2017edsr"),
    ("edsr-baseline", "B100", 3, 29.09, 0.8052, "lim2017edsr"),
    ("edsr-baseline", "Urban100", 3, 28.15, 0.8527, "lim2017edsr"),
    ("edsr-baseline", "Manga109", 3, 33.45, 0.9439, "lim2017edsr"),
    ("carn", "Set5", 4, 32.13, 0.8937, "ahn2018carn"),
    ("carn", "Set14", 4, 28.60, 0.7806, "ahn2018carn"),
    ("carn", "B100", 4, 27.58, 0.7349, "ahn2018carn"),
    ("carn", "Urban100", 4, 26.07, 0.7837, "ahn2018carn"),
    ("edsr-baseline", "Set5", 4, 32.09, 0.8938, "lim2017edsr"),
    ("edsr-baseline", "Set14", 4, 28.58, 0.7813, "lim2017edsr"),
    ("edsr-baseline", "B100", 4, 27.57, 0.7357, "lim2017edsr"),
    ("edsr-baseline", "Urban100", 4, 26.04, 0.7849, "lim2017edsr"),
    ("edsr-baseline", "Manga109", 4, 30.35, 0.9067, "lim2017edsr"),
    ("espcn", "Set5", 3, 33.13, None, "shi2016espcn"),
    ("espcn", "Set14", 3, 29.49, None, "shi2016espcn"),
    ("espcn-t91", "Set5", 3, 32.55, None, "shi2016espcn"),
    ("espcn-t91", "Set14", 3, 29.08, None, "shi2016espcn"),
)


def published_rows(method: Optional[str] = None, dataset: Optional[str] = None,
                   scale: Optional[int] = None) -> list[dict]:
    """Rows matching the filters, as dicts ``{method, dataset, scale, psnr, ssim, source}``."""
    out = []
    for m, d, s, p, ss, src in ROWS:
        if (method is None or m == method.lower()) and (dataset is None or d.lower() == dataset.lower()) \
                and (scale is None or s == scale):
            out.append({"method": m, "dataset": d, "scale": s, "psnr": p, "ssim": ss, "source": src})
    return out


def published(method: str, dataset: str, scale: int) -> Optional[tuple[float, Optional[float]]]:
    """``(psnr, ssim)`` published for ``method`` on ``dataset`` at ``scale``, or ``None`` if not reported."""
    rows = published_rows(method, dataset, scale)
    return (rows[0]["psnr"], rows[0]["ssim"]) if rows else None


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
