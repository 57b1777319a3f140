"""Claims: what the survey reports vs what a chapter measured, checked where they are made.

Every chapter of the book ends with a table "What the survey reports vs what we measured".
This module makes that table from records instead of hand-written prose, so that a sentence
can never contradict the numbers printed above it:

* a :class:`Claim` holds the survey's statement (with its section), the measured values
  (name → number), the comparison that decides it (declarative: ``a > b + margin``,
  ``|a − b| ≤ tol``, a monotone sequence, a ranking, every value above a reference, ...),
  whether it is a *lesson* of the chapter, and — for a claim that is not a lesson — the
  reason shown when it does not hold at the chapter's budget;
* :class:`Claims` collects a notebook's claims and renders the table as Markdown
  (each row: statement, measured values, comparison, ✓/✗ — never "see above");
* :func:`glue` wraps myst-nb's ``glue`` so that numbers in Markdown cells are written as
  ``{glue:text}`name``` and come from the outputs.

Where a failed claim goes:

* **in the book build** (``scripts/build_book.py`` sets ``SRTUTOR_CLAIMS_FILE`` for each
  notebook), every claim is written to that JSON file as it is made; after execution the build
  reads it and fails, naming the notebook, the claim and its values, if a *lesson* claim does
  not hold. With ``SRTUTOR_CLAIMS_STRICT=1`` a failed lesson claim raises :class:`ClaimError`
  at once (the failing cell is then named too);
* **anywhere else** (a reader in Jupyter or Colab) a failed lesson claim shows ✗ in the table
  and a :class:`ClaimWarning`; it never stops the notebook;
* a failed claim that is *not* a lesson shows "not reproduced at this budget: <reason>".

Example::

    from srtutor.claims import Claims, gt, glue

    claims = Claims("ch05_frameworks")
    claims.add(
        "post-upsampling is far cheaper than pre-upsampling",
        survey="computation in the LR space cuts the cost", section="§3.1.2",
        values={"GFLOPs pre": 5.31, "GFLOPs post": 0.61},
        check=gt("GFLOPs pre", "GFLOPs post", factor=4),
        lesson=True,
    )
    glue("flops_pre", 5.31, fmt=".2f")   # in Markdown: {glue:text}`flops_pre`
    claims.show()                          # the table

This module is base layer: it imports nothing from :mod:`srtutor`.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

__all__ = [
    "Claim", "Claims", "ClaimError", "ClaimWarning", "Comparison", "glue",
    "gt", "lt", "ge", "le", "within", "between", "monotone", "ranking", "all_above", "all_below",
    "load_records", "failed_lessons", "CLAIMS_FILE_ENV", "STRICT_ENV",
]

CLAIMS_FILE_ENV = "SRTUTOR_CLAIMS_FILE"
"""Environment variable naming the JSON file a notebook's claims are written to (book build)."""
STRICT_ENV = "SRTUTOR_CLAIMS_STRICT"
"""Environment variable: ``1`` makes a failed lesson claim raise :class:`ClaimError`."""

NOT_REPRODUCED = "not reproduced at this budget"


class ClaimError(AssertionError):
    """A lesson claim does not hold (raised only in strict mode)."""


class ClaimWarning(UserWarning):
    """A lesson claim does not hold (outside the book build: a reader's run never stops)."""


def _operand_text(x: Any) -> str:
    return x if isinstance(x, str) else f"{x:g}"


def _value(values: Mapping[str, float], x: Any) -> float:
    if isinstance(x, str):
        if x not in values:
            raise KeyError(f"the comparison uses {x!r}, which is not among the measured values {sorted(values)}")
        return values[x]
    return float(x)


@dataclass(frozen=True)
class Comparison:
    """A declarative test on named values: what it says (``text``) and whether it holds.

    Build one with :func:`gt`, :func:`lt`, :func:`ge`, :func:`le`, :func:`within`,
    :func:`between`, :func:`monotone`, :func:`ranking`, :func:`all_above`, :func:`all_below`.
    Operands are names of measured values (``str``) or literal numbers (thresholds).
    """

    kind: str
    operands: tuple
    params: tuple = ()
    _text: str = ""
    _test: Callable[[Mapping[str, float]], bool] | None = field(default=None, compare=False, repr=False)

    @property
    def text(self) -> str:
        """The comparison as shown in the table (e.g. ``post > bicubic + 0.5``)."""
        return self._text

    def names(self) -> list[str]:
        """The value names the comparison reads."""
        return [o for o in self.operands if isinstance(o, str)]

    def holds(self, values: Mapping[str, float]) -> bool:
        """Whether the comparison holds for ``values`` (a NaN value never holds)."""
        if any(math.isnan(_value(values, o)) for o in self.operands):
            return False
        assert self._test is not None
        return bool(self._test(values))

    def to_dict(self) -> dict:
        return {"kind": self.kind, "operands": list(self.operands), "params": list(self.params), "text": self.text}


def _suffix(margin: float, factor: float | None) -> tuple[str, str]:
    pre = "" if factor is None else f"{factor:g} × "
    post = "" if margin == 0 else (f" + {margin:g}" if margin > 0 else f" − {-margin:g}")
    return pre, post


def _binary(kind: str, sym: str, op: Callable[[float, float], bool], a, b, margin: float, factor: float | None) -> Comparison:
    if margin < 0 and kind in ("gt", "ge"):
        raise ValueError(f"margin must be >= 0 for {kind} (a > b - m weakens the claim: state it as it is)")
    pre, post = _suffix(margin if kind in ("gt", "ge") else -margin, factor)
    if kind in ("lt", "le") and margin < 0:
        raise ValueError(f"margin must be >= 0 for {kind}")
    text = f"{_operand_text(a)} {sym} {pre}{_operand_text(b)}{post}"
    f = 1.0 if factor is None else float(factor)
    sign = 1.0 if kind in ("gt", "ge") else -1.0

    def test(v):
        return op(_value(v, a), f * _value(v, b) + sign * margin)

    return Comparison(kind, (a, b), (margin, factor), text, test)


def gt(a, b, *, margin: float = 0.0, factor: float | None = None) -> Comparison:
    """``a > factor × b + margin`` (``factor`` omitted: ``a > b + margin``)."""
    return _binary("gt", ">", lambda x, y: x > y, a, b, margin, factor)


def ge(a, b, *, margin: float = 0.0, factor: float | None = None) -> Comparison:
    """``a ≥ factor × b + margin``."""
    return _binary("ge", "≥", lambda x, y: x >= y, a, b, margin, factor)


def lt(a, b, *, margin: float = 0.0, factor: float | None = None) -> Comparison:
    """``a < factor × b − margin``: ``a`` is below ``b`` by more than ``margin``."""
    return _binary("lt", "<", lambda x, y: x < y, a, b, margin, factor)


def le(a, b, *, margin: float = 0.0, factor: float | None = None) -> Comparison:
    """``a ≤ factor × b − margin``."""
    return _binary("le", "≤", lambda x, y: x <= y, a, b, margin, factor)


def within(a, b, tol: float) -> Comparison:
    """``|a − b| ≤ tol`` (two measurements, or a measurement and a literal target)."""
    if not tol >= 0:
        raise ValueError(f"tol must be >= 0, got {tol}")
    return Comparison("within", (a, b), (tol,), f"|{_operand_text(a)} − {_operand_text(b)}| ≤ {tol:g}",
                      lambda v: abs(_value(v, a) - _value(v, b)) <= tol)


def between(a, lo, hi) -> Comparison:
    """``lo ≤ a ≤ hi`` (bounds are names or numbers)."""
    return Comparison("between", (lo, a, hi), (),
                      f"{_operand_text(lo)} ≤ {_operand_text(a)} ≤ {_operand_text(hi)}",
                      lambda v: _value(v, lo) <= _value(v, a) <= _value(v, hi))


def monotone(names: Sequence[str], *, increasing: bool = True, strict: bool = True) -> Comparison:
    """The values ``names`` (in this order) form a monotone sequence."""
    names = tuple(names)
    if len(names) < 2:
        raise ValueError("monotone needs at least two values")
    sym = ("<" if strict else "≤") if increasing else (">" if strict else "≥")

    def test(v):
        xs = [_value(v, n) for n in names]
        pairs = list(zip(xs, xs[1:]))
        if increasing:
            return all((x < y) if strict else (x <= y) for x, y in pairs)
        return all((x > y) if strict else (x >= y) for x, y in pairs)

    return Comparison("monotone", names, (increasing, strict), f" {sym} ".join(names), test)


def ranking(names: Sequence[str]) -> Comparison:
    """The values rank in this order, best (largest) first: ``names[0] > names[1] > ...``."""
    c = monotone(names, increasing=False, strict=True)
    return Comparison("ranking", c.operands, c.params, c.text, c._test)


def all_above(names: Sequence[str], ref, *, margin: float = 0.0) -> Comparison:
    """Every value in ``names`` is above ``ref + margin`` (``ref`` a name or a number)."""
    names = tuple(names)
    if not names:
        raise ValueError("all_above needs at least one value")
    _, post = _suffix(margin, None)
    text = f"min({', '.join(names)}) > {_operand_text(ref)}{post}"
    return Comparison("all_above", (*names, ref), (margin,), text,
                      lambda v: min(_value(v, n) for n in names) > _value(v, ref) + margin)


def all_below(names: Sequence[str], ref, *, margin: float = 0.0) -> Comparison:
    """Every value in ``names`` is below ``ref − margin``."""
    names = tuple(names)
    if not names:
        raise ValueError("all_below needs at least one value")
    _, post = _suffix(-margin, None)
    text = f"max({', '.join(names)}) < {_operand_text(ref)}{post}"
    return Comparison("all_below", (*names, ref), (margin,), text,
                      lambda v: max(_value(v, n) for n in names) < _value(v, ref) - margin)


def _to_float(name: str, x: Any) -> float:
    if hasattr(x, "item") and callable(x.item):  # torch / numpy scalars
        x = x.item()
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"measured value {name!r} must be a real number, got {type(x).__name__}")
    return float(x)


def _fmt_value(x: float, fmt: str) -> str:
    if math.isnan(x):
        return "nan"
    return fmt.format(x) if "{" in fmt else format(x, fmt)


@dataclass
class Claim:
    """One row of a chapter's "What the survey reports vs what we measured" table.

    Attributes:
        name: the claim in the chapter's words (short; unique within the notebook).
        survey: what the survey states (quoted or paraphrased).
        section: where the survey states it (``"§3.1.2"``); may be empty.
        values: measured values, name → float.
        check: the :class:`Comparison` that decides the claim.
        lesson: ``True`` if the chapter exists to show this (a failure fails the book build).
        reason: for a non-lesson claim, why it may not hold at this budget (shown when it fails).
        fmt: format of the values in the table (``".2f"`` or ``"{:.2f} dB"``), or a
            mapping name → format.
    """

    name: str
    survey: str
    section: str
    values: dict[str, float]
    check: Comparison
    lesson: bool
    reason: str = ""
    fmt: str | Mapping[str, str] = ".4g"

    @property
    def holds(self) -> bool:
        return self.check.holds(self.values)

    def _fmt_for(self, key: str) -> str:
        return self.fmt.get(key, ".4g") if isinstance(self.fmt, Mapping) else self.fmt

    def measured_text(self) -> str:
        """The values as shown in the table: ``a = 1.23, b = 4.56``."""
        return ", ".join(f"{k} = {_fmt_value(v, self._fmt_for(k))}" for k, v in self.values.items())

    def verdict_text(self) -> str:
        """✓, ✗ (a failed lesson) or ✗ not reproduced at this budget: reason."""
        if self.holds:
            return "✓"
        if self.lesson:
            return "✗"
        return f"✗ {NOT_REPRODUCED}: {self.reason}"

    def describe(self) -> str:
        """One line naming the claim, its comparison and its values (for error messages)."""
        return f"{self.name!r}: {self.check.text} with {self.measured_text()}"

    def to_dict(self) -> dict:
        return {
            "name": self.name, "survey": self.survey, "section": self.section,
            "values": self.values, "check": self.check.to_dict(), "lesson": self.lesson,
            "reason": self.reason, "holds": self.holds, "measured": self.measured_text(),
        }


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _atomic_write_text(path: Path, text: str) -> None:
    from srtutor._atomic import atomic_write  # srtutor.io.atomic_write, without importing torch

    with atomic_write(path, "w") as fh:
        fh.write(text)


class Claims:
    """A notebook's claims, in the order they are made; renders the chapter's table.

    Args:
        notebook: the notebook's name, used in messages (``"ch05_frameworks"``).
        path: JSON file the claims are written to as they are made; default: the file named by
            the environment variable ``SRTUTOR_CLAIMS_FILE`` (set by the book build), else none.
        strict: raise :class:`ClaimError` on a failed lesson claim; default: environment
            variable ``SRTUTOR_CLAIMS_STRICT == "1"``.

    Adding a claim with the name of an earlier one replaces it (a re-run cell in Jupyter).
    """

    def __init__(self, notebook: str, *, path: str | os.PathLike | None = None, strict: bool | None = None):
        if not isinstance(notebook, str) or not notebook:
            raise ValueError("notebook must be a non-empty name such as 'ch05_frameworks'")
        self.notebook = notebook
        env_path = os.environ.get(CLAIMS_FILE_ENV)
        self.path = Path(path) if path is not None else (Path(env_path) if env_path else None)
        self.strict = (os.environ.get(STRICT_ENV) == "1") if strict is None else bool(strict)
        self._claims: dict[str, Claim] = {}
        if self.path is not None:
            self._save()  # the file exists from the start: a notebook with no claim says so

    def __iter__(self):
        return iter(self._claims.values())

    def __len__(self) -> int:
        return len(self._claims)

    def __getitem__(self, name: str) -> Claim:
        return self._claims[name]

    def add(
        self,
        name: str,
        *,
        survey: str,
        values: Mapping[str, Any],
        check: Comparison,
        lesson: bool,
        section: str = "",
        reason: str = "",
        fmt: str | Mapping[str, str] = ".4g",
    ) -> Claim:
        """Record a claim and decide it now; returns the :class:`Claim`.

        Raises:
            ValueError: a non-lesson claim without ``reason``, or a comparison that reads a
                value not in ``values``.
            TypeError: a value that is not a real number.
            ClaimError: strict mode only, when a lesson claim does not hold.
        """
        if not name or not isinstance(name, str):
            raise ValueError("name must be a non-empty string")
        if not isinstance(check, Comparison):
            raise TypeError(f"check must be a Comparison (gt, within, monotone, ...), got {type(check).__name__}")
        if not lesson and not reason.strip():
            raise ValueError(f"claim {name!r} is not a lesson: give the reason shown when it is not reproduced")
        vals = {str(k): _to_float(str(k), v) for k, v in values.items()}
        missing = [n for n in check.names() if n not in vals]
        if missing:
            raise ValueError(f"claim {name!r}: the comparison reads {missing}, not among the values {list(vals)}")
        claim = Claim(name, survey, section, vals, check, bool(lesson), reason, fmt)
        self._claims[name] = claim
        if self.path is not None:
            self._save()
        if lesson and not claim.holds:
            msg = f"{self.notebook}: lesson claim {claim.describe()} does not hold"
            if self.strict:
                raise ClaimError(msg)
            warnings.warn(msg, ClaimWarning, stacklevel=2)
        return claim

    def _save(self) -> None:
        assert self.path is not None
        data = {"notebook": self.notebook, "claims": [c.to_dict() for c in self._claims.values()]}
        _atomic_write_text(self.path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")

    def failed_lessons(self) -> list[Claim]:
        return [c for c in self._claims.values() if c.lesson and not c.holds]

    def table(self, title: str | None = None) -> str:
        """The Markdown table: survey statement (§), our claim, measured, comparison, result."""
        lines = [f"**{title}**", ""] if title else []
        lines += [
            "| the survey reports | we check | measured | comparison | result |",
            "|---|---|---|---|---|",
        ]
        for c in self._claims.values():
            survey = f"{c.survey} ({c.section})" if c.section else c.survey
            name = f"**{c.name}** (lesson)" if c.lesson else c.name
            lines.append("| " + " | ".join(_cell(x) for x in (
                survey, name, c.measured_text(), f"`{c.check.text}`", c.verdict_text())) + " |")
        return "\n".join(lines) + "\n"

    def show(self, title: str | None = None) -> None:
        """Display the table (IPython Markdown in a kernel, plain text elsewhere)."""
        md = self.table(title)
        try:
            from IPython import get_ipython
            from IPython.display import Markdown, display
        except ImportError:  # pragma: no cover - IPython comes with the book's dependencies
            print(md)
            return
        if get_ipython() is None:
            print(md)
        else:
            display(Markdown(md))


# --------------------------------------------------------------------------------------------
# reading the records back (the book build, scripts/check_claims_robust.py)


def load_records(path: str | os.PathLike) -> dict:
    """The JSON written by :class:`Claims`: ``{"notebook", "claims": [claim dicts]}``."""
    return json.loads(Path(path).read_text())


def failed_lessons(record: Mapping) -> list[str]:
    """One message per failed lesson claim of a record: claim, comparison and values."""
    out = []
    for c in record.get("claims", []):
        if c["lesson"] and not c["holds"]:
            out.append(f"lesson claim {c['name']!r} does not hold: {c['check']['text']} with {c['measured']}")
    return out


# --------------------------------------------------------------------------------------------
# glue

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def glue(name: str, value: Any, fmt: str | None = None) -> Any:
    """Make ``value`` available to Markdown cells as ``{glue:text}`name``` (myst-nb).

    Args:
        name: the key (letters, digits, ``_``, ``-``, ``.``; unique within the notebook).
        value: the number (or text) to insert.
        fmt: how to write it: a format spec (``".2f"``) or a format string (``"{:.2f} dB"``);
            the glued text is then exactly that string. ``None``: ``str(value)``.

    Returns:
        ``value`` unchanged, so that ``x = glue("x", compute())`` reads naturally.

    Outside a Jupyter kernel, or where myst-nb is not installed (Colab), nothing is shown and
    nothing fails: the number only matters to the built book.
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"glue name must match {_NAME.pattern}, got {name!r}")
    if fmt is not None:
        text = fmt.format(value) if "{" in fmt else format(value, fmt)
    else:
        text = value.item() if hasattr(value, "item") and callable(value.item) else value
    try:
        from IPython import get_ipython
        from myst_nb import glue as _myst_glue
    except ImportError:
        return value
    if get_ipython() is None:
        return value
    _myst_glue(name, text, display=False)
    return value
