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


def test_fig8_rows():
    rows = complexity.fig8_rows("Set5", 4, models=("srcnn", "vdsr", "carn", "espcn"))
    assert [r["model"] for r in rows] == ["srcnn", "vdsr", "carn"]  # no published ESPCN x4
    srcnn = rows[0]
    assert srcnn["psnr"] == 30.48 and srcnn["multi_adds"] == 52_700_774_400 and srcnn["params"] == 57_281
    assert rows[2]["checked"]  # CARN x4 Set5 confirmed by a text copy
    assert complexity.fig8_rows("Manga109", 4, models=("carn",)) == []
