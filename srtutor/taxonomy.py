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
           "LOSSES", "TABLE2", "TABLE2_CHECKED", "table2_markdown"]


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
    Chapter("ch08_learning_strategies", "Learning strategies and other improvements", "§3.4–3.5"),
    Chapter("ch09_domain_specific", "Domain-specific SR", "§5"),
    Chapter("ch10_unsupervised_future", "Unsupervised SR and future directions", "§4, §6"),
    Chapter("appendix_benchmarks", "Benchmarks: the survey's results reproduced", "§3.6"),
)


def _leaf(name: str, section: str, chapter: Optional[str]) -> Node:
    return Node(name, section, chapter)


def _group(name: str, section: str, chapter: Optional[str], names: list[str],
           first: int = 1) -> Node:
    """A node whose children are numbered sub-sections ``section.first``, ``section.first+1``…"""
    kids = tuple(_leaf(n, f"{section}.{i}", chapter) for i, n in enumerate(names, start=first))
    return Node(name, section, chapter, kids)


_FW, _UP, _ND, _LS = "ch05_frameworks", "ch06_upsampling", "ch07_network_design", "ch08_learning_strategies"

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
        _group("Other improvements", "3.5", _LS, [
            "Context-wise network fusion", "Data augmentation", "Multi-task learning",
            "Network interpolation", "Self-ensemble"]),
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
