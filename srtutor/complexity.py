"""Accuracy against cost, the data of the survey's Fig. 8: published PSNR vs computed Multi-Adds.

The survey's Fig. 8 places representative SR models by accuracy against computational cost, with
model size as the marker. Its §3.6 states the convention (checked against a text copy of the
survey's §3.6, a Korean translation kept in a public GitHub repository; the survey's own PDF text
was not reachable): accuracy is the **mean PSNR over Set5, Set14, B100 and Urban100**, model size
and cost are counted with PyTorch-OpCounter for an **output resolution of 720p** ("i.e. 1080 ×
720" in the survey's words — 720p is 1280 × 720, the size used here and in the lightweight-SR
papers' Multi-Adds; pass ``hr_size=(720, 1080)`` for the literal reading), statistics come from
the original papers or official models, and the **scale is ×2**.

Here the Multi-Adds are *computed* by the package (:func:`srtutor.models.cost.count_flops` / 2
on the registered architecture, shapes only) and the PSNR figures are the *published* ones
(:mod:`srtutor.published`, with their provenance; a model's own paper preferred, e.g. VDSR's own
figures rather than RCAN's re-evaluation). The counting convention is confirmed by the numbers:
SRCNN (9-5-5, 64/32 filters, Y) costs ``(81·64 + 25·64·32 + 25·32) · 1280 · 720 = 52.70 G``
Multi-Adds and VDSR 612.6 G, DRCN 17,974.3 G, CARN 90.9 G, RDN 1,309 G at ×4 — the figures
tabulated in the lightweight-SR literature (``tests/test_complexity.py``).
"""

from __future__ import annotations

from typing import Optional, Sequence

__all__ = ["FIG8_MODELS", "FIG8_DATASETS", "FIG8_KWARGS", "ROW_NAME", "HR_720P", "multi_adds", "fig8_rows"]

#: HR size of the Multi-Adds convention: 720p, ``(height, width)``.
HR_720P = (720, 1280)
#: registered models with published figures, oldest first.
FIG8_MODELS = ("srcnn", "fsrcnn", "vdsr", "drcn", "lapsrn", "drrn", "memnet", "edsr-baseline", "carn-m", "carn", "msrn",
               "dbpn", "edsr", "rdn", "rcan")
#: the published row used for a registered model when it differs (the model's own paper's figures).
ROW_NAME = {"vdsr": "vdsr-paper"}
#: constructor options that give the published configuration (CARN's figures and its 1,592K
#: parameters describe the multi-scale model; its x2 forward pass uses the x2 upsampler only).
FIG8_KWARGS: dict[str, dict] = {"carn": {"multi_scale": True}, "carn-m": {"multi_scale": True}}
#: the survey's accuracy axis: mean PSNR over these sets.
FIG8_DATASETS = ("Set5", "Set14", "B100", "Urban100")


def multi_adds(model, scale: int, hr_size: tuple[int, int] = HR_720P) -> int:
    """Multiply-adds of one forward pass of ``model`` producing an ``hr_size`` image at ``scale``.

    The LR input is ``(hr_h // scale, hr_w // scale)``; pre-upsampling models run on the HR-sized
    bicubic image (the interpolation itself is not counted). Convolutions, transposed
    convolutions and matrix products count; element-wise operations do not.
    """
    from srtutor.models.cost import count_flops

    lr = (hr_size[0] // scale, hr_size[1] // scale)
    return count_flops(model, lr, scale) // 2


def fig8_rows(scale: int = 2, datasets: Sequence[str] = FIG8_DATASETS, *, models: Sequence[str] = FIG8_MODELS,
              hr_size: tuple[int, int] = HR_720P) -> list[dict]:
    """One row per model that has a published PSNR on every one of ``datasets`` at ``scale``.

    Returns:
        dicts ``{"model", "row", "psnr" (mean over ``datasets``), "psnrs" ({set: psnr}),
        "multi_adds" (int), "params" (int), "kinds" (set of "original"/"re-evaluation"),
        "checked" (all cells confirmed by a text copy)}`` — PSNR and provenance from
        :func:`srtutor.published.provenance` (row name :data:`ROW_NAME` or the model's), Multi-Adds
        from :func:`multi_adds`, parameters of ``create(model, scale=scale, **FIG8_KWARGS[model])``. Models missing a
        figure are skipped (their names are in no row: compare with ``models``).
    """
    from srtutor.models import count_parameters, create
    from srtutor.published import provenance

    rows = []
    for name in models:
        row = ROW_NAME.get(name, name)
        cells = [provenance(row, d, scale) for d in datasets]
        if any(c is None for c in cells):
            continue
        net = create(name, scale=scale, **FIG8_KWARGS.get(name, {}))
        psnrs = {d: c["psnr"] for d, c in zip(datasets, cells)}
        rows.append({"model": name, "row": row, "psnr": sum(psnrs.values()) / len(psnrs), "psnrs": psnrs,
                     "multi_adds": multi_adds(net, scale, hr_size), "params": count_parameters(net),
                     "kinds": {c["kind"] for c in cells}, "checked": all(c["checked"] for c in cells)})
    return rows
