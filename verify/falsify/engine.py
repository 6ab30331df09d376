r"""The search: Hypothesis hunts for an example with :math:`\mathrm{lhs} > \mathrm{rhs}`, then shrinks it.

Every example is decided at ``digits`` (:func:`~verify.falsify.inequality.decide`); the search is
steered by ``hypothesis.target`` towards a large
:math:`(\mathrm{lhs}-\mathrm{rhs})/(|\mathrm{lhs}|+|\mathrm{rhs}|)` and, when the inequality has one,
a small ``margin``. A violation fails the Hypothesis test, so Hypothesis shrinks it; the shrunk
example is re-decided at ``recheck_digits`` before it is reported. Finding nothing proves nothing:
the report then says what the search covered.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

import hypothesis
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis.errors import Flaky, HypothesisException

from .exact import decode_example, encode, encode_example, readable
from .inequality import Decision, Inequality, decide

__all__ = ["FalsificationReport", "falsify"]

Status = Literal["counterexample", "unconfirmed", "none-found"]

SCORE_LABEL = "(lhs - rhs)/(|lhs| + |rhs|)"
MARGIN_LABEL = "-margin"
#: Distinct values remembered per example field for the coverage summary.
_DISTINCT_CAP = 10_000
#: Undecided examples kept in a report (the first ones; ``undecided`` counts them all).
UNDECIDED_KEPT = 20


class _Violation(Exception):
    """Raised inside the Hypothesis test so that Hypothesis shrinks the example."""


class _ShrinkBudgetSpent(BaseException):
    """Ends Hypothesis' shrinking early: a BaseException, which Hypothesis does not catch."""


@dataclass(frozen=True)
class FalsificationReport:
    r"""What one search found.

    ``status`` is ``"counterexample"`` (violated at ``digits`` and again at ``recheck_digits``),
    ``"unconfirmed"`` (violated at ``digits`` only; both evaluations are given) or
    ``"none-found"``. ``counterexample`` is the shrunk example with rationals as ``"p/q"``
    strings (``example`` keeps it exact); ``examples_tried`` counts every evaluation, shrinking
    included; ``coverage`` summarises what was explored.

    ``undecided`` counts the examples that could not be decided at ``digits`` (a ball
    lhs - rhs that contains 0, two mpmath precisions that disagree, a non-finite side);
    ``undecided_examples`` keeps the first :data:`UNDECIDED_KEPT` of them, each as
    ``{"example": ..., "reason": ..., "lhs": ..., "rhs": ..., "lhs_minus_rhs": ...}`` (rationals as
    ``"p/q"``), so that they can be looked at or re-decided at a higher precision. They are in
    :meth:`to_json`, :meth:`summary`, :meth:`to_markdown` and the ``memverify falsify`` text.
    """

    status: Status
    claim: str | None
    name: str
    budget: int
    examples_tried: int
    undecided: int
    seed: int
    digits: int
    recheck_digits: int
    counterexample: dict[str, Any] | None
    evaluation: dict[str, Any] | None
    recheck: dict[str, Any] | None
    coverage: dict[str, Any]
    seconds: float
    params: dict[str, Any] = field(default_factory=dict)
    example: dict[str, Any] | None = field(default=None, repr=False, compare=False)
    undecided_examples: tuple[dict[str, Any], ...] = ()

    @property
    def holds(self) -> bool | None:
        """False when a counterexample was confirmed, None otherwise (a search proves nothing)."""
        return False if self.status == "counterexample" else None

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict (rationals as ``"p/q"`` strings)."""
        return {"status": self.status, "claim": self.claim, "name": self.name,
                "params": readable(self.params), "budget": self.budget,
                "examples_tried": self.examples_tried, "undecided": self.undecided,
                "undecided_examples": [dict(u) for u in self.undecided_examples], "seed": self.seed,
                "digits": self.digits, "recheck_digits": self.recheck_digits,
                "counterexample": self.counterexample, "evaluation": self.evaluation,
                "recheck": self.recheck, "coverage": self.coverage, "seconds": self.seconds}

    def _undecided_text(self) -> str:
        if not self.undecided:
            return ""
        first = self.undecided_examples[0] if self.undecided_examples else None
        if first is None:
            return f"{self.undecided} undecided at {self.digits} digits"
        return (f"{self.undecided} undecided at {self.digits} digits, e.g. "
                f"{_example_text(first['example'])} ({first['reason'] or 'undecided'})")

    def summary(self) -> str:
        """One line for people."""
        if self.status == "none-found":
            undecided = self._undecided_text() or f"0 undecided at {self.digits} digits"
            return (f"{self.name}: no counterexample in {self.examples_tried} examples "
                    f"({undecided}); not a proof")
        example = ", ".join(f"{k} = {_unquoted(v)}" for k, v in (self.counterexample or {}).items())
        if self.status == "counterexample":
            return (f"{self.name}: counterexample {example}; lhs - rhs = "
                    f"{self.recheck['lhs_minus_rhs'] if self.recheck else '?'} > 0 "
                    f"(certain at {self.recheck_digits} digits)")
        return (f"{self.name}: violated at {self.digits} digits by {example}, but not confirmed at "
                f"{self.recheck_digits} digits")

    def to_markdown(self) -> str:
        """The report for people as Markdown: a table of the search, the counterexample and the
        undecided examples (what a notebook shows, ``_repr_markdown_``)."""
        rows = [("status", f"**{self.status}**"), ("inequality", self.name),
                ("claim", self.claim or "-"),
                ("search", f"budget {self.budget}, seed {self.seed}, {self.digits} digits "
                           f"(re-check {self.recheck_digits})"),
                ("examples", f"{self.examples_tried} evaluated, {self.undecided} undecided"),
                ("seconds", f"{self.seconds:.2f}")]
        if self.params:
            rows.insert(3, ("params", ", ".join(f"{k} = {_unquoted(v)}"
                                                 for k, v in readable(self.params).items())))
        if self.counterexample:
            rows.append(("counterexample", _example_text(self.counterexample)))
        for label, dec in (("search", self.evaluation), ("re-check", self.recheck)):
            if dec:
                rows.append((f"{label} ({dec['digits']} digits)",
                             f"{dec['verdict']}: lhs - rhs = {dec['lhs_minus_rhs']}"))
        lines = [f"**falsify** {_md(self.summary())}", "", "| | |", "|---|---|",
                 *[f"| {_md(k)} | {_md(v)} |" for k, v in rows]]
        if self.undecided_examples:
            shown = len(self.undecided_examples)
            lines += ["", f"Undecided examples ({shown} of {self.undecided} kept):", "",
                      "| example | reason | lhs - rhs |", "|---|---|---|"]
            lines += [f"| {_md(_example_text(u['example']))} | {_md(u['reason'] or '-')} | "
                      f"{_md(u['lhs_minus_rhs'])} |" for u in self.undecided_examples]
        return "\n".join(lines) + "\n"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


def _unquoted(value: Any) -> str:
    return json.dumps(value).replace('"', "")


def _example_text(example: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {_unquoted(v)}" for k, v in example.items())


def _md(text: Any) -> str:
    """One Markdown table cell: pipes escaped, no line breaks."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _format(x: float | None) -> str | None:
    return None if x is None else f"{x:.6g}"


class _Field:
    """Summary of one example field: distinct values, numeric range, sequence lengths."""

    def __init__(self) -> None:
        self.count = 0
        self.distinct: set[str] = set()
        self.capped = False
        self.lo: Fraction | int | None = None
        self.hi: Fraction | int | None = None
        self.numbers = 0
        self.lengths: tuple[int, int] | None = None
        self.strings: set[str] = set()

    def add(self, value: Any) -> None:
        self.count += 1
        if len(self.distinct) < _DISTINCT_CAP:
            self.distinct.add(json.dumps(encode(value), sort_keys=True))
        else:
            self.capped = True
        if isinstance(value, list | tuple):
            n = len(value)
            self.lengths = (n, n) if self.lengths is None else (min(self.lengths[0], n),
                                                                 max(self.lengths[1], n))
        self._leaves(value)

    def _leaves(self, value: Any) -> None:
        if isinstance(value, bool) or value is None:
            return
        if not isinstance(value, int | Fraction | str | list | tuple | dict):
            value = readable(value)  # a Schedule (its name) or a NearTie (its fields, as text)
        if isinstance(value, int | Fraction):
            self.numbers += 1
            self.lo = value if self.lo is None else min(self.lo, value)
            self.hi = value if self.hi is None else max(self.hi, value)
        elif isinstance(value, str):
            if len(self.strings) < 10:
                self.strings.add(value)
        elif isinstance(value, list | tuple):
            for v in value:
                self._leaves(v)
        elif isinstance(value, dict):
            for v in value.values():
                self._leaves(v)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"values": self.count,
                               "distinct": f">= {_DISTINCT_CAP}" if self.capped else len(self.distinct)}
        if self.numbers:
            out |= {"numbers": self.numbers, "min": str(self.lo), "max": str(self.hi)}
        if self.lengths is not None:
            out["lengths"] = list(self.lengths)
        if self.strings:
            out["strings"] = sorted(self.strings)
        return out


class _Search:
    """The state the Hypothesis test closes over."""

    def __init__(self, inequality: Inequality, digits: int, budget: int, shrink_budget: int,
                 progress: Callable[[str], None] | None) -> None:
        self.inequality, self.digits, self.budget, self.progress = inequality, digits, budget, progress
        self.shrink_budget = shrink_budget
        self.shrink_stopped = False
        self.step = max(1, budget // 10)
        self.evaluations = 0
        self.undecided = 0
        self.undecided_examples: list[dict[str, Any]] = []
        self.verdicts = {"holds": 0, "violated": 0, "undecided": 0}
        self.found_after: int | None = None
        self.fields: dict[str, _Field] = {}
        self.scores: list[float] = []
        self.best: tuple[float, dict[str, Any]] | None = None
        self.max_ratio: float | None = None
        self.margins: list[float] = []
        self.failure: tuple[dict[str, Any], Decision] | None = None

    def __call__(self, example: dict[str, Any]) -> None:
        if not isinstance(example, dict):
            raise TypeError(f"{self.inequality.name}: the strategy drew {type(example).__name__}, "
                            "not a dict")
        if self.found_after is not None and self.evaluations - self.found_after >= self.shrink_budget:
            self.shrink_stopped = True
            raise _ShrinkBudgetSpent
        self.evaluations += 1
        try:
            decision = decide(self.inequality, example, self.digits)
        except Exception as exc:
            if not isinstance(exc, HypothesisException):  # not assume() or Hypothesis' control flow
                exc.add_note(f"falsify {self.inequality.name!r}: at example {readable(example)}")
            raise
        self._record(example, decision)
        if decision.score is not None:
            hypothesis.target(decision.score, label=SCORE_LABEL)
        if self.inequality.margin is not None:
            m = float(self.inequality.margin(example))
            if math.isfinite(m):
                self.margins.append(m)
                hypothesis.target(-m, label=MARGIN_LABEL)
        if self.progress is not None and self.evaluations % self.step == 0:
            self._report_progress()
        if decision.verdict == "violated":
            if self.found_after is None:
                self.found_after = self.evaluations
            self.failure = (encode_example(example), decision)
            raise _Violation(self.inequality.name)

    def _record(self, example: dict[str, Any], decision: Decision) -> None:
        self.verdicts[decision.verdict] += 1
        if decision.verdict == "undecided":
            self.undecided += 1
            if len(self.undecided_examples) < UNDECIDED_KEPT:
                self.undecided_examples.append(
                    {"example": readable(example), "reason": decision.reason, "lhs": decision.lhs,
                     "rhs": decision.rhs, "lhs_minus_rhs": decision.difference})
        for key, value in example.items():
            self.fields.setdefault(key, _Field()).add(value)
        if decision.score is not None:
            self.scores.append(decision.score)
            if self.best is None or decision.score > self.best[0]:
                self.best = (decision.score, readable(example))
        if decision.ratio is not None:
            self.max_ratio = decision.ratio if self.max_ratio is None else max(self.max_ratio,
                                                                               decision.ratio)

    def _report_progress(self) -> None:
        assert self.progress is not None
        if self.found_after is None:
            best = _format(self.best[0]) if self.best else "-"
            self.progress(f"{self.inequality.name}: {self.evaluations}/{self.budget} examples, "
                          f"{self.undecided} undecided, best score {best}")
        else:
            self.progress(f"{self.inequality.name}: shrinking a violation "
                          f"({self.evaluations - self.found_after} shrink evaluations)")

    def coverage(self) -> dict[str, Any]:
        out: dict[str, Any] = {"evaluations": self.evaluations, "verdicts": dict(self.verdicts)}
        if self.found_after is not None:
            out |= {"found_after": self.found_after,
                    "shrink_evaluations": self.evaluations - self.found_after,
                    "shrinking": "stopped by shrink_budget" if self.shrink_stopped else "complete"}
        out["fields"] = {key: f.to_json() for key, f in self.fields.items()}
        if self.scores:
            out["score"] = {"definition": f"{SCORE_LABEL} in float64, > 0 where lhs > rhs",
                            "min": _format(min(self.scores)), "max": _format(max(self.scores)),
                            "mean": _format(math.fsum(self.scores) / len(self.scores))}
        if self.max_ratio is not None:
            out["max_lhs_over_rhs"] = _format(self.max_ratio)
        if self.best is not None:
            out["highest_score_example"] = self.best[1]
        if self.margins:
            out["min_margin"] = _format(min(self.margins))
        return out


def _check_int(value: Any, what: str, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ValueError(f"{what}={value!r} must be an int >= {least}")
    return value


def falsify(inequality: Inequality, *, budget: int = 200, seed: int = 0, digits: int = 50,
            recheck_digits: int | None = None, shrink_budget: int | None = None,
            progress: Callable[[str], None] | None = None) -> FalsificationReport:
    r"""Search ``budget`` examples for a violation of ``inequality``, shrink it, and re-check it.

    Deterministic for a given ``seed``. Each example is decided at ``digits``; a shrunk violation
    is re-decided at ``recheck_digits`` (default ``digits + 30``). Shrinking stops after
    ``shrink_budget`` evaluations (default ``budget``), keeping the smallest violation so far.
    ``progress`` gets a line every tenth of the budget. It runs its own ``@given`` test, quietly;
    inside another ``@given`` test, suppress ``HealthCheck.nested_given`` on that outer test.
    """
    if not isinstance(inequality, Inequality):
        raise TypeError(f"expected an Inequality, got {type(inequality).__name__}")
    budget = _check_int(budget, "budget", 1)
    digits = _check_int(digits, "digits", 10)
    recheck_digits = _check_int(digits + 30 if recheck_digits is None else recheck_digits,
                                "recheck_digits", digits)
    shrink_budget = _check_int(budget if shrink_budget is None else shrink_budget, "shrink_budget", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed={seed!r} must be an int")
    params = dict(inequality.params)
    encode_example(params, "params")  # refuse inexact parameters before searching
    start = time.perf_counter()
    search = _Search(inequality, digits, budget, shrink_budget, progress)

    @settings(max_examples=budget, database=None, deadline=None, derandomize=False,
              phases=(Phase.explicit, Phase.generate, Phase.target, Phase.shrink),
              suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
              report_multiple_bugs=False, print_blob=False)
    @hypothesis.seed(seed)
    @given(inequality.strategy)
    def run(example: dict[str, Any]) -> None:
        search(example)

    try:
        run()
    except (_Violation, _ShrinkBudgetSpent):
        pass
    except Flaky:
        # The shrunk example did not fail again: evaluate is not deterministic. The last recorded
        # violation still goes through the re-check below.
        if search.failure is None:
            raise

    common = dict(claim=inequality.claim, name=inequality.name, budget=budget, seed=seed, digits=digits,
                  recheck_digits=recheck_digits, params=params,
                  undecided_examples=tuple(search.undecided_examples))
    if search.failure is None:
        return FalsificationReport("none-found", examples_tried=search.evaluations,
                                   undecided=search.undecided, counterexample=None, evaluation=None,
                                   recheck=None, coverage=search.coverage(),
                                   seconds=round(time.perf_counter() - start, 3), **common)
    encoded, decision = search.failure
    example = decode_example(encoded)
    recheck = decide(inequality, example, recheck_digits)
    status: Status = "counterexample" if recheck.verdict == "violated" else "unconfirmed"
    return FalsificationReport(status, examples_tried=search.evaluations, undecided=search.undecided,
                               counterexample=readable(example), evaluation=decision.to_json(),
                               recheck=recheck.to_json(), coverage=search.coverage(),
                               seconds=round(time.perf_counter() - start, 3), example=example, **common)
