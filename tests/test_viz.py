import base64
import io
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from PIL import Image  # noqa: E402

from srtutor import viz  # noqa: E402


def _decode(uri: str) -> np.ndarray:
    assert uri.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))))


def test_to_display_types_and_ranges():
    t = torch.rand(3, 5, 7)
    a = viz.to_display(t)
    assert a.shape == (5, 7, 3) and a.dtype == np.float32
    np.testing.assert_allclose(a, t.permute(1, 2, 0).numpy(), atol=1e-7)
    assert viz.to_display(torch.rand(1, 1, 4, 6)).shape == (4, 6)
    assert viz.to_display(torch.full((2, 3), 2.0)).max() == 1.0  # clipped
    u8 = np.full((4, 4, 3), 255, np.uint8)
    assert viz.to_display(u8).max() == 1.0
    assert viz.to_display(Image.fromarray(u8)).shape == (4, 4, 3)
    with pytest.raises(ValueError, match="channels"):
        viz.to_display(torch.rand(2, 4, 4))
    with pytest.raises(ValueError, match="batch"):
        viz.to_display(torch.rand(2, 3, 4, 4))
    with pytest.raises(TypeError, match="x must be"):
        viz.to_display([1, 2, 3])


def test_use_style_opaque_backgrounds():
    viz.use_style()
    fig, ax = plt.subplots()
    assert to_rgba(fig.get_facecolor()) == (1.0, 1.0, 1.0, 1.0)
    assert to_rgba(ax.get_facecolor()) == (1.0, 1.0, 1.0, 1.0)
    assert matplotlib.rcParams["savefig.transparent"] is False
    plt.close(fig)


def test_show_images_axes_count_and_zoom():
    hr = torch.rand(3, 32, 32)
    lr = torch.rand(3, 8, 8)
    fig = viz.show_images([lr, hr, hr], titles=["LR", "HR", "SR"])
    assert isinstance(fig, matplotlib.figure.Figure)
    assert len(fig.axes) == 3
    assert [ax.get_title() for ax in fig.axes] == ["LR", "HR", "SR"]
    assert to_rgba(fig.get_facecolor())[3] == 1.0
    plt.close(fig)

    fig = viz.show_images({"LR": lr, "HR": hr}, zoom=(8, 4, 8, 16))
    assert len(fig.axes) == 4  # 2 images + 2 crops
    # the crop of the HR image is its (8:16, 4:20) region, of the LR image the same region / 4
    crop_hr = fig.axes[3].images[0].get_array()
    np.testing.assert_allclose(crop_hr, hr[:, 8:16, 4:20].permute(1, 2, 0).numpy(), atol=1e-6)
    assert fig.axes[2].images[0].get_array().shape == (2, 4, 3)
    assert len(fig.axes[1].patches) == 1  # the rectangle
    plt.close(fig)

    # more images than columns: unused cells are removed
    fig = viz.show_images([hr] * 5, ncols=3)
    assert len(fig.axes) == 5
    plt.close(fig)
    with pytest.raises(ValueError, match="titles"):
        viz.show_images([hr, hr], titles=["one"])
    with pytest.raises(ValueError, match="zoom"):
        viz.show_images([hr], zoom=(1, 2))


def _demo_fn(sigma, scale):
    # a distinct, checkable image for every combination
    return torch.full((3, 6, 6), sigma / 10 + scale / 100)


def test_static_demo_frames_sliders_and_ids():
    params = {"sigma": [0, 1, 2, 5], "scale": ("upscaling factor", [2, 3, 4])}
    demo = viz.interactive_demo(_demo_fn, params, static=True, titles="sigma={sigma} x{scale}")
    assert len(demo.frames) == 12
    h = demo._repr_html_()
    uris = re.findall(r'"(data:image/png;base64,[^"]+)"', h)
    # 12 frames in the JSON payload + the initial <img> src
    assert len(set(uris)) == 12
    ranges = re.findall(r'<input type="range" id="([^"]+)" name="([^"]+)" min="(\d+)" max="(\d+)"', h)
    assert [(name, int(lo), int(hi)) for _, name, lo, hi in ranges] == [("sigma", 0, 3), ("scale", 0, 2)]
    assert "upscaling factor" in h
    assert "<script>" in h and "require" not in h and "http" not in h
    # row-major frame order: frame index = i_sigma * 3 + i_scale
    first = _decode(uris[0])  # the <img> initial src = frame 0 (sigma 0, scale 2)
    assert first[0, 0, 0] == round((0 + 0.02) * 255)
    payload_frames = uris[1:]
    assert _decode(payload_frames[3 * 3 + 2])[0, 0, 0] == round((0.5 + 0.04) * 255)
    assert "sigma=5 x4" in h

    # a caption cannot break out of the inline <script> holding the frames
    tricky = viz.interactive_demo(_demo_fn, {"sigma": [0], "scale": [2]}, static=True, titles="</script><b>{sigma}")
    assert tricky.html.count("</script>") == 2  # the JSON payload's and the code's own

    other = viz.interactive_demo(_demo_fn, params, static=True)
    ids_a = set(re.findall(r'id="([^"]+)"', h))
    ids_b = set(re.findall(r'id="([^"]+)"', other.html))
    assert ids_a and ids_b and not ids_a & ids_b


def test_static_demo_env_switch_figures_and_limits(monkeypatch):
    monkeypatch.setenv("SRTUTOR_STATIC", "1")

    def fig_fn(k):
        fig, ax = plt.subplots(figsize=(2, 2))
        ax.plot(np.arange(5) * k)
        return fig

    n_open = len(plt.get_fignums())
    demo = viz.interactive_demo(fig_fn, {"k": [1, 2]}, initial={"k": 2})
    assert isinstance(demo, viz.StaticDemo) and len(demo.frames) == 2
    assert len(plt.get_fignums()) == n_open  # figures closed after encoding
    assert 'value="1"' in demo.html  # initial position
    pair = viz.interactive_demo(lambda s: [torch.rand(3, 4, 4), torch.rand(3, 8, 8)], {"s": [1]})
    assert len(pair.frames) == 1
    with pytest.raises(ValueError, match="max_frames"):
        viz.interactive_demo(_demo_fn, {"sigma": list(range(10)), "scale": list(range(10))})
    with pytest.raises(ValueError, match="initial"):
        viz.interactive_demo(_demo_fn, {"sigma": [1], "scale": [2]}, initial={"sigma": 7})
    with pytest.raises(ValueError, match="params"):
        viz.interactive_demo(_demo_fn, {})


def test_live_demo_builds_widgets(monkeypatch):
    monkeypatch.delenv("SRTUTOR_STATIC", raising=False)
    ipywidgets = pytest.importorskip("ipywidgets")
    box = viz.interactive_demo(_demo_fn, {"sigma": [0, 1], "scale": [2, 4]}, static=False)
    assert isinstance(box, ipywidgets.VBox)
    sliders = [w for w in box.children if isinstance(w, ipywidgets.SelectionSlider)]
    assert [s.description for s in sliders] == ["sigma", "scale"]
    assert list(sliders[1].options) == [("2", 2), ("4", 4)]
