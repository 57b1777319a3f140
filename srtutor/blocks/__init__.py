"""Building blocks of SR networks (survey §3.3, "Network Design"), one module per family.

Every block maps ``(N, C, H, W)`` feature maps to ``(N, C', H', W')`` feature maps (not
images: values are unconstrained). The blocks are the vocabulary of chapter 7 and of the
model families in :mod:`srtutor.models`. The survey's table of network-design strategies
(§3.3), with the block that implements each here and the srtutor models built from it:

========================  ==========================================  ============================
survey strategy (§3.3)    blocks (module)                             srtutor models using them
========================  ==========================================  ============================
residual learning         :class:`ResBlock`, :class:`GlobalResidual`  EDSR, MDSR heads, Meta-SR,
                          (:mod:`~srtutor.blocks.residual`)           VDSR (global residual)
recursive learning        :class:`RecursiveConv` (DRCN),              DRRN
                          :class:`RecursiveResidualUnit` (DRRN)
                          (:mod:`~srtutor.blocks.recursive`)
multi-path learning       :class:`MultiScaleResidualBlock` (MSRN),    MSRN; CARN's ×2/×3/×4 heads
                          :class:`ScaleSpecificHeads` (MDSR)
                          (:mod:`~srtutor.blocks.multipath`)
dense connections         :class:`DenseBlock`,                        RDN
                          :class:`ResidualDenseBlock` (RDN)
                          (:mod:`~srtutor.blocks.dense`)
attention                 :class:`ChannelAttention`, :class:`RCAB`,   RCAN
                          :class:`ResidualGroup` (RCAN),
                          :class:`NonLocalBlock`
                          (:mod:`~srtutor.blocks.attention`)
advanced convolution      :func:`conv`, :func:`dilated_conv`,         all; CARN-M (group conv)
                          :func:`group_conv`,
                          :class:`DepthwiseSeparableConv`
                          (:mod:`~srtutor.blocks.convs`)
cascading / efficient     :class:`EfficientResidualBlock`,            CARN, CARN-M
                          :class:`CascadingBlock`
                          (:mod:`~srtutor.blocks.cascading`)
region-recursive/pyramid  :class:`PyramidPooling` (PSPNet)            (chapter 7's BlockNet)
                          (:mod:`~srtutor.blocks.pooling`)
wavelet transform         :func:`haar_dwt`, :func:`haar_iwt`,         (chapter 7)
                          :class:`HaarDWT`, :class:`HaarIWT`
                          (:mod:`~srtutor.blocks.wavelet`)
desubpixel                :class:`Desubpixel`, :class:`Subpixel`      (chapter 7)
                          (:mod:`~srtutor.blocks.desubpixel`)
xUnit                     :class:`XUnit`                              (chapter 7's BlockNet)
                          (:mod:`~srtutor.blocks.xunit`)
pixel-recursive learning  :class:`MaskedConv2d`                       TinyPixelRecursiveSR (a toy,
                          (:mod:`~srtutor.blocks.pixel_recursive`)    :mod:`srtutor.models.pixel_recursive`)
========================  ==========================================  ============================

Shared by the post-upsampling models: :class:`MeanShift` (fixed per-channel mean, CARN, MSRN,
RCAN) and the sub-pixel upsampler :class:`srtutor.upsample.SubPixelUpsampler` (also reachable as
``PixelShuffleTail``, its former name here).

Receptive fields (:mod:`~srtutor.blocks.receptive`): each block has ``receptive_field()``
(analytic, stride-1 chains: ``1 + sum(d * (k - 1))`` along the longest path; ``math.inf`` for
blocks with global pooling or attention), and :func:`empirical_receptive_field` measures it from
the gradient of a centre output pixel.
"""

from __future__ import annotations

import importlib
import warnings

from srtutor.blocks.attention import RCAB, ChannelAttention, NonLocalBlock, ResidualGroup
from srtutor.blocks.cascading import CascadingBlock, EfficientResidualBlock
from srtutor.blocks.convs import DepthwiseSeparableConv, MeanShift, conv, dilated_conv, group_conv
from srtutor.blocks.dense import DenseBlock, ResidualDenseBlock
from srtutor.blocks.desubpixel import Desubpixel, Subpixel
from srtutor.blocks.multipath import MultiScaleResidualBlock, ScaleSpecificHeads
from srtutor.blocks.pixel_recursive import MaskedConv2d
from srtutor.blocks.pooling import PyramidPooling
from srtutor.blocks.receptive import chain_receptive_field, empirical_receptive_field
from srtutor.blocks.recursive import RecursiveConv, RecursiveResidualUnit
from srtutor.blocks.residual import GlobalResidual, ResBlock
from srtutor.blocks.wavelet import HaarDWT, HaarIWT, haar_dwt, haar_iwt
from srtutor.blocks.xunit import XUnit
from srtutor.upsample import SubPixelUpsampler

#: former name of :class:`srtutor.upsample.SubPixelUpsampler` (same layers, same state-dict keys).
PixelShuffleTail = SubPixelUpsampler

__all__ = [
    "conv", "dilated_conv", "group_conv", "DepthwiseSeparableConv", "MeanShift",
    "ResBlock", "GlobalResidual", "RecursiveConv", "RecursiveResidualUnit",
    "MultiScaleResidualBlock", "ScaleSpecificHeads", "DenseBlock", "ResidualDenseBlock",
    "ChannelAttention", "RCAB", "ResidualGroup", "NonLocalBlock",
    "EfficientResidualBlock", "CascadingBlock", "PyramidPooling",
    "haar_dwt", "haar_iwt", "HaarDWT", "HaarIWT", "Desubpixel", "Subpixel", "XUnit",
    "PixelShuffleTail", "SubPixelUpsampler", "chain_receptive_field", "empirical_receptive_field",
    "MaskedConv2d",
]


def __getattr__(name: str):
    # TinyPixelRecursiveSR is a whole model and moved to srtutor.models.pixel_recursive; blocks sit
    # below models, so the old name is resolved at attribute access (deprecated, one release).
    if name == "TinyPixelRecursiveSR":
        warnings.warn("srtutor.blocks.TinyPixelRecursiveSR moved to srtutor.models.pixel_recursive",
                      DeprecationWarning, stacklevel=2)
        return importlib.import_module("srtutor.models.pixel_recursive").TinyPixelRecursiveSR
    raise AttributeError(f"module 'srtutor.blocks' has no attribute {name!r}")
