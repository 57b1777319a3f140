"""The survey's taxonomy of deep-learning SR, kept as data and linked to this book's chapters.

Wang, Chen and Hoi organise the field in a hierarchy (survey Fig. 1, §3–§5): *supervised SR*
(model frameworks, upsampling methods, network design, learning strategies, other
improvements), *unsupervised SR* (zero-shot, weakly supervised, deep image prior) and
*domain-specific applications* (depth maps, faces, hyperspectral, real-world, video, other).
:data:`TAXONOMY` holds that tree; every node records the survey section it comes from and the
chapter of the book (a notebook name in ``book/``) that teaches it. :func:`plot_taxonomy`
draws the tree (chapter 1's figure). :data:`TABLE2` lists the models of the survey's Table 2 with
the components each combines, in the tree's vocabulary; :func:`table2_markdown` renders it.

    >>> from srtutor import taxonomy
    >>> [n.name for n in taxonomy.TAXONOMY.children]
    ['Supervised SR', 'Unsupervised SR', 'Domain-specific SR']
    >>> taxonomy.find("Sub-pixel layer").chapter
    'ch06_upsampling'

Reference: Z. Wang, J. Chen, S. C. H. Hoi, *Deep Learning for Image Super-resolution: A
Survey*, IEEE TPAMI 2020 (arXiv:1902.06068), Fig. 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Optional

__all__ = ["Node", "Chapter", "TAXONOMY", "CHAPTERS", "walk", "leaves", "find",
           "topics_by_chapter", "plot_taxonomy", "ModelComponents", "FRAMEWORKS", "UPSAMPLINGS", "DESIGNS",
           "LOSSES", "TABLE2", "TABLE2_CHECKED", "table2_markdown", "Coverage", "COVERAGE_KINDS", "coverage",
           "coverage_markdown"]


@dataclass(frozen=True)
class Node:
    """One topic of the taxonomy.

    Attributes:
        name: the topic, as the survey names it.
        section: the survey section that covers it (e.g. ``"3.3.5"``), ``""`` for the root.
        chapter: the notebook of this book that teaches it (e.g. ``"ch07_network_design"``),
            ``None`` where the book only mentions it.
        children: sub-topics, in the survey's order.
    """

    name: str
    section: str = ""
    chapter: Optional[str] = None
    children: tuple["Node", ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Chapter:
    """A chapter of the book: notebook name, title and the survey sections it follows."""

    docname: str
    title: str
    sections: str


CHAPTERS: tuple[Chapter, ...] = (
    Chapter("ch01_introduction", "Introduction and taxonomy", "§1"),
    Chapter("ch02_degradation", "Problem setting: the degradation model", "§2.1"),
    Chapter("ch03_datasets", "Datasets", "§2.2"),
    Chapter("ch04_quality", "Image quality assessment and operating channels", "§2.3–2.4"),
    Chapter("ch05_frameworks", "Supervised SR frameworks", "§3.1"),
    Chapter("ch06_upsampling", "Upsampling methods", "§3.2"),
    Chapter("ch07_network_design", "Network design", "§3.3"),
    Chapter("ch08_learning_strategies", "Learning strategies", "§3.4, §3.5.4"),
    Chapter("ch08b_other_improvements", "Other improvements (a section of chapter 8)", "§3.5"),
    Chapter("ch09_domain_specific", "Domain-specific SR", "§5"),
    Chapter("ch10_unsupervised_future", "Unsupervised SR and future directions", "§4, §6"),
    Chapter("appendix_benchmarks", "Benchmarks: published figures, Table 2 and Fig. 8", "§3.6"),
)


def _leaf(name: str, section: str, chapter: Optional[str]) -> Node:
    return Node(name, section, chapter)


def _group(name: str, section: str, chapter: Optional[str], names: list[str],
           first: int = 1) -> Node:
    """A node whose children are numbered sub-sections ``section.first``, ``section.first+1``…"""
    kids = tuple(_leaf(n, f"{section}.{i}", chapter) for i, n in enumerate(names, start=first))
    return Node(name, section, chapter, kids)


_FW, _UP, _ND, _LS = "ch05_frameworks", "ch06_upsampling", "ch07_network_design", "ch08_learning_strategies"
_OI = "ch08b_other_improvements"

TAXONOMY = Node("Image super-resolution", "", "ch01_introduction", (
    Node("Supervised SR", "3", None, (
        _group("Model frameworks", "3.1", _FW, [
            "Pre-upsampling SR", "Post-upsampling SR", "Progressive upsampling SR",
            "Iterative up-and-down sampling SR"]),
        Node("Upsampling methods", "3.2", _UP, (
            Node("Interpolation-based", "3.2.1", _UP, (
                _leaf("Nearest neighbour", "3.2.1", _UP), _leaf("Bilinear", "3.2.1", _UP),
                _leaf("Bicubic", "3.2.1", _UP))),
            Node("Learning-based", "3.2.2", _UP, (
                _leaf("Transposed convolution", "3.2.2", _UP), _leaf("Sub-pixel layer", "3.2.2", _UP),
                _leaf("Meta upscale module", "3.2.2", _UP))),
        )),
        _group("Network design", "3.3", _ND, [
            "Residual learning", "Recursive learning", "Multi-path learning", "Dense connections",
            "Attention mechanism", "Advanced convolution", "Region-recursive learning",
            "Pyramid pooling", "Wavelet transformation", "Desubpixel", "xUnit"]),
        _group("Learning strategies", "3.4", _LS, [
            "Loss functions", "Batch normalization", "Curriculum learning", "Multi-supervision"]),
        Node("Other improvements", "3.5", _OI, (
            _leaf("Context-wise network fusion", "3.5.1", _OI),
            _leaf("Data augmentation", "3.5.2", "ch03_datasets"),  # the dihedral augmentations of chapter 3
            _leaf("Multi-task learning", "3.5.3", _OI),
            _leaf("Network interpolation", "3.5.4", _LS),  # with the GAN fine-tune of chapter 8
            _leaf("Self-ensemble", "3.5.5", _OI))),
    )),
    _group("Unsupervised SR", "4", "ch10_unsupervised_future", [
        "Zero-shot SR", "Weakly-supervised SR", "Deep image prior"]),
    _group("Domain-specific SR", "5", "ch09_domain_specific", [
        "Depth map SR", "Face image SR", "Hyperspectral image SR", "Real-world image SR",
        "Video SR", "Other applications"]),
))
"""The survey's Fig. 1 as a tree of :class:`Node` (root: ``"Image super-resolution"``)."""


def walk(node: Node = TAXONOMY, depth: int = 0) -> Iterator[tuple[int, Node]]:
    """Yield ``(depth, node)`` for ``node`` and every descendant, depth first, in order."""
    yield depth, node
    for child in node.children:
        yield from walk(child, depth + 1)


def leaves(node: Node = TAXONOMY) -> list[Node]:
    """The nodes without children under ``node``, in the survey's order."""
    return [n for _, n in walk(node) if not n.children]


def find(name: str, node: Node = TAXONOMY) -> Node:
    """The first node named ``name`` (case-insensitive).

    Raises:
        KeyError: no node has that name; the message lists close matches.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    for _, n in walk(node):
        if n.name.lower() == name.lower():
            return n
    import difflib

    names = [n.name for _, n in walk(node)]
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.4)
    raise KeyError(f"no taxonomy node named {name!r}; close matches: {close}")


def topics_by_chapter(node: Node = TAXONOMY) -> dict[str, list[str]]:
    """Map each chapter's notebook name to the taxonomy topics it teaches (in tree order).

    Chapters of :data:`CHAPTERS` that teach no node of the tree (the preliminaries of survey
    §2) map to an empty list.
    """
    out: dict[str, list[str]] = {c.docname: [] for c in CHAPTERS}
    for _, n in walk(node):
        if n.chapter is not None:
            out.setdefault(n.chapter, []).append(n.name)
    return out


_BRANCH_COLOURS = ("#1f5fa8", "#b8591a", "#2d7d3a")


def plot_taxonomy(node: Node = TAXONOMY, *, ax=None, show_sections: bool = True,
                  show_chapters: bool = True, fontsize: float = 9.0, title: Optional[str] = None):
    """Draw the taxonomy as a left-to-right tree, one row per leaf.

    Each top-level branch has its own colour; a node's label carries its survey section
    (``§3.3``) and, on the group nodes, the chapter of this book that teaches it (``→ ch. 7``).

    Args:
        node: the (sub)tree to draw; the whole survey taxonomy by default.
        ax: a matplotlib ``Axes``; a new figure sized to the tree when ``None``.
        show_sections: add the survey's section numbers to the labels.
        show_chapters: add "→ ch. N" on nodes whose chapter differs from their parent's.
        fontsize: label font size in points.
        title: a title over the tree.

    Returns:
        The matplotlib ``Figure``.
    """
    import matplotlib.pyplot as plt

    rows = leaves(node)
    depth_max = max(d for d, _ in walk(node))
    if ax is None:
        fig, ax = plt.subplots(figsize=(3.1 * (depth_max + 1), 0.27 * len(rows) + 0.6))
        fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.97 if title else 0.99)
    else:
        fig = ax.figure
    chap_no = {c.docname: (c.docname[2:4].lstrip("0") if c.docname.startswith("ch") else "A")
               for c in CHAPTERS}

    y_of: dict[int, float] = {}
    counter = iter(range(len(rows)))

    def place(n: Node) -> float:
        if not n.children:
            y = float(next(counter))
        else:
            ys = [place(c) for c in n.children]
            y = (min(ys) + max(ys)) / 2
        y_of[id(n)] = y
        return y

    place(node)

    def label(n: Node, parent: Optional[Node]) -> str:
        text = n.name
        if show_sections and n.section and (parent is None or n.section != parent.section):
            text += f"  §{n.section}"
        if show_chapters and n.chapter and (parent is None or n.chapter != parent.chapter):
            text += f"  → ch. {chap_no.get(n.chapter, '?')}"
        return text

    def draw(n: Node, depth: int, parent: Optional[Node], colour: str) -> None:
        x, y = depth, y_of[id(n)]
        for c in n.children:
            xc, yc = depth + 1, y_of[id(c)]
            ax.plot([x + 0.02, x + 0.5, x + 0.5, xc - 0.02], [y, y, yc, yc], color=colour,
                    lw=1.0, alpha=0.8, solid_capstyle="butt")
        leaf = not n.children
        ax.text(x, y, label(n, parent), ha="left" if leaf else "center", va="center",
                fontsize=fontsize, color="black" if leaf else "white",
                fontweight="normal" if leaf else "bold",
                bbox=dict(boxstyle="round,pad=0.25", lw=0.8, ec=colour,
                          fc="white" if leaf else colour))
        for i, c in enumerate(n.children):
            col = _BRANCH_COLOURS[i % len(_BRANCH_COLOURS)] if parent is None else colour
            draw(c, depth + 1, n, col)

    draw(node, 0, None, "#444444")
    ax.set_xlim(-0.6, depth_max + 1.4)
    ax.set_ylim(len(rows) - 0.4, -0.6)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=fontsize + 2)
    return fig


# ----------------------------------------------------------------------------- the survey's Table 2
@dataclass(frozen=True)
class ModelComponents:
    """One model of the survey's Table 2: the components it combines (survey §3.6).

    Attributes:
        name: the model as the survey names it.
        venue: publication and year (e.g. ``"CVPR 2016"``).
        framework: a key of :data:`FRAMEWORKS` (``"pre"``, ``"post"``, ``"progressive"``,
            ``"iterative"``) — the same words as :func:`srtutor.models.inference.framework`.
        upsampling: a key of :data:`UPSAMPLINGS`.
        designs: keys of :data:`DESIGNS` the model uses (recursive, residual, dense, attention).
        losses: keys of :data:`LOSSES`.
        keywords: the model's distinctive idea, in a few words.
        model: the name of srtutor's registered implementation, or ``None``.
    """

    name: str
    venue: str
    framework: str
    upsampling: str
    designs: tuple[str, ...]
    losses: tuple[str, ...]
    keywords: str = ""
    model: Optional[str] = None


#: framework keys -> taxonomy node names (survey §3.1).
FRAMEWORKS = {"pre": "Pre-upsampling SR", "post": "Post-upsampling SR", "progressive": "Progressive upsampling SR",
              "iterative": "Iterative up-and-down sampling SR"}
#: upsampling keys -> taxonomy node names (survey §3.2).
UPSAMPLINGS = {"bicubic": "Bicubic", "deconv": "Transposed convolution", "sub-pixel": "Sub-pixel layer",
               "meta": "Meta upscale module"}
#: network-design keys (the survey's "Rec.", "Res.", "Dense", "Att." columns) -> taxonomy nodes (§3.3).
DESIGNS = {"recursive": "Recursive learning", "residual": "Residual learning", "dense": "Dense connections",
           "attention": "Attention mechanism"}
#: loss keys -> what they are; all are taught under the taxonomy node "Loss functions" (§3.4.1).
LOSSES = {"L1": "pixel L1", "L2": "pixel L2", "Charbonnier": "pixel Charbonnier", "content": "content (perceptual)",
          "texture": "texture (Gram)", "adversarial": "adversarial"}

#: Whether :data:`TABLE2` was checked against a text copy of the survey's Table 2. It was not: the
#: survey's table is not in the text copies the project's search tools reach (only the opening
#: pages of the survey are). The rows list the models of the survey's Table 2 with their
#: components as their own papers describe them; the test checks the framework of every row
#: that srtutor implements against the implementation, and every key against the vocabulary.
TABLE2_CHECKED = False

TABLE2: tuple[ModelComponents, ...] = (
    ModelComponents("SRCNN", "ECCV 2014", "pre", "bicubic", (), ("L2",), "first CNN for SR", "srcnn"),
    ModelComponents("DRCN", "CVPR 2016", "pre", "bicubic", ("recursive", "residual"), ("L2",),
                    "recursive layer, recursive supervision", "drcn"),
    ModelComponents("FSRCNN", "ECCV 2016", "post", "deconv", (), ("L2",), "lightweight post-upsampling", "fsrcnn"),
    ModelComponents("ESPCN", "CVPR 2016", "post", "sub-pixel", (), ("L2",), "sub-pixel convolution", "espcn"),
    ModelComponents("LapSRN", "CVPR 2017", "progressive", "deconv", ("residual",), ("Charbonnier",),
                    "Laplacian pyramid, deep supervision", "lapsrn"),
    ModelComponents("DRRN", "CVPR 2017", "pre", "bicubic", ("recursive", "residual"), ("L2",),
                    "recursive residual blocks", "drrn"),
    ModelComponents("SRResNet", "CVPR 2017", "post", "sub-pixel", ("residual",), ("L2",), "residual blocks with BN"),
    ModelComponents("SRGAN", "CVPR 2017", "post", "sub-pixel", ("residual",), ("content", "adversarial"),
                    "adversarial training"),
    ModelComponents("EDSR", "CVPRW 2017", "post", "sub-pixel", ("residual",), ("L1",), "no BN, wide and deep", "edsr"),
    ModelComponents("EnhanceNet", "ICCV 2017", "pre", "bicubic", ("residual",), ("content", "texture", "adversarial"),
                    "texture loss"),
    ModelComponents("MemNet", "ICCV 2017", "pre", "bicubic", ("recursive", "residual", "dense"), ("L2",),
                    "memory blocks", "memnet"),
    ModelComponents("SRDenseNet", "ICCV 2017", "post", "deconv", ("residual", "dense"), ("L2",), "dense connections"),
    ModelComponents("DBPN", "CVPR 2018", "iterative", "deconv", ("residual", "dense"), ("L2",), "back-projection",
                    "dbpn"),
    ModelComponents("RDN", "CVPR 2018", "post", "sub-pixel", ("residual", "dense"), ("L1",), "residual dense blocks",
                    "rdn"),
    ModelComponents("CARN", "ECCV 2018", "post", "sub-pixel", ("recursive", "residual", "dense"), ("L1",),
                    "cascading, group convolution", "carn"),
    ModelComponents("MSRN", "ECCV 2018", "post", "sub-pixel", ("residual",), ("L1",), "multi-scale paths", "msrn"),
    ModelComponents("RCAN", "ECCV 2018", "post", "sub-pixel", ("residual", "attention"), ("L1",),
                    "channel attention, residual in residual", "rcan"),
    ModelComponents("ESRGAN", "ECCVW 2018", "post", "sub-pixel", ("residual", "dense"), ("L1", "content", "adversarial"),
                    "RRDB, relativistic GAN"),
    ModelComponents("RNAN", "ICLR 2019", "post", "sub-pixel", ("residual", "attention"), ("L1",),
                    "non-local mixed attention"),
    ModelComponents("Meta-RDN", "CVPR 2019", "post", "meta", ("residual", "dense"), ("L1",),
                    "arbitrary scale factor", "metasr"),
    ModelComponents("SAN", "CVPR 2019", "post", "sub-pixel", ("residual", "attention"), ("L1",),
                    "second-order attention, non-local"),
)
"""Models of the survey's Table 2 and their components (see :data:`TABLE2_CHECKED`)."""


def table2_markdown(rows: tuple[ModelComponents, ...] = TABLE2) -> str:
    """The table as GitHub-flavoured Markdown: method, venue, framework, upsampling, ✓ for
    recursive/residual/dense/attention, losses, keywords, and srtutor's model name."""
    head = ["Method", "Venue", "Framework", "Upsampling", "Rec.", "Res.", "Dense", "Att.", "Losses", "Keywords",
            "srtutor"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        marks = ["✓" if d in r.designs else "" for d in ("recursive", "residual", "dense", "attention")]
        cells = [r.name, r.venue, FRAMEWORKS[r.framework], UPSAMPLINGS[r.upsampling], *marks,
                 ", ".join(LOSSES[x] for x in r.losses), r.keywords, f"`{r.model}`" if r.model else ""]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- coverage of the survey
@dataclass(frozen=True)
class Coverage:
    """One row of the coverage table: a topic of the survey and how the book covers it.

    Attributes:
        section: the survey section (``"3.3.3"``).
        topic: the topic, as the survey names it.
        chapter: the notebook of the book that covers it (a docname of :data:`CHAPTERS`).
        kind: ``"runnable"`` (the chapter runs it with the package and measures something),
            ``"figure"`` (the chapter draws it with the package, nothing measured) or
            ``"pointer"`` (text only: the note says so and where to read further).
        functions: what the chapter runs: dotted names of package objects
            (``"srtutor.blocks.ResBlock"``) or registered models (``"model:vdsr"``, built with
            :func:`srtutor.models.create`); empty for a pointer.
        note: what is run, or, for a pointer, why it is one.
    """

    section: str
    topic: str
    chapter: str
    kind: str
    functions: tuple[str, ...] = ()
    note: str = ""


#: the kinds of :class:`Coverage` rows.
COVERAGE_KINDS = ("runnable", "figure", "pointer")

_R, _F, _P = "runnable", "figure", "pointer"

# survey sections outside the tree of Fig. 1: (section, topic, chapter), in the survey's order
_BEFORE = (
    ("2.1", "Problem definition: the degradation model", "ch02_degradation"),
    ("2.2", "Datasets for super-resolution", "ch03_datasets"),
    ("2.3.1", "Peak signal-to-noise ratio", "ch04_quality"),
    ("2.3.2", "Structural similarity", "ch04_quality"),
    ("2.3.3", "Mean opinion score", "ch04_quality"),
    ("2.3.4", "Learning-based perceptual quality", "ch10_unsupervised_future"),
    ("2.3.5", "Task-based evaluation", "ch04_quality"),
    ("2.3.6", "Other IQA methods (MS-SSIM, FSIM, IFC/VIF, NIQE)", "ch04_quality"),
    ("2.4", "Operating channels", "ch04_quality"),
    ("2.5", "Super-resolution challenges (NTIRE, PIRM)", "ch04_quality"),
)
# finer topics the survey names inside a leaf of the tree: leaf name -> ((section, topic, chapter), ...)
_INSIDE = {
    "Multi-path learning": (("3.3.3", "Global multi-path learning", "ch07_network_design"),
                            ("3.3.3", "Local multi-path learning", "ch07_network_design"),
                            ("3.3.3", "Scale-specific multi-path learning", "ch07_network_design")),
    "Loss functions": (("3.4.1", "Pixel loss", "ch08_learning_strategies"),
                       ("3.4.1", "Content loss", "ch08_learning_strategies"),
                       ("3.4.1", "Texture loss", "ch08_learning_strategies"),
                       ("3.4.1", "Adversarial loss", "ch08_learning_strategies"),
                       ("3.4.1", "Cycle consistency loss", "ch08_learning_strategies"),
                       ("3.4.1", "Total variation loss", "ch08_learning_strategies"),
                       ("3.4.1", "Prior-based loss", "ch08_learning_strategies")),
}
_AFTER = (
    ("3.6", "State-of-the-art super-resolution models (Table 2, Fig. 8)", "appendix_benchmarks"),
    ("6.1", "Future directions: network design", "ch10_unsupervised_future"),
    ("6.2", "Future directions: learning strategies", "ch10_unsupervised_future"),
    ("6.3", "Future directions: evaluation metrics", "ch10_unsupervised_future"),
    ("6.4", "Future directions: unsupervised super-resolution", "ch10_unsupervised_future"),
    ("6.5", "Future directions: towards real-world scenarios", "ch10_unsupervised_future"),
)

# what each chapter runs for a topic: topic -> (kind, functions, note[, chapter if not the tree's])
_RUNS: dict[str, tuple] = {
    "Problem definition: the degradation model": (_R, ("srtutor.degradation.Degradation", "srtutor.resize.imresize",
                                                       "srtutor.degradation.RandomDegradation"),
                                                  "BI/BD/DN pipelines, MATLAB imresize, random degradations"),
    "Datasets for super-resolution": (_R, ("srtutor.data.load_benchmark", "srtutor.data.augment",
                                           "srtutor.data.PairedPatchDataset"), "benchmark sets, LR/HR pairs, patches"),
    "Peak signal-to-noise ratio": (_R, ("srtutor.metrics.psnr",), "PSNR and its conventions"),
    "Structural similarity": (_R, ("srtutor.metrics.ssim", "srtutor.metrics.ssim_map"), "SSIM and its maps"),
    "Mean opinion score": (_R, ("srtutor.iqa.simulate_panel", "srtutor.iqa.bt500_screen", "srtutor.iqa.zscore_normalize",
                                "srtutor.iqa.mos"),
                           "a simulated rater panel: screening, per-rater normalisation, MOS with intervals"),
    "Learning-based perceptual quality": (_R, ("srtutor.unsupervised.fit_nss_model", "srtutor.unsupervised.nss_distance"),
                                          "a NIQE-style model fitted to natural-scene statistics; learned CNN "
                                          "metrics (Ma et al., NIMA) are pointers"),
    "Task-based evaluation": (_R, ("srtutor.iqa.edge_f_score", "srtutor.iqa.keypoint_repeatability"),
                              "edge-detection F-score and keypoint repeatability of SR outputs against HR"),
    "Other IQA methods (MS-SSIM, FSIM, IFC/VIF, NIQE)": (_R, ("srtutor.metrics.ms_ssim", "srtutor.iqa.vif_p",
                                                             "srtutor.iqa.fsim"),
                                                         "MS-SSIM, pixel-domain VIF, FSIM; NIQE-style score in chapter 10"),
    "Operating channels": (_R, ("srtutor.color.rgb_to_y", "srtutor.evaluate.evaluate_images",
                                "srtutor.metrics.conventions.score_as"),
                           "RGB vs Y, border crop and rounding, each worth a measured number of dB; six libraries' "
                           "defaults"),
    "Super-resolution challenges (NTIRE, PIRM)": (_R, ("srtutor.metrics.mse",),
                                                  "PIRM's RMSE regions placed for bicubic and EDSR-baseline; the "
                                                  "NTIRE and PIRM tracks and metrics described"),
    "Pre-upsampling SR": (_R, ("model:srcnn", "model:vdsr", "srtutor.models.create"), "trained and timed"),
    "Post-upsampling SR": (_R, ("model:fsrcnn", "model:espcn", "model:edsr-baseline"), "trained and timed"),
    "Progressive upsampling SR": (_R, ("model:lapsrn",), "trained and timed"),
    "Iterative up-and-down sampling SR": (_R, ("model:dbpn-small",), "trained and timed"),
    "Nearest neighbour": (_R, ("srtutor.upsample.nearest_kernel", "srtutor.upsample.interpolate"), "kernels, PSNR"),
    "Bilinear": (_R, ("srtutor.upsample.linear_kernel", "srtutor.upsample.interpolate"), "kernels, PSNR"),
    "Bicubic": (_R, ("srtutor.upsample.cubic_kernel", "srtutor.upsample.interpolate"), "kernels, PSNR"),
    "Transposed convolution": (_R, ("srtutor.upsample.TransposedConvUpsample", "srtutor.upsample.checkerboard_score"),
                               "the checkerboard, measured"),
    "Sub-pixel layer": (_R, ("srtutor.upsample.SubPixelConv", "srtutor.upsample.pixel_shuffle"),
                        "sub-pixel convolution as a reshape"),
    "Meta upscale module": (_R, ("model:metasr-small", "srtutor.upsample.position_projection"), "any scale, trained"),
    "Residual learning": (_R, ("srtutor.blocks.ResBlock", "srtutor.blocks.GlobalResidual"), "block ablation"),
    "Recursive learning": (_R, ("srtutor.blocks.RecursiveConv", "srtutor.blocks.RecursiveResidualUnit", "model:drcn",
                               "srtutor.blocks.empirical_receptive_field"),
                           "shared weights; DRCN's receptive field grows with the recursions, its parameters do not"),
    "Multi-path learning": (_R, ("srtutor.blocks.MultiScaleResidualBlock", "srtutor.blocks.ScaleSpecificHeads"),
                            "the three kinds below"),
    "Global multi-path learning": (_R, ("model:lapsrn", "model:dsrn"),
                                   "LapSRN's pyramid; DSRN's dual-state recurrence trained with every step supervised"),
    "Local multi-path learning": (_R, ("srtutor.blocks.MultiScaleResidualBlock",), "MSRN's two-kernel block"),
    "Scale-specific multi-path learning": (_R, ("srtutor.blocks.ScaleSpecificHeads",), "shared body, per-scale heads"),
    "Dense connections": (_R, ("srtutor.blocks.DenseBlock", "srtutor.blocks.ResidualDenseBlock"), "block ablation"),
    "Attention mechanism": (_R, ("srtutor.blocks.ChannelAttention", "srtutor.blocks.RCAB",
                                 "srtutor.blocks.NonLocalBlock"), "channel and non-local attention"),
    "Advanced convolution": (_R, ("srtutor.blocks.dilated_conv", "srtutor.blocks.group_conv",
                                  "srtutor.blocks.DepthwiseSeparableConv"), "parameters and receptive fields"),
    "Region-recursive learning": (_R, ("srtutor.models.pixel_recursive.TinyPixelRecursiveSR",),
                                  "a tiny pixel-recursive model"),
    "Pyramid pooling": (_R, ("srtutor.blocks.PyramidPooling",), "the block, its receptive field"),
    "Wavelet transformation": (_R, ("srtutor.blocks.haar_dwt", "srtutor.blocks.haar_iwt"), "Haar analysis/synthesis"),
    "Desubpixel": (_R, ("srtutor.blocks.Desubpixel",), "the inverse of pixel shuffle"),
    "xUnit": (_R, ("srtutor.blocks.XUnit",), "the spatial activation"),
    "Loss functions": (_R, ("srtutor.losses.CombinedLoss", "srtutor.strategies.perception_distortion"),
                       "a PSNR model fine-tuned with perceptual and adversarial losses at x4"),
    "Pixel loss": (_R, ("srtutor.losses.l1_loss", "srtutor.losses.l2_loss", "srtutor.losses.charbonnier_loss"),
                   "L1, L2, Charbonnier on damaged images"),
    "Content loss": (_R, ("srtutor.losses.ContentLoss",), "perceptual loss on a feature network"),
    "Texture loss": (_R, ("srtutor.losses.TextureLoss", "srtutor.losses.gram_matrix"), "Gram matrices"),
    "Adversarial loss": (_R, ("srtutor.losses.AdversarialLoss", "srtutor.losses.PatchDiscriminator"),
                         "a GAN fine-tune of the shipped EDSR-baseline x4, discriminator accuracy"),
    "Cycle consistency loss": (_R, ("srtutor.strategies.cycle_fit",), "an SR network trained on LR images alone"),
    "Total variation loss": (_R, ("srtutor.losses.total_variation",), "TV as a denoiser"),
    "Prior-based loss": (_R, ("srtutor.priors.HeatmapPriorLoss", "srtutor.priors.LandmarkNet"),
                         "landmark-heatmap prior on synthetic faces (Super-FAN style); FSRNet-style "
                         "structural priors in chapter 9"),
    "Batch normalization": (_R, ("model:blocknet",), "with and without BN"),
    "Curriculum learning": (_R, ("srtutor.strategies.CurriculumSchedule", "srtutor.strategies.curriculum_train"),
                            "easy-to-hard noise levels"),
    "Multi-supervision": (_R, ("srtutor.strategies.MultiSupervisionLoss", "model:memnet-lite"),
                          "recursive supervision"),
    "Context-wise network fusion": (_R, ("srtutor.models.fusion.ContextWiseFusion", "srtutor.strategies.fit_fusion"),
                                    "two shipped x4 networks fused"),
    "Data augmentation": (_R, ("srtutor.data.augment",), "the eight dihedral transforms"),
    "Multi-task learning": (_R, ("model:multitask-sr", "srtutor.strategies.multitask_fit"),
                            "SR with an auxiliary edge task"),
    "Network interpolation": (_R, ("srtutor.strategies.interpolate_networks",), "the perception-distortion knob"),
    "Self-ensemble": (_R, ("srtutor.strategies.SelfEnsemble",),
                      "x8 geometric self-ensemble of the shipped EDSR-baseline x4"),
    "Zero-shot SR": (_R, ("srtutor.unsupervised.zssr",), "ZSSR on a blurred LR image"),
    "Weakly-supervised SR": (_R, ("srtutor.unsupervised.estimate_gaussian_kernel",),
                             "kernel estimated from the LR image; cycle-in-cycle GANs in words"),
    "Deep image prior": (_R, ("srtutor.unsupervised.deep_image_prior",), "PSNR over iterations"),
    "Depth map SR": (_R, ("srtutor.domains.GuidedDepthNet", "srtutor.domains.joint_bilateral_upsample"),
                     "guided vs unguided depth SR"),
    "Face image SR": (_R, ("srtutor.domains.train_weighted_sr", "srtutor.domains.region_psnr",
                           "srtutor.domains.train_face_sr", "model:fsrnet-lite"),
                      "face-region loss and score; FSRNet-style landmark/parsing priors as extra supervision"),
    "Hyperspectral image SR": (_R, ("srtutor.domains.guided_hsi_fusion", "srtutor.domains.sam"), "RGB-guided fusion"),
    "Real-world image SR": (_R, ("srtutor.realworld.SecondOrderDegradation",),
                            "a network trained on second-order degradations; RealSR, City100, SR-RAW described"),
    "Video SR": (_R, ("srtutor.domains.multiframe_sr", "srtutor.domains.phase_correlation"), "multi-frame SR"),
    "Other applications": (_P, (), "described in words: recognition, small-object detection, retrieval, remote "
                                   "sensing, stereo (the survey's list)"),
    "State-of-the-art super-resolution models (Table 2, Fig. 8)": (
        _R, ("srtutor.taxonomy.table2_markdown", "srtutor.complexity.fig8_rows", "srtutor.published.provenance",
             "srtutor.evaluate.evaluate_images"), "Table 2, Fig. 8 redrawn, published figures with provenance"),
    "Future directions: network design": (_R, ("model:metasr-small",),
                                          "arbitrary scales with one network; the designs themselves: chapter 7"),
    "Future directions: learning strategies": (_P, (), "a pointer to chapter 8 (losses, normalisation)"),
    "Future directions: evaluation metrics": (_R, ("srtutor.unsupervised.nss_distance",), "a blind quality score"),
    "Future directions: unsupervised super-resolution": (_R, ("srtutor.unsupervised.zssr",), "chapter 10's §4 part"),
    "Future directions: towards real-world scenarios": (_R, ("srtutor.degradation.blur", "srtutor.degradation.downsample",
                                                             "srtutor.data.PairedPatchDataset"),
                                                        "a bicubic-trained vs a kernel-aware model on a blurred input; "
                                                        "chapter 9's second-order degradations"),
}


def coverage() -> list[Coverage]:
    """The coverage table: every topic of the survey (§2–§6) with the chapter that covers it.

    Rows come in the survey's order: the preliminaries of §2 (not in the tree of Fig. 1), the
    leaves of :data:`TAXONOMY` (each followed by the finer topics the survey names inside it,
    e.g. the kinds of loss of §3.4.1), then §3.6 and the future directions of §6. A row's
    chapter is the tree's unless the record of what each chapter runs names another; its kind and
    functions come from that record (a topic missing from it is a ``"pointer"``).
    """
    def row(section: str, topic: str, chapter: Optional[str]) -> Coverage:
        kind, funcs, note, *where = _RUNS.get(topic, (_P, (), "described in words"))
        return Coverage(section, topic, where[0] if where else (chapter or ""), kind, tuple(funcs), note)

    out = [row(*r) for r in _BEFORE]
    for leaf in leaves():
        out.append(row(leaf.section, leaf.name, leaf.chapter))
        out += [row(*r) for r in _INSIDE.get(leaf.name, ())]
    out += [row(*r) for r in _AFTER]
    return out


def coverage_markdown(rows: Optional[list[Coverage]] = None) -> str:
    """:func:`coverage` as a Markdown table: section, topic, chapter, kind, what runs."""
    rows = coverage() if rows is None else rows
    titles = {c.docname: ("Appendix" if not c.docname.startswith("ch") else f"{int(c.docname[2:4])}") + f". {c.title}"
              for c in CHAPTERS}
    lines = ["| § | topic | chapter | kind | what runs |", "|---|---|---|---|---|"]
    for r in rows:
        what = ", ".join(f"`{f.removeprefix('srtutor.')}`" for f in r.functions)
        what = f"{what} — {r.note}" if what and r.note else (what or r.note)
        lines.append(f"| {r.section} | {r.topic} | {titles.get(r.chapter, r.chapter)} | {r.kind} | "
                     f"{what.replace('|', '/')} |")
    return "\n".join(lines)
