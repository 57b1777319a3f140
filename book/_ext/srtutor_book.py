"""Small Sphinx fixes for the srtutor book (loaded through ``_config.yml: sphinx.local_extensions``).

* jupyter-book 1 with Sphinx 7 emits some inline ``<script>`` blocks twice on every page
  (sphinx-thebe's ``const THEBE_JS_URL = ...`` among them); the second copy raises
  "Identifier has already been declared" in the browser console. Drop exact duplicates.
"""

from __future__ import annotations


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
