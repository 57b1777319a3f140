"""srtutor.complexity: Multi-Adds at 720p HR (the survey's Fig. 8 convention) and the rows."""

from __future__ import annotations

import pytest

from srtutor import complexity
from srtutor.models import create


def test_srcnn_multi_adds_by_hand():
    # 9-5-5 SRCNN on Y runs on the 1280 x 720 bicubic image: (81*64 + 25*64*32 + 25*32) MACs per pixel
    per_pixel = 81 * 64 + 25 * 64 * 32 + 25 * 32
    assert complexity.multi_adds(create("srcnn", scale=4), 4) == per_pixel * 1280 * 720 == 52_700_774_400


@pytest.mark.parametrize("name,published_g,rel", [
    ("vdsr", 612.6, 1e-3), ("drcn", 17_974.3, 1e-4), ("carn", 90.9, 1e-3), ("rdn", 1_309.0, 1e-3),
])
def test_multi_adds_match_the_lightweight_sr_tables(name, published_g, rel):
    # x4 Multi-Adds for a 720p output as tabulated in the lightweight-SR literature (CARN's convention)
    assert complexity.multi_adds(create(name, scale=4), 4) / 1e9 == pytest.approx(published_g, rel=rel)


def test_fig8_rows_follow_the_survey_convention():
    # x2, mean PSNR over Set5/Set14/B100/Urban100, VDSR's own figures
    rows = complexity.fig8_rows(models=("srcnn", "vdsr", "carn", "drcn", "espcn"))
    assert [r["model"] for r in rows] == ["srcnn", "vdsr", "carn"]  # DRCN lacks checked x2 cells, ESPCN x2 figures
    srcnn, vdsr, carn = rows
    assert srcnn["psnr"] == pytest.approx((36.66 + 32.45 + 31.36 + 29.50) / 4)
    assert vdsr["row"] == "vdsr-paper" and vdsr["psnrs"]["Set14"] == 33.03 and vdsr["kinds"] == {"original"}
    assert srcnn["multi_adds"] == 52_700_774_400 and srcnn["params"] == 57_281  # same network at x2 and x4
    assert carn["checked"] and srcnn["kinds"] == {"re-evaluation"}
    # multi-scale CARN: the paper's 1,592K parameters; x2 Multi-Adds 222.8G as in SwinIR's Table 3
    assert carn["params"] == 1_591_939 and carn["multi_adds"] / 1e9 == pytest.approx(222.8, rel=1e-3)
    lit = complexity.fig8_rows(4, ("Set5",), models=("carn",))  # x4 upsampler of the same network
    assert lit[0]["psnr"] == 32.13 and lit[0]["multi_adds"] / 1e9 == pytest.approx(90.9, rel=1e-3)
