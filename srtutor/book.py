"""The book's run modes: quick, full and smoke, and the training budgets they give.

Every chapter notebook has a ``parameters`` cell (papermill) with ``QUICK``, ``SMOKE``,
``DEVICE``, ``SEED`` and ``CPU_THREADS``. Three modes follow from ``QUICK`` and ``SMOKE``:

========  =======================================================================
mode      what runs
========  =======================================================================
quick     small data, small models, short training (2 CPU cores, minutes) — the default
full      the full data, shapes, models and training budgets (a GPU runner)
smoke     the *full* mode's data, shapes, models and code paths, but every training
          loop stops after :data:`SMOKE_STEPS` steps, and the evaluations that a
          notebook passes through :meth:`Mode.images` see only the smallest image of
          their set (at its full size): it proves that full mode runs (on a CPU, in
          CI) without paying for it; its numbers mean nothing
========  =======================================================================

A notebook writes::

    MODE = srtutor.book.Mode(quick=QUICK, smoke=SMOKE)
    QUICK = MODE.quick                         # False in smoke mode: full data and shapes
    STEPS = MODE.steps(quick=300, full=20000)  # 300, 20000, or SMOKE_STEPS
    STEPS = MODE.cap(STEPS)                    # a budget chosen elsewhere, cut in smoke mode
    val = MODE.images(val)                     # smoke mode: only the smallest image, full size

This module is base layer: it imports nothing from :mod:`srtutor`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Mode", "SMOKE_STEPS"]

SMOKE_STEPS = 4
"""Training steps (iterations of any training loop) in smoke mode."""


@dataclass(frozen=True)
class Mode:
    """The run mode of a notebook.

    Args:
        quick: the ``QUICK`` parameter.
        smoke: the ``SMOKE`` parameter; it wins over ``quick`` (smoke runs the full mode's code).
    """

    quick: bool = True
    smoke: bool = False

    def __post_init__(self):
        object.__setattr__(self, "quick", bool(self.quick) and not bool(self.smoke))
        object.__setattr__(self, "smoke", bool(self.smoke))

    @property
    def name(self) -> str:
        """``"smoke"``, ``"quick"`` or ``"full"``."""
        return "smoke" if self.smoke else ("quick" if self.quick else "full")

    def steps(self, quick: int, full: int) -> int:
        """A training budget: ``quick`` in quick mode, ``full`` in full mode, at most
        :data:`SMOKE_STEPS` in smoke mode."""
        for name, n in (("quick", quick), ("full", full)):
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise ValueError(f"{name} must be a positive int (a number of steps), got {n!r}")
        if self.smoke:
            return min(full, SMOKE_STEPS)
        return quick if self.quick else full

    def images(self, images: dict, n: int = 1) -> dict:
        """``images`` (name → ``(C, H, W)`` tensor) unchanged, or in smoke mode its ``n``
        smallest images (fewest pixels; full size, original order)."""
        if not isinstance(images, dict):
            raise TypeError(f"images must be a dict name -> (C, H, W) tensor, got {type(images).__name__}")
        if not self.smoke or len(images) <= n:
            return images
        keep = set(sorted(images, key=lambda k: images[k].shape[-2] * images[k].shape[-1])[:n])
        return {k: v for k, v in images.items() if k in keep}

    def cap(self, steps: int) -> int:
        """``steps`` unchanged, or at most :data:`SMOKE_STEPS` in smoke mode."""
        return self.steps(steps, steps)
