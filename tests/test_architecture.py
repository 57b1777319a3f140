"""ARCHITECTURE.md's table of layers says what the import-linter contract (.importlinter) checks.

The contract is the source of truth; this test fails when the reader-facing table drifts from it
(a module added to a layer, moved, or left out), naming the layer and the modules that differ.
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "ARCHITECTURE.md"
CONTRACT = REPO / ".importlinter"
if not (DOC.exists() and CONTRACT.exists()):  # e.g. tests run against an installed wheel
    pytest.skip(f"needs the repository's ARCHITECTURE.md and .importlinter (not found under {REPO})",
                allow_module_level=True)


def contract_layers() -> list[set[str]]:
    """The layers contract, bottom layer first, each as a set of module names."""
    cfg = configparser.ConfigParser()
    cfg.read(CONTRACT)
    section = next(s for s in cfg.sections() if cfg[s].get("type") == "layers")
    lines = [ln.strip() for ln in cfg[section]["layers"].strip().splitlines() if ln.strip()]
    return [set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", ln)) for ln in reversed(lines)]


def doc_layers() -> list[tuple[str, set[str]]]:
    """The rows of the table under '## Layers', bottom layer first: (layer, module names)."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    rows = [ln for ln in section.splitlines() if ln.startswith("|") and not set(ln) <= set("|- ")]
    out = []
    for row in rows[1:]:  # skip the header
        layer, modules = [c.strip() for c in row.strip("|").split("|")][:2]
        names = {n.removeprefix("srtutor.") for n in re.findall(r"`([^`]+)`", modules)}
        out.append((layer, names))
    return out


def test_contract_parses_into_layers():
    layers = contract_layers()
    assert len(layers) >= 5
    assert "cli" in layers[-1] and "_checks" in layers[0]


def test_architecture_table_matches_the_import_contract():
    want, got = contract_layers(), doc_layers()
    assert len(got) == len(want), (
        f"ARCHITECTURE.md lists {len(got)} layers, .importlinter has {len(want)}")
    for (name, mods), contract in zip(got, want):
        assert mods == contract, (
            f"layer '{name}': only in ARCHITECTURE.md {sorted(mods - contract)}, "
            f"only in .importlinter {sorted(contract - mods)}")


def test_every_module_of_the_package_is_in_a_layer():
    modules = {p.stem for p in (REPO / "srtutor").glob("*.py") if p.stem != "__init__"}
    modules |= {p.parent.name for p in (REPO / "srtutor").glob("*/__init__.py")}
    placed = set().union(*contract_layers())
    assert modules <= placed, f"modules in no layer of .importlinter: {sorted(modules - placed)}"
