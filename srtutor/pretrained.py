"""Pretrained srtutor models: shipped float16 weights with sha256-checked model cards (survey §3.6).

    >>> import srtutor
    >>> net = srtutor.models.pretrained("espcn", 3)          # doctest: +SKIP
    >>> sr = srtutor.models.upscale(net, lr)                 # doctest: +SKIP
    >>> srtutor.pretrained.available_pretrained()            # doctest: +SKIP
    ['espcn-x2', 'espcn-x3', ...]

This module only *loads* (the implementation is :mod:`srtutor.models.zoo`); writing weights
and cards is :mod:`srtutor.train.export` (re-exported here as :func:`export_weights` and
:func:`measure` for compatibility).

The weights live in ``srtutor/weights/`` (package data): one ``<recipe>.pt`` per trained network,
a float16 ``state_dict`` saved with ``torch.save``, and ``weights.json``, the **model cards**, one
per ``"<model>-x<scale>"`` (a multi-scale network — VDSR, CARN — fills three cards from one file;
LapSRN ×4's file also fills the ×2 card, ``"partial": true``, with its first pyramid level):
file, sha256, parameter count, the training recipe (:mod:`srtutor.recipes`: data, patch, batch,
loss, schedule, steps, seed), the wall time it took and the Set5/Set14 PSNR/SSIM measured with
the benchmark protocol (:func:`srtutor.evaluate.evaluate_images`) next to bicubic.

Loading checks the file's sha256 against its card before ``torch.load(..., weights_only=True)``
and casts the weights to float32 (or ``dtype``). They were trained on a CPU budget of minutes
to an hour per network with T91 only, so they sit below the papers' figures: the cards and the
benchmark appendix say by how much.

Evaluation protocol (:func:`default_protocol`): ``"srcnn"`` (Y channel resized, the convention
of SRCNN/VDSR's scripts) for 1-channel (Y) models, ``"rgb"`` (RGB resized, Y scored) for RGB
models, as each family's papers did.
"""

from __future__ import annotations

from srtutor.models.zoo import (
    WEIGHTS_DIR, PretrainedError, available_pretrained, default_protocol, model_callable, model_card, model_cards,
    pretrained, sha256_file,
)
from srtutor.train.export import export_weights, measure

__all__ = ["WEIGHTS_DIR", "available_pretrained", "model_card", "model_cards", "pretrained", "default_protocol",
           "export_weights", "sha256_file", "PretrainedError", "model_callable", "measure"]
