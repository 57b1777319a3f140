import numpy as np
import pytest
import torch
from skimage.color import rgb2ycbcr as sk_rgb2ycbcr

from srtutor import color


def test_matches_matlab_rgb2ycbcr_via_skimage():
    # scikit-image's rgb2ycbcr implements MATLAB's studio-range BT.601 on the 255 scale
    rng = np.random.default_rng(0)
    img = rng.random((17, 13, 3))
    ref = sk_rgb2ycbcr(img)  # HWC, Y in [16, 235]
    got = color.rgb_to_ycbcr(torch.from_numpy(img).permute(2, 0, 1)).permute(1, 2, 0).numpy() * 255
    np.testing.assert_allclose(got, ref, atol=1e-10)


def test_known_values():
    white = torch.ones(3, 1, 1, dtype=torch.float64)
    black = torch.zeros(3, 1, 1, dtype=torch.float64)
    assert color.rgb_to_y(white).item() * 255 == pytest.approx(235.0)
    assert color.rgb_to_y(black).item() * 255 == pytest.approx(16.0)
    assert color.rgb_to_y(white, full_range=True).item() == pytest.approx(1.0)
    ycc = color.rgb_to_ycbcr(black) * 255
    assert ycc.flatten().tolist() == pytest.approx([16.0, 128.0, 128.0])


def test_roundtrip_batched_and_float32():
    x = torch.rand(2, 3, 8, 9)
    for full in (False, True):
        back = color.ycbcr_to_rgb(color.rgb_to_ycbcr(x, full_range=full), full_range=full)
        torch.testing.assert_close(back, x, atol=1e-5, rtol=0)


def test_y_of_grey_image_is_itself():
    g = torch.rand(1, 1, 5, 5)
    assert color.rgb_to_y(g) is g


@pytest.mark.parametrize(
    "bad, exc, words",
    [
        (np.zeros((3, 4, 4)), TypeError, "torch.Tensor"),
        (torch.zeros(4, 4), ValueError, "shape"),
        (torch.zeros(2, 4, 4), ValueError, "channels"),
        (torch.zeros(3, 4, 4, dtype=torch.uint8), TypeError, "floating"),
        (torch.full((3, 4, 4), 2.0), ValueError, "[0, 1]"),
        (torch.full((3, 4, 4), float("nan")), ValueError, "NaN"),
    ],
)
def test_bad_input(bad, exc, words):
    with pytest.raises(exc, match=None) as info:
        color.rgb_to_ycbcr(bad)
    assert words in str(info.value) and "x" in str(info.value)
