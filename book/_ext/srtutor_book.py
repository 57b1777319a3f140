"""Small Sphinx fixes for the srtutor book (loaded through ``_config.yml: sphinx.local_extensions``).

* jupyter-book 1 with Sphinx 7 emits some inline ``<script>`` blocks twice on every page
  (sphinx-thebe's ``const THEBE_JS_URL = ...`` among them); the second copy raises
  "Identifier has already been declared" in the browser console. Drop exact duplicates.
* The reference lists are labelled like the citations in the text, author–year
  ("Lim et al., 2017"), instead of numbers: the pybtex style ``srtutor_authoryear``
  (``bibtex_default_style`` in ``_config.yml``) is pybtex's ``plain`` formatting with an
  author–year label style and author–year–title sorting; equal labels get ``a``, ``b``, ...
"""

from __future__ import annotations

from collections import Counter

from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as _PlainStyle
from pybtex.style.labels import BaseLabelStyle


def _plain(latex: str) -> str:
    """A name from BibTeX as plain text (braces and accents resolved)."""
    try:
        return Text.from_latex(latex).render_as("text")
    except Exception:  # pragma: no cover - malformed LaTeX: keep the characters we can
        return latex.replace("{", "").replace("}", "")


def author_year_label(entry) -> str:
    """``Last, Year`` / ``Last and Other, Year`` / ``Last et al., Year`` for one pybtex entry."""
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_plain(" ".join(p.prelast_names + p.last_names)) for p in persons]
    if not names:
        who = _plain(entry.fields.get("organization", entry.fields.get("title", entry.key)).split(":")[0])
    elif len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabelStyle(BaseLabelStyle):
    """Author–year labels; equal labels in one list get ``a``, ``b``, ... after the year."""

    def format_labels(self, sorted_entries):
        entries = list(sorted_entries)
        labels = [author_year_label(e) for e in entries]
        counts, seen = Counter(labels), Counter()
        for label in labels:
            if counts[label] > 1:
                seen[label] += 1
                yield label + "abcdefghijklmnopqrstuvwxyz"[min(seen[label], 26) - 1]
            else:
                yield label


class AuthorYearStyle(_PlainStyle):
    default_label_style = "srtutor_authoryear"
    default_sorting_style = "author_year_title"


register_plugin("pybtex.style.labels", "srtutor_authoryear", AuthorYearLabelStyle)
register_plugin("pybtex.style.formatting", "srtutor_authoryear", AuthorYearStyle)


def _key(script) -> tuple:
    """Identity of a script ignoring its priority: file name (None for inline) and attributes."""
    if isinstance(script, str):
        return (script,)
    attrs = tuple(sorted((k, str(v)) for k, v in script.attributes.items()))
    return (str(script.filename or ""), attrs)  # inline scripts come as None or ""


def _dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for s in scripts:
        k = _key(s)
        if k in seen:
            continue
        seen.add(k)
        unique.append(s)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
