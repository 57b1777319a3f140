"""Accuracy against cost, the data of the survey's Fig. 8: published PSNR vs computed Multi-Adds.

The survey's Fig. 8 places SR models by PSNR (y) against Multi-Adds (x), with the number of
parameters as the marker size. Its Multi-Adds follow the convention of the lightweight-SR papers
(CARN, MSRN): multiply-adds of one forward pass that produces a **720p HR image** (1280 × 720;
the LR input is ``720/s × 1280/s``). Here the Multi-Adds are *computed* by the package
(:func:`srtutor.models.cost.count_flops` / 2 on the registered architecture, shapes only) and the
PSNR is the *published* figure (:mod:`srtutor.published`, with its provenance).

The convention is confirmed by the numbers: SRCNN (9-5-5, 64/32 filters, Y) costs
``(81·64 + 25·64·32 + 25·32) · 1280 · 720 = 52.70 G`` Multi-Adds, VDSR 612.6 G, DRCN 17,974.3 G,
CARN 90.9 G, RDN 1,309 G — the figures tabulated in the lightweight-SR literature
(``tests/test_complexity.py``). Which dataset and scale the survey's plot uses could not be
checked against a text copy of the survey; :func:`fig8_rows` takes both (default Set5, ×4,
where every implemented model has a published, checked figure).
"""

from __future__ import annotations

from typing import Optional, Sequence

__all__ = ["FIG8_MODELS", "HR_720P", "multi_adds", "fig8_rows"]

#: HR size of the Multi-Adds convention: 720p, ``(height, width)``.
HR_720P = (720, 1280)
#: registered models with published figures, oldest first (registry name = published row name).
FIG8_MODELS = ("srcnn", "fsrcnn", "vdsr", "drcn", "lapsrn", "drrn", "memnet", "edsr-baseline", "carn", "msrn",
               "dbpn", "edsr", "rdn", "rcan")


def multi_adds(model, scale: int, hr_size: tuple[int, int] = HR_720P) -> int:
    """Multiply-adds of one forward pass of ``model`` producing an ``hr_size`` image at ``scale``.

    The LR input is ``(hr_h // scale, hr_w // scale)``; pre-upsampling models run on the HR-sized
    bicubic image (the interpolation itself is not counted). Convolutions, transposed
    convolutions and matrix products count; element-wise operations do not.
    """
    from srtutor.models.cost import count_flops

    lr = (hr_size[0] // scale, hr_size[1] // scale)
    return count_flops(model, lr, scale) // 2


def fig8_rows(dataset: str = "Set5", scale: int = 4, *, models: Sequence[str] = FIG8_MODELS,
              hr_size: tuple[int, int] = HR_720P) -> list[dict]:
    """One row per model that has a published figure on ``dataset`` at ``scale``.

    Returns:
        dicts ``{"model", "psnr", "ssim", "multi_adds" (int), "params" (int), "source",
        "checked"}`` — PSNR/SSIM and their provenance from :func:`srtutor.published.provenance`,
        Multi-Adds from :func:`multi_adds`, parameters of the registered architecture built with
        ``create(model, scale=scale)``. Models without a published figure there are skipped.
    """
    from srtutor.models import count_parameters, create
    from srtutor.published import provenance

    rows = []
    for name in models:
        pub: Optional[dict] = provenance(name, dataset, scale)
        if pub is None:
            continue
        net = create(name, scale=scale)
        rows.append({"model": name, "psnr": pub["psnr"], "ssim": pub["ssim"],
                     "multi_adds": multi_adds(net, scale, hr_size), "params": count_parameters(net),
                     "source": pub["source"] or pub["source_id"], "checked": pub["checked"]})
    return rows
