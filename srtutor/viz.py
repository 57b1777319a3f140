"""Figures and interactive demos for the book (and for your own notebooks).

* :func:`use_style` — one matplotlib style for every figure: opaque white backgrounds (so
  figures stay readable in the book's dark theme), no smoothing of pixels, grey colour map.
* :func:`show_images` — images side by side, optionally with a zoomed crop of the same region
  under each one (the usual way super-resolution results are compared).
* :func:`interactive_demo` — sliders over a function's parameters. In a live Jupyter kernel
  it uses ipywidgets and calls the function as the sliders move; when the book is built
  (environment variable ``SRTUTOR_STATIC=1``) or with ``static=True`` it precomputes every
  combination and renders plain HTML range sliders that swap precomputed PNG frames — no
  kernel, no network, no require.js.

Images may be ``torch.Tensor`` of shape ``(C, H, W)`` or ``(1, C, H, W)`` (float in ``[0, 1]``,
any device), 2-D tensors ``(H, W)``, numpy arrays ``HWC``/``HW`` (uint8, or float in
``[0, 1]``) or PIL images; :func:`to_display` converts all of them.
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import json
import os
import uuid
from typing import Any, Callable, Mapping, Sequence

import numpy as np

__all__ = ["use_style", "to_display", "show_images", "interactive_demo", "StaticDemo", "figure_to_png"]

_STYLE = {
    "figure.facecolor": "white",
    "figure.edgecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.edgecolor": "white",
    "savefig.transparent": False,
    "savefig.bbox": "tight",
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.figsize": (8.0, 4.0),
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "image.cmap": "gray",
    "image.interpolation": "nearest",  # show pixels as pixels: interpolation would hide SR artefacts
    "legend.frameon": False,
    "text.color": "black",
    "axes.labelcolor": "black",
    "xtick.color": "black",
    "ytick.color": "black",
}

_PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]


def use_style() -> None:
    """Apply the book's matplotlib style (idempotent; called by :func:`show_images`).

    Backgrounds are opaque white so that figures read the same in the light and dark themes
    of the HTML book; images are drawn with ``nearest`` interpolation and a grey colour map.
    """
    import matplotlib as mpl
    from cycler import cycler

    style = dict(_STYLE)
    style["axes.prop_cycle"] = cycler(color=_PALETTE)
    mpl.rcParams.update(style)


# --------------------------------------------------------------------------------------------
# conversions


def to_display(x: Any) -> np.ndarray:
    """Convert an image to a numpy array ready for ``imshow``.

    Args:
        x: ``torch.Tensor`` ``(C, H, W)``, ``(1, C, H, W)`` or ``(H, W)`` with values in
            ``[0, 1]`` (C = 1 or 3; any device, any float dtype, gradients allowed); numpy
            ``HWC``/``HW`` array (uint8 0..255, bool, or float in ``[0, 1]``); or a PIL image.

    Returns:
        ``float32`` array of shape ``(H, W)`` (grey) or ``(H, W, 3)`` (RGB), clipped to ``[0, 1]``.

    Raises:
        TypeError: ``x`` is none of the above.
        ValueError: wrong number of dimensions or channels.
    """
    try:  # PIL without importing it eagerly
        from PIL import Image

        if isinstance(x, Image.Image):
            x = np.asarray(x.convert("RGB") if x.mode not in ("L", "RGB") else x)
    except ImportError:  # pragma: no cover
        pass
    try:
        import torch

        if isinstance(x, torch.Tensor):
            t = x.detach().to("cpu")
            if t.ndim == 4:
                if t.shape[0] != 1:
                    raise ValueError(f"x must be a single image (1, C, H, W), got batch of {t.shape[0]}: {tuple(t.shape)}")
                t = t[0]
            if t.ndim == 3:
                if t.shape[0] not in (1, 3):
                    raise ValueError(f"x must have 1 or 3 channels in dim 0 (C, H, W), got shape {tuple(t.shape)}")
                t = t[0] if t.shape[0] == 1 else t.permute(1, 2, 0)
            elif t.ndim != 2:
                raise ValueError(f"x must have shape (C, H, W), (1, C, H, W) or (H, W), got {tuple(t.shape)}")
            if not torch.is_floating_point(t):
                t = t.float() / (255.0 if t.dtype == torch.uint8 else 1.0)
            return np.clip(t.float().numpy(), 0.0, 1.0).astype(np.float32)
    except ImportError:  # pragma: no cover
        pass
    if not isinstance(x, np.ndarray):
        raise TypeError(f"x must be a torch.Tensor, numpy array or PIL image, got {type(x).__name__}")
    a = x
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if a.ndim == 3 and a.shape[2] == 4:
        a = a[:, :, :3]
    if not (a.ndim == 2 or (a.ndim == 3 and a.shape[2] == 3)):
        raise ValueError(f"x must be a numpy image of shape (H, W) or (H, W, 3), got {a.shape}")
    if a.dtype == np.uint8:
        a = a.astype(np.float32) / 255.0
    elif a.dtype == bool:
        a = a.astype(np.float32)
    return np.clip(a.astype(np.float32), 0.0, 1.0)


def _to_uint8(x: Any) -> np.ndarray:
    return np.round(to_display(x) * 255.0).astype(np.uint8)


def figure_to_png(fig: Any, *, dpi: int | None = None, close: bool = True) -> bytes:
    """Render a matplotlib figure to PNG bytes (opaque white background); close it by default."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white", transparent=False, bbox_inches="tight")
    if close:
        plt.close(fig)
    return buf.getvalue()


def _image_to_png(x: Any) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(_to_uint8(x)).save(buf, format="PNG", optimize=False)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# show_images


def _figure_class():
    """A Figure that displays exactly once in Jupyter.

    The inline backend shows every open pyplot figure at the end of a cell; if the figure is
    also the cell's last expression, IPython would draw it a second time. This subclass
    renders itself as a PNG and closes itself in pyplot, so whichever comes first wins.
    """
    from matplotlib.figure import Figure

    class SRFigure(Figure):
        def _ipython_display_(self) -> None:
            import matplotlib.pyplot as plt
            from IPython.display import Image, display

            display(Image(data=figure_to_png(self, close=False)))
            number = getattr(self, "number", None)
            if number is not None and plt.fignum_exists(number):
                plt.close(self)

    return SRFigure


_SRFigure = None


def _zoom_box(zoom: Sequence[float], ref_hw: tuple[int, int], hw: tuple[int, int]) -> tuple[float, float, float, float]:
    """Map ``zoom=(y, x, h, w)`` given in the reference image's pixels to an image of size ``hw``."""
    y, x, h, w = (float(v) for v in zoom)
    if all(0 <= v <= 1 for v in (y, x, h, w)) and any(isinstance(v, float) for v in zoom):
        y, x, h, w = y * ref_hw[0], x * ref_hw[1], h * ref_hw[0], w * ref_hw[1]
    sy, sx = hw[0] / ref_hw[0], hw[1] / ref_hw[1]
    return y * sy, x * sx, h * sy, w * sx


def show_images(
    images: Sequence[Any] | Mapping[str, Any],
    titles: Sequence[str] | None = None,
    zoom: Sequence[float] | None = None,
    ncols: int | None = None,
    figsize: tuple[float, float] | None = None,
    *,
    zoom_color: str = "#e41a1c",
    cmap: str = "gray",
    suptitle: str | None = None,
):
    """Show images side by side, optionally with a magnified crop under each one.

    Args:
        images: a sequence of images, or a mapping title → image (see :func:`to_display` for
            the accepted types). Images may differ in size (e.g. LR next to HR).
        titles: one title per image (defaults to the mapping's keys).
        zoom: ``(y, x, h, w)`` — the region to magnify, in pixels of the **largest** image
            (or as fractions of the height/width when given as floats in ``[0, 1]``). It is
            scaled to each image's own size, so an LR image shows the same region. A rectangle
            marks the region, and a second row shows the crops enlarged (nearest neighbour).
        ncols: images per row (default: all in one row up to 5, else 4).
        figsize: figure size in inches (default: about 3 inches per column).
        zoom_color: colour of the rectangle and of the crop frames.
        cmap: colour map for single-channel images.
        suptitle: a title over the whole figure.

    Returns:
        The ``matplotlib.figure.Figure`` (one axes per image, plus one per crop with ``zoom``).
        In a notebook it is shown once at the end of the cell.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    global _SRFigure
    if isinstance(images, Mapping):
        if titles is None:
            titles = [str(k) for k in images.keys()]
        images = list(images.values())
    elif not isinstance(images, (list, tuple)):
        images = [images]
    imgs = [to_display(im) for im in images]
    n = len(imgs)
    if n == 0:
        raise ValueError("images must contain at least one image, got an empty sequence")
    if titles is not None and len(titles) != n:
        raise ValueError(f"titles must have one entry per image ({n}), got {len(titles)}")
    if zoom is not None and len(zoom) != 4:
        raise ValueError(f"zoom must be (y, x, h, w), got {zoom!r}")
    if ncols is None:
        ncols = n if n <= 5 else 4
    if ncols < 1:
        raise ValueError(f"ncols must be a positive int, got {ncols}")
    ncols = min(ncols, n)
    nrows_img = -(-n // ncols)
    rows_per = 2 if zoom is not None else 1
    nrows = nrows_img * rows_per
    if figsize is None:
        figsize = (3.0 * ncols, 3.0 * nrows + (0.3 if suptitle else 0.0))

    use_style()
    if _SRFigure is None:
        _SRFigure = _figure_class()
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, squeeze=False, FigureClass=_SRFigure)
    ref_hw = max((im.shape[:2] for im in imgs), key=lambda s: s[0] * s[1])
    for i, im in enumerate(imgs):
        r, c = divmod(i, ncols)
        ax = axes[r * rows_per, c]
        ax.imshow(im, cmap=cmap if im.ndim == 2 else None, vmin=0.0, vmax=1.0, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        for spine in ax.spines.values():
            spine.set_visible(True)
            spine.set_edgecolor("#444444")
            spine.set_linewidth(0.5)
        if titles is not None:
            ax.set_title(titles[i])
        if zoom is not None:
            y, x, h, w = _zoom_box(zoom, ref_hw, im.shape[:2])
            ax.add_patch(Rectangle((x - 0.5, y - 0.5), w, h, fill=False, edgecolor=zoom_color, linewidth=1.5))
            y0, x0 = int(round(y)), int(round(x))
            y1, x1 = max(y0 + 1, int(round(y + h))), max(x0 + 1, int(round(x + w)))
            crop = im[y0:y1, x0:x1]
            zax = axes[r * rows_per + 1, c]
            zax.imshow(crop, cmap=cmap if im.ndim == 2 else None, vmin=0.0, vmax=1.0, interpolation="nearest")
            zax.set_xticks([])
            zax.set_yticks([])
            zax.grid(False)
            for spine in zax.spines.values():
                spine.set_visible(True)
                spine.set_edgecolor(zoom_color)
                spine.set_linewidth(1.5)
    # drop the unused cells of the last row(s)
    for k in range(n, nrows_img * ncols):
        r, c = divmod(k, ncols)
        for rr in range(rows_per):
            fig.delaxes(axes[r * rows_per + rr, c])
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------
# interactive_demo


def _normalize_params(params: Mapping[str, Any]) -> list[tuple[str, str, list[Any]]]:
    if not isinstance(params, Mapping) or not params:
        raise ValueError(f"params must be a non-empty dict name -> list of values, got {params!r}")
    out = []
    for name, spec in params.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"params keys must be keyword-argument names, got {name!r}")
        label = name
        if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], str):
            label, spec = spec
        values = list(spec) if not isinstance(spec, (str, bytes)) else None
        if not values:
            raise ValueError(f"params[{name!r}] must be a non-empty list of values (or (label, values)), got {spec!r}")
        out.append((name, label, values))
    return out


def _fmt_value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _result_to_png(result: Any) -> bytes:
    """Encode what a demo function returned: image, matplotlib Figure, or list/dict of images."""
    from matplotlib.figure import Figure

    if isinstance(result, Figure):
        return figure_to_png(result)
    if isinstance(result, (list, tuple, Mapping)):
        return figure_to_png(show_images(result))
    return _image_to_png(result)


def _is_live_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return False
    ip = get_ipython()
    return ip is not None and getattr(ip, "kernel", None) is not None


def _caption(titles: Any, kwargs: dict[str, Any]) -> str:
    if titles is None:
        return ""
    if callable(titles):
        return str(titles(**kwargs))
    return str(titles).format(**kwargs)


class StaticDemo:
    """A precomputed demo: HTML sliders that swap PNG frames; renders itself in Jupyter/HTML.

    Attributes:
        html: the HTML fragment (self-contained: inline ``<script>``, data-URI images).
        frames: the PNG frames (bytes), in row-major order over the parameters.
        params: ``[(name, label, values), ...]``.
        uid: the unique id prefix of the demo's elements.
    """

    def __init__(self, html_text: str, frames: list[bytes], params: list[tuple[str, str, list[Any]]], uid: str):
        self.html = html_text
        self.frames = frames
        self.params = params
        self.uid = uid

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        dims = " x ".join(f"{name}[{len(v)}]" for name, _, v in self.params)
        return f"<StaticDemo {self.uid}: {len(self.frames)} frames over {dims}>"


_DEMO_COUNTER = itertools.count()


def _static_html(
    uid: str,
    params: list[tuple[str, str, list[Any]]],
    frames: list[bytes],
    captions: list[str],
    initial: list[int],
    width: int | None,
    description: str | None,
) -> str:
    sizes = [len(v) for _, _, v in params]
    strides = [int(np.prod(sizes[k + 1:], dtype=np.int64)) for k in range(len(sizes))]
    uris = ["data:image/png;base64," + base64.b64encode(f).decode("ascii") for f in frames]
    labels = [[_fmt_value(v) for v in values] for _, _, values in params]
    start = sum(i * s for i, s in zip(initial, strides))
    style = "max-width:100%;height:auto;image-rendering:pixelated;"
    if width is not None:
        style += f"width:{int(width)}px;"
    rows = []
    for k, (name, label, values) in enumerate(params):
        sid = f"{uid}-s{k}"
        rows.append(
            f'<div class="srtutor-demo-row" style="display:flex;align-items:center;gap:0.6em;margin:0.2em 0;">'
            f'<label for="{sid}" style="min-width:7em;font-family:monospace;">{html.escape(label)}</label>'
            f'<input type="range" id="{sid}" name="{html.escape(name)}" min="0" max="{len(values) - 1}" step="1" '
            f'value="{initial[k]}" style="flex:1;max-width:24em;" aria-label="{html.escape(label)}">'
            f'<output id="{uid}-v{k}" for="{sid}" style="font-family:monospace;min-width:5em;">'
            f"{html.escape(labels[k][initial[k]])}</output></div>"
        )
    desc = f'<p class="srtutor-demo-desc" style="margin:0 0 0.4em 0;">{html.escape(description)}</p>' if description else ""
    payload = json.dumps({"frames": uris, "captions": captions, "labels": labels, "strides": strides})
    payload = payload.replace("</", "<\\/")  # a caption must not close the <script> element
    return (
        f'<div class="srtutor-demo" id="{uid}" data-frames="{len(frames)}" '
        f'style="border:1px solid #8884;border-radius:6px;padding:0.6em;margin:0.5em 0;">'
        f"{desc}{''.join(rows)}"
        f'<div style="background:#fff;display:inline-block;padding:2px;margin-top:0.3em;">'
        f'<img id="{uid}-img" class="srtutor-demo-img" src="{uris[start]}" alt="demo frame" style="{style}"></div>'
        f'<div id="{uid}-cap" class="srtutor-demo-caption" style="font-family:monospace;margin-top:0.2em;">'
        f"{html.escape(captions[start])}</div>"
        f'<script type="application/json" id="{uid}-data">{payload}</script>'
        "<script>(function(){"
        f'var uid="{uid}";'
        'var root=document.getElementById(uid);if(!root){return;}'
        'var d=JSON.parse(document.getElementById(uid+"-data").textContent);'
        'var img=document.getElementById(uid+"-img"),cap=document.getElementById(uid+"-cap");'
        "var n=d.strides.length;"
        "function update(){var idx=0;for(var k=0;k<n;k++){"
        'var s=document.getElementById(uid+"-s"+k);var i=parseInt(s.value,10);idx+=i*d.strides[k];'
        'document.getElementById(uid+"-v"+k).textContent=d.labels[k][i];}'
        "img.src=d.frames[idx];cap.textContent=d.captions[idx];}"
        'for(var k=0;k<n;k++){var s=document.getElementById(uid+"-s"+k);'
        's.addEventListener("input",update);s.addEventListener("change",update);}'
        "})();</script></div>"
    )


def interactive_demo(
    fn: Callable[..., Any],
    params: Mapping[str, Any],
    *,
    static: bool | None = None,
    titles: str | Callable[..., str] | None = None,
    initial: Mapping[str, Any] | None = None,
    max_frames: int = 60,
    width: int | None = None,
    description: str | None = None,
):
    """Sliders over the parameters of ``fn``; live in Jupyter, precomputed in the static book.

    Args:
        fn: called as ``fn(**kwargs)`` with one value per parameter; returns an image tensor
            ``(C, H, W)`` in ``[0, 1]``, a numpy image, a matplotlib ``Figure``, or a list /
            dict of images (shown side by side with :func:`show_images`).
        params: ``{name: values}`` or ``{name: (label, values)}`` — each becomes a slider over
            the listed values (in the given order).
        static: ``True`` precomputes every combination of values and returns HTML sliders
            (works without a kernel); ``False`` builds ipywidgets. ``None`` (default): static
            when the environment variable ``SRTUTOR_STATIC`` is ``1`` (the book build sets it)
            or when no Jupyter kernel is running.
        titles: caption under the image, a format string (``"sigma = {sigma}"``) or a callable
            ``titles(**kwargs) -> str``.
        initial: ``{name: value}`` for the sliders' starting positions (default: first values).
        max_frames: static mode refuses more combinations than this (each is one PNG in the page).
        width: displayed width of the image in CSS pixels (static mode; default: natural size).
        description: a sentence shown above the sliders.

    Returns:
        Static mode: a :class:`StaticDemo` (renders as HTML; make it the last expression of a
        cell). Live mode: an ``ipywidgets.VBox`` with the sliders and the output.

    Raises:
        ValueError: empty or malformed ``params``, an ``initial`` value not among the values,
            or more than ``max_frames`` combinations in static mode.
    """
    spec = _normalize_params(params)
    init_idx = []
    for name, _, values in spec:
        if initial and name in initial:
            try:
                init_idx.append(values.index(initial[name]))
            except ValueError:
                raise ValueError(f"initial[{name!r}] = {initial[name]!r} is not one of params[{name!r}] = {values!r}") from None
        else:
            init_idx.append(0)
    if static is None:
        static = os.environ.get("SRTUTOR_STATIC", "") == "1" or not _is_live_kernel()

    if not static:
        return _live_demo(fn, spec, init_idx, titles, description)

    n_frames = int(np.prod([len(v) for _, _, v in spec], dtype=np.int64))
    if n_frames > max_frames:
        raise ValueError(
            f"params give {n_frames} combinations, more than max_frames={max_frames}: use fewer values "
            f"per slider or raise max_frames (each frame is a PNG embedded in the page)"
        )
    frames, captions = [], []
    names = [name for name, _, _ in spec]
    for combo in itertools.product(*[v for _, _, v in spec]):
        kwargs = dict(zip(names, combo))
        frames.append(_result_to_png(fn(**kwargs)))
        captions.append(_caption(titles, kwargs))
    uid = f"srtutor-demo-{next(_DEMO_COUNTER)}-{uuid.uuid4().hex[:8]}"
    return StaticDemo(_static_html(uid, spec, frames, captions, init_idx, width, description), frames, spec, uid)


def _live_demo(fn, spec, init_idx, titles, description):
    import ipywidgets as widgets
    from IPython.display import Image, display
    from matplotlib.figure import Figure

    controls = {}
    for (name, label, values), i in zip(spec, init_idx):
        controls[name] = widgets.SelectionSlider(
            options=[(_fmt_value(v), v) for v in values],
            value=values[i],
            description=label,
            continuous_update=False,
            style={"description_width": "initial"},
            layout=widgets.Layout(width="32em"),
        )

    def _show(**kwargs):
        result = fn(**kwargs)
        if isinstance(result, Figure):
            display(Image(data=figure_to_png(result)))
        elif isinstance(result, (list, tuple, Mapping)):
            fig = show_images(result)
            display(Image(data=figure_to_png(fig)))
        else:
            display(Image(data=_image_to_png(result)))
        cap = _caption(titles, kwargs)
        if cap:
            print(cap)

    out = widgets.interactive_output(_show, controls)
    children = list(controls.values()) + [out]
    if description:
        children.insert(0, widgets.HTML(f"<p>{html.escape(description)}</p>"))
    return widgets.VBox(children)
