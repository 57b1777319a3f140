from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from srtutor import taxonomy  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def test_top_level_follows_survey_fig1():
    assert [n.name for n in taxonomy.TAXONOMY.children] == [
        "Supervised SR", "Unsupervised SR", "Domain-specific SR"]
    sup = taxonomy.find("Supervised SR")
    assert [n.name for n in sup.children] == [
        "Model frameworks", "Upsampling methods", "Network design", "Learning strategies",
        "Other improvements"]


@pytest.mark.parametrize("name, n_children, first_section", [
    ("Model frameworks", 4, "3.1.1"),
    ("Network design", 11, "3.3.1"),       # residual … xUnit: survey §3.3.1–§3.3.11
    ("Learning strategies", 4, "3.4.1"),
    ("Other improvements", 5, "3.5.1"),
    ("Unsupervised SR", 3, "4.1"),
    ("Domain-specific SR", 6, "5.1"),
])
def test_group_sizes_and_sections(name, n_children, first_section):
    node = taxonomy.find(name)
    assert len(node.children) == n_children
    assert node.children[0].section == first_section
    assert node.children[-1].section.endswith(f".{n_children}")


def test_counts_and_lookup():
    assert len(taxonomy.leaves()) == 39
    assert taxonomy.find("xunit").section == "3.3.11"
    assert taxonomy.find("Sub-pixel layer").chapter == "ch06_upsampling"
    with pytest.raises(KeyError, match="Sub-pixel layer"):
        taxonomy.find("Sub pixel layers")
    with pytest.raises(TypeError, match="name"):
        taxonomy.find(3)


def test_every_chapter_link_exists_in_book_plan():
    docnames = {c.docname for c in taxonomy.CHAPTERS}
    for _, node in taxonomy.walk():
        assert node.chapter is None or node.chapter in docnames, node
    by_chapter = taxonomy.topics_by_chapter()
    assert "Network design" in by_chapter["ch07_network_design"]
    assert by_chapter["ch02_degradation"] == []
    assert len(docnames) == len(taxonomy.CHAPTERS) == 12


def test_chapters_match_toc_when_present():
    toc = ROOT / "_toc.yml"
    if not toc.exists():
        pytest.skip(f"needs the repository's _toc.yml (not found under {ROOT})")
    text = toc.read_text()
    for c in taxonomy.CHAPTERS:
        assert c.docname in text, c.docname


def test_plot_has_one_label_per_node():
    fig = taxonomy.plot_taxonomy()
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == sum(1 for _ in taxonomy.walk())
    assert any(t.startswith("Network design") and "→ ch. 7" in t for t in texts)
    assert any(t.startswith("xUnit") and "§3.3.11" in t for t in texts)
    matplotlib.pyplot.close(fig)


def test_table2_vocabulary_links_to_the_tree():
    for key, node in {**taxonomy.FRAMEWORKS, **taxonomy.UPSAMPLINGS, **taxonomy.DESIGNS}.items():
        assert taxonomy.find(node).section.startswith(("3.1", "3.2", "3.3")), key
    assert taxonomy.find("Loss functions").section == "3.4.1"
    names = [r.name for r in taxonomy.TABLE2]
    assert len(names) == len(set(names)) >= 20
    for r in taxonomy.TABLE2:
        assert r.framework in taxonomy.FRAMEWORKS and r.upsampling in taxonomy.UPSAMPLINGS
        assert set(r.designs) <= set(taxonomy.DESIGNS) and r.losses and set(r.losses) <= set(taxonomy.LOSSES)


def test_table2_frameworks_agree_with_the_implementations():
    from srtutor.models import available, create

    implemented = [r for r in taxonomy.TABLE2 if r.model]
    assert len(implemented) >= 12
    for r in implemented:
        assert r.model in available()
        net = create(r.model, scale=4 if r.model in ("lapsrn",) else 2)
        expected = "meta" if r.upsampling == "meta" else r.framework
        assert getattr(net, "upsampling", "post") == expected, r.name


def test_table2_markdown():
    md = taxonomy.table2_markdown()
    lines = md.splitlines()
    assert len(lines) == 2 + len(taxonomy.TABLE2)
    rcan = next(line for line in lines if line.startswith("| RCAN "))
    assert rcan.split(" | ")[2:8] == ["Post-upsampling SR", "Sub-pixel layer", "", "✓", "", "✓"]
    assert "`drcn`" in md and "Recursive" not in lines[2]
