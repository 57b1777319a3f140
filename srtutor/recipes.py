"""Named training recipes for the pretrained srtutor models (survey §3.6, appendix).

A recipe is everything needed to retrain a shipped model: architecture and scale, data,
patch size, batch, loss, optimiser schedule, number of steps and seed. ``paper`` records
what the original paper used, so that the model card can say how far the CPU budget is
from it::

    >>> from srtutor.recipes import get_recipe
    >>> r = get_recipe("espcn-x3")
    >>> r.model, r.scale, r.patch                    # doctest: +SKIP
    ('espcn', 3, 17)

Train one with ``python -m srtutor train --recipe espcn-x3 --out espcn-x3.pt`` (or
``python scripts/train_pretrained.py --recipe espcn-x3 --out ckpt/``) and
export it into ``srtutor/weights/`` with ``--export``.

The ``steps`` are a **CPU budget** (minutes on one thread), not the papers' schedules
(10^5–10^8 back-propagations on GPUs): the shipped weights are therefore below the papers'
figures, by an amount the model cards and the benchmark appendix measure. ``full_steps``
is what a GPU run (``--full``) uses.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Optional

__all__ = ["Recipe", "RECIPES", "get_recipe", "available_recipes"]


@dataclass(frozen=True)
class Recipe:
    """One training recipe (Adam; the LR patch is ``patch``, the HR patch ``scale * patch``).

    Multi-scale recipes (``scales``, e.g. VDSR's and CARN's single network for ×2/×3/×4) draw
    one factor per step and remake the LR batch from the ``scale * patch`` HR patches
    (:func:`srtutor.train.train`); ``serves`` lists the factors whose model cards the weights
    fill (default ``scales``, else ``(scale,)``: LapSRN ×4 also serves ×2 with its first level).
    ``init`` names the recipe whose trained weights this one starts from (EDSR's ×3/×4 models
    start from the ×2 model, Lim et al. 2017 §4.1); tensors whose shape differs (the
    upsampler) start fresh.
    """

    name: str
    model: str
    scale: int
    patch: int
    batch: int
    lr: float
    steps: int
    full_steps: int
    loss: str = "l1"
    schedule: str = "cosine"
    data: str = "T91"
    seed: int = 0
    kwargs: dict[str, Any] = field(default_factory=dict)
    paper: str = ""
    scales: tuple[int, ...] = ()
    serves: tuple[int, ...] = ()
    deep_supervision: bool = False
    grad_clip: Optional[float] = None
    init: Optional[str] = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def train_options(self) -> dict[str, Any]:
        """The keyword arguments of :func:`srtutor.train.train` that this recipe sets beyond the
        basics (multi-scale ``scales``, ``deep_supervision``, ``grad_clip``)."""
        return {"scales": self.scales or None, "deep_supervision": self.deep_supervision,
                "grad_clip": self.grad_clip}

    @property
    def card_scales(self) -> tuple[int, ...]:
        """The factors served by this recipe's weights (one model card each)."""
        return tuple(self.serves or self.scales or (self.scale,))

    def full(self) -> "Recipe":
        """The same recipe with ``full_steps`` (for a GPU)."""
        return replace(self, steps=self.full_steps)


_PAPER = {
    "srcnn": "Dong et al. 2014/2016: T91 (or ImageNet), 33x33 HR sub-images, MSE, SGD lr 1e-4 "
             "(1e-5 last layer), ~8e8 back-propagations",
    "fsrcnn": "Dong et al. 2016: T91 + General-100 with augmentation, LR sub-images 7-11 px, MSE, "
              "SGD lr 1e-3 (deconv 1e-4), then fine-tuning per scale from the x3 model",
    "espcn": "Shi et al. 2016: T91 (ImageNet for the best rows), LR patches 17x17, MSE, "
             "lr 0.01 -> 1e-4 on plateaus, tanh",
    "vdsr": "Kim et al. 2016: 291 images (T91 + BSD200), 41x41 patches, batch 64, SGD lr 0.1 /10 every "
            "20 epochs, gradient clipping, 80 epochs, multi-scale x2/x3/x4",
    "lapsrn": "Lai et al. 2017: 291 images, 128x128 HR patches, batch 64, Charbonnier, SGD lr 1e-5",
    "edsr-baseline": "Lim et al. 2017: DIV2K (800 images), 48x48 LR patches, batch 16, L1, Adam 1e-4 "
                     "halved every 2e5 steps, 3e5 steps",
    "carn": "Ahn et al. 2018: DIV2K, 64x64 patches, batch 64, L1, Adam 1e-4 halved every 4e5 steps, "
            "6e5 steps, multi-scale",
}


def _r(model: str, scale: int, patch: int, batch: int, lr: float, steps: int, full_steps: int,
       name: Optional[str] = None, **kw: Any) -> Recipe:
    return Recipe(name=name or f"{model}-x{scale}", model=model, scale=scale, patch=patch, batch=batch, lr=lr,
                  steps=steps, full_steps=full_steps, paper=_PAPER[model], **kw)


_ALL = [
    # light post-upsampling models: ~4-6k steps are minutes on one CPU thread
    *[_r("espcn", s, 17, 16, 1e-3, 3000, 200_000) for s in (2, 3, 4)],
    *[_r("fsrcnn", s, {2: 20, 3: 17, 4: 12}[s], 16, 1e-3, 3000, 200_000) for s in (2, 3, 4)],
    # pre-upsampling: the network runs on the HR grid (33x33 in the paper), scale^2 costlier per patch
    *[_r("srcnn", s, {2: 16, 3: 11, 4: 8}[s], 16, 5e-4, 800, 500_000, loss="l2") for s in (2, 3, 4)],
    # VDSR: one network for x2/x3/x4 as in the paper (36x36 HR patches, divisible by 2, 3 and 4)
    _r("vdsr", 2, 18, 16, 2e-4, 2400, 200_000, name="vdsr-x234", loss="l2", scales=(2, 3, 4), grad_clip=1.0),
    # LapSRN x4 with a loss on both pyramid levels; its first level is the x2 model. paper=False: the
    # shipped file was trained with srtutor 0.1's variant (4x4 feature deconvolution, biased image branch)
    _r("lapsrn", 4, 16, 16, 2e-4, 3000, 200_000, loss="charbonnier", deep_supervision=True, serves=(2, 4),
       kwargs={"paper": False}),
    # EDSR-baseline: x2 from scratch, x3/x4 from the x2 weights (Lim et al. 2017)
    _r("edsr-baseline", 2, 24, 16, 5e-4, 2000, 300_000, data="T91 (paper: DIV2K)"),
    *[_r("edsr-baseline", s, {3: 16, 4: 12}[s], 16, 2e-4, 600, 300_000, data="T91 (paper: DIV2K)",
         init="edsr-baseline-x2") for s in (3, 4)],
    # CARN: the paper's multi-scale model (x2/x3/x4 upsamplers, 60x60 HR patches)
    _r("carn", 2, 30, 16, 5e-4, 3000, 600_000, name="carn-x234", data="T91 (paper: DIV2K)",
       kwargs={"multi_scale": True}, scales=(2, 3, 4)),
]

#: recipe name -> :class:`Recipe`. Every ``"<model>-x<scale>"`` with shipped weights is a key:
#: for a multi-scale recipe (``"vdsr-x234"``) each served factor (``"vdsr-x3"``) is an alias of it.
RECIPES: dict[str, Recipe] = {r.name: r for r in _ALL}
for _rec in _ALL:
    for _s in _rec.card_scales:
        RECIPES.setdefault(f"{_rec.model}-x{_s}", _rec)


def available_recipes() -> list[str]:
    """Names accepted by :func:`get_recipe`."""
    return sorted(RECIPES)


def get_recipe(name: str) -> Recipe:
    """The recipe ``name`` (e.g. ``"espcn-x3"``, case-insensitive).

    Raises:
        ValueError: unknown name; the message lists the available recipes.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    key = name.lower()
    if key not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}; available: {', '.join(available_recipes())}")
    return RECIPES[key]
