r"""Verdicts and the evidence that backs them (../shared/CLAIMS.md), with the rules in the types.

The verdict rules are enforced when the objects are built, for built-in and user checkers alike:

* a **pass** (:class:`Evidence` with ``passed=True``) carries a :class:`Bound` that holds (a
  measured value on the right side of its tolerance) or an :class:`ExactZero` (an identity
  decided exactly, e.g. a numerator that expands to 0);
* a **counterexample** is exact: integers, :class:`~fractions.Fraction`\ s (and SymPy
  rationals), strings (exact decimals, ``p/q``, names, specifications), and lists of those; a
  Python or NumPy float, an mpmath or arb number, a SymPy float, ``nan`` or ``inf`` is refused;
* a :class:`ClaimResult` ``verified`` needs evidence and every piece passed; ``refuted`` needs a
  failed piece with a counterexample; ``conditional`` needs its condition; ``out-of-scope`` its
  reason.

Anything else raises :class:`EvidenceError` at construction.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from numbers import Rational
from typing import Any, Literal

__all__ = ["Verdict", "Bound", "ExactZero", "Evidence", "ClaimResult", "EvidenceError", "decide",
           "json_safe", "exact_counterexample"]


class EvidenceError(ValueError):
    """Evidence or a result that breaks the verdict rules (refused when it is built)."""


class Verdict(StrEnum):
    """The five verdicts a claim can receive."""

    VERIFIED = "verified"
    REFUTED = "refuted"
    CONDITIONAL = "conditional"
    INCONCLUSIVE = "inconclusive"
    OUT_OF_SCOPE = "out-of-scope"


Relation = Literal["<=", "<", ">=", ">", "in"]
_RELATIONS = ("<=", "<", ">=", ">", "in")


def _real(value: Any, what: str) -> float | Fraction:
    """A finite real number as float or Fraction (ints and exact types stay exact)."""
    if isinstance(value, bool):
        raise EvidenceError(f"{what} must be a number, got a bool")
    if isinstance(value, Rational):
        return Fraction(int(value.numerator), int(value.denominator))
    try:
        number = float(value)  # mpmath mpf, numpy scalars, arb midpoints via float()
    except (TypeError, ValueError):
        raise EvidenceError(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise EvidenceError(f"{what} must be finite, got {number}")
    return number


def _fmt(value: float | Fraction) -> str:
    if isinstance(value, Fraction):
        return str(value) if value.denominator <= 10**6 else f"{float(value):.3g}"
    return f"{value:.3g}"


@dataclass(frozen=True)
class Bound:
    r"""A measured quantity and the tolerance it is compared with: ``value relation tolerance``.

    ``relation`` is one of ``<=``, ``<``, ``>=``, ``>`` or ``in`` (then ``tolerance`` is a pair
    ``(lo, hi)`` and the test is :math:`lo \le value \le hi`). ``rigorous`` says whether
    ``value`` is a proven bound (ball arithmetic, exact arithmetic) or an estimate (a fit, a
    Monte-Carlo mean, a step-halving difference); reports say which.
    """

    value: float | Fraction
    tolerance: float | Fraction | tuple[float | Fraction, float | Fraction]
    relation: Relation = "<="
    quantity: str = ""
    rigorous: bool = False

    def __post_init__(self) -> None:
        if self.relation not in _RELATIONS:
            raise EvidenceError(f"Bound relation must be one of {_RELATIONS}, got {self.relation!r}")
        object.__setattr__(self, "value", _real(self.value, "Bound value"))
        if self.relation == "in":
            if not (isinstance(self.tolerance, Sequence) and len(self.tolerance) == 2):
                raise EvidenceError("a Bound with relation 'in' needs a tolerance (lo, hi)")
            lo, hi = (_real(v, "Bound tolerance") for v in self.tolerance)
            if lo > hi:
                raise EvidenceError(f"Bound interval [{lo}, {hi}] is empty")
            object.__setattr__(self, "tolerance", (lo, hi))
        else:
            object.__setattr__(self, "tolerance", _real(self.tolerance, "Bound tolerance"))

    def holds(self) -> bool:
        """Whether the measured value is on the right side of the tolerance."""
        v, tol = self.value, self.tolerance
        if self.relation == "in":
            return tol[0] <= v <= tol[1]
        return {"<=": v <= tol, "<": v < tol, ">=": v >= tol, ">": v > tol}[self.relation]

    def value_text(self) -> str:
        prefix = f"{self.quantity} = " if self.quantity else ""
        return f"{prefix}{_fmt(self.value)}" + ("" if self.rigorous else " (estimate)")

    def tolerance_text(self) -> str:
        if self.relation == "in":
            return f"in [{_fmt(self.tolerance[0])}, {_fmt(self.tolerance[1])}]"
        return f"{self.relation} {_fmt(self.tolerance)}"


@dataclass(frozen=True)
class ExactZero:
    """An identity decided exactly: a residual that reduces to 0 (``how`` says by what)."""

    how: str = "exact"

    def holds(self) -> bool:
        return True

    def value_text(self) -> str:
        return f"0 ({self.how})"

    def tolerance_text(self) -> str:
        return ""


_NOT_FINITE = re.compile(r"\b(nan|inf|infinity)\b", re.IGNORECASE)


def _exact_leaf(value: Any, where: str) -> str | list:
    if isinstance(value, bool):
        raise EvidenceError(f"counterexample {where}: a bool is not an exact rational")
    if isinstance(value, Rational):  # int, Fraction, SymPy's Integer and Rational
        return str(Fraction(int(value.numerator), int(value.denominator)))
    if isinstance(value, str):
        text = value.strip()
        if not text or _NOT_FINITE.search(text):
            raise EvidenceError(f"counterexample {where}: {value!r} is not an exact value")
        return text
    if isinstance(value, Sequence):
        return [_exact_leaf(v, f"{where}[{k}]") for k, v in enumerate(value)]
    raise EvidenceError(f"counterexample {where}: {type(value).__name__} {value!r} is not exact "
                        "(use Fraction, int or a string p/q)")


def exact_counterexample(values: Mapping[str, Any]) -> dict[str, Any]:
    """The counterexample with every number as an exact string; :class:`EvidenceError` for a
    float (Python, NumPy, mpmath, arb) anywhere in it."""
    if not isinstance(values, Mapping) or not values:
        raise EvidenceError("a counterexample is a non-empty mapping name -> exact value")
    return {str(k): _exact_leaf(v, str(k)) for k, v in values.items()}


@dataclass(frozen=True)
class Evidence:
    """One check's outcome.

    ``passed`` is True when the check met its tolerance, False when it found a violation and
    None when it could not decide. A pass carries its ``bound`` (a :class:`Bound` that holds,
    or an :class:`ExactZero`). A ``counterexample`` is exact; on a failed check it refutes the
    claim, on a passed one it demonstrates a condition (e.g. "a margin is necessary: this exact
    start ends between two samples").
    """

    check: str
    passed: bool | None
    detail: str
    bound: Bound | ExactZero | None = None
    data: dict[str, Any] = field(default_factory=dict)
    counterexample: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.passed not in (True, False, None):
            raise EvidenceError(f"{self.check}: passed must be True, False or None")
        if self.bound is not None and not isinstance(self.bound, Bound | ExactZero):
            raise EvidenceError(f"{self.check}: bound must be a Bound or an ExactZero, got "
                                f"{type(self.bound).__name__} {self.bound!r}")
        if self.passed is True:
            if self.bound is None:
                raise EvidenceError(f"{self.check}: a pass must carry its bound (Bound or ExactZero)")
            if not self.bound.holds():
                raise EvidenceError(f"{self.check}: passed, but its bound does not hold: "
                                    f"{self.bound.value_text()} vs {self.bound.tolerance_text()}")
        if self.counterexample is not None:
            object.__setattr__(self, "counterexample", exact_counterexample(self.counterexample))

    @property
    def bound_text(self) -> str:
        return "" if self.bound is None else self.bound.value_text()

    @property
    def tolerance_text(self) -> str:
        return "" if self.bound is None else self.bound.tolerance_text()

    @property
    def rigorous(self) -> bool | None:
        """Whether the bound is proven (an exact zero or a rigorous enclosure); None without one."""
        if isinstance(self.bound, ExactZero):
            return True
        return self.bound.rigorous if isinstance(self.bound, Bound) else None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"check": self.check, "passed": self.passed, "detail": self.detail}
        if self.bound_text:
            out["bound"] = self.bound_text
        if self.tolerance_text:
            out["tolerance"] = self.tolerance_text
        if self.rigorous is not None:
            out["rigorous"] = self.rigorous
        if self.data:
            out["data"] = json_safe(self.data)
        if self.counterexample:
            out["counterexample"] = self.counterexample
        return out


def json_safe(value: Any) -> Any:
    """The same nested dicts and lists with every non-finite float replaced by None (valid JSON)."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass
class ClaimResult:
    """A claim's verdict with its evidence and wall time (the verdict rules are checked on
    construction and again by :meth:`validate` before a report is written)."""

    id: str
    status: Verdict
    summary: str
    evidence: list[Evidence] = field(default_factory=list)
    seconds: float = 0.0
    condition: str = ""  # for conditional verdicts
    figures: dict[str, bytes] = field(default_factory=dict)  # file name -> PNG

    def __post_init__(self) -> None:
        self.validate()

    @property
    def holds(self) -> bool | None:
        """True when ``verified``, False when ``refuted``, None for every other verdict."""
        return {Verdict.VERIFIED: True, Verdict.REFUTED: False}.get(Verdict(self.status))

    def to_markdown(self) -> str:
        """The verdict and a table of the evidence, as in ``report.md`` (what a notebook shows,
        ``_repr_markdown_``)."""
        lines = [f"**{_md_cell(self.id)}: {Verdict(self.status).value}** — {_md_cell(self.summary)}"
                 f" ({self.seconds:.2f} s)"]
        if self.condition:
            lines += ["", f"Condition: {_md_cell(self.condition)}"]
        if self.evidence:
            lines += ["", "| check | passed | bound | tolerance | detail |", "|---|---|---|---|---|"]
            for e in self.evidence:
                mark = {True: "yes", False: "**no**", None: "undecided"}[e.passed]
                lines.append(f"| {_md_cell(e.check)} | {mark} | {_md_cell(e.bound_text)} | "
                             f"{_md_cell(e.tolerance_text)} | {_md_cell(e.detail)} |")
                if e.counterexample:
                    cex = ", ".join(f"{k} = {v}" for k, v in e.counterexample.items())
                    lines.append(f"| counterexample | | | | {_md_cell(cex)} |")
        return "\n".join(lines) + "\n"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def validate(self) -> ClaimResult:
        """Raise :class:`EvidenceError` unless the verdict follows from the evidence."""
        try:
            self.status = Verdict(self.status)
        except ValueError:
            raise EvidenceError(f"{self.id}: unknown verdict {self.status!r}") from None
        if not all(isinstance(e, Evidence) for e in self.evidence):
            raise EvidenceError(f"{self.id}: evidence must be a list of Evidence")
        if self.status is Verdict.VERIFIED:
            if not self.evidence:
                raise EvidenceError(f"{self.id}: verified without evidence")
            open_checks = [e.check for e in self.evidence if e.passed is not True]
            if open_checks:
                raise EvidenceError(f"{self.id}: verified, but {len(open_checks)} check(s) did not pass "
                                    f"({open_checks[0]})")
        elif self.status is Verdict.REFUTED:
            if not any(e.passed is False and e.counterexample for e in self.evidence):
                raise EvidenceError(f"{self.id}: refuted without an exact counterexample")
        elif self.status is Verdict.CONDITIONAL:
            if not self.condition.strip():
                raise EvidenceError(f"{self.id}: conditional without its condition")
            if not self.evidence:
                raise EvidenceError(f"{self.id}: conditional without evidence")
        elif self.status is Verdict.OUT_OF_SCOPE and not self.summary.strip():
            raise EvidenceError(f"{self.id}: out-of-scope without a reason")
        return self


def _md_cell(text: Any) -> str:
    """Text for one Markdown table cell: pipes escaped, no line breaks."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def decide(evidence: list[Evidence], what: str) -> tuple[Verdict, str]:
    """Verified only when every check passed (each pass carries its bound); refuted on a
    violation with an exact counterexample; otherwise inconclusive."""
    if not evidence:
        return Verdict.INCONCLUSIVE, f"{what}: no checks ran"
    failed = [e for e in evidence if e.passed is False]
    if failed:
        with_cex = [e for e in failed if e.counterexample]
        if with_cex:
            return Verdict.REFUTED, f"{what}: violated ({with_cex[0].check})"
        return (Verdict.INCONCLUSIVE,
                f"{what}: {len(failed)} check(s) failed without a certified counterexample")
    undecided = [e for e in evidence if e.passed is None]
    if undecided:
        return Verdict.INCONCLUSIVE, f"{what}: {len(undecided)} check(s) undecided"
    return Verdict.VERIFIED, f"{what}: all {len(evidence)} checks passed"
