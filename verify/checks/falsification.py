r"""Falsification searches as claim evidence (the registered inequalities of :mod:`verify.falsify`).

Two kinds of evidence:

* ``expect="counterexample"`` — the statement *without* its condition is false: the search must
  find a violation, shrink it to exact rationals and confirm it at the re-check precision; the
  evidence carries that counterexample and the certified lower end of :math:`\mathrm{lhs}-\mathrm{rhs}`.
* ``expect="none"`` — the statement *with* its condition: no violation among the searched examples
  (an estimate, not a proof: the bound is the largest :math:`\mathrm{lhs}/\mathrm{rhs}` seen). A
  confirmed violation is a failed check with its exact counterexample (the claim is refuted).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, Literal

from ..verdicts import Bound, Evidence

__all__ = ["search_evidence", "SEARCH_BUDGET"]

#: examples per search in a claim run (each decided in balls; a few seconds per search)
SEARCH_BUDGET = 40


def _lower_end(ball_text: str) -> float | None:
    """The lower end of a ``"mid +/- rad"`` decimal ball (None when it is not finite)."""
    try:
        mid, _, rad = ball_text.partition("+/-")
        return float(mid) - float(rad or 0)
    except ValueError:
        return None


def search_evidence(claim_id: str, expect: Literal["counterexample", "none"], *, seed: int = 0,
                    digits: int = 50, budget: int = SEARCH_BUDGET,
                    stated_rhs: Callable[[Mapping[str, Any]], float] | None = None) -> Evidence:
    """Search the inequality registered as ``claim_id`` and turn the report into evidence.

    ``stated_rhs``: the claim's right-hand side typed from its statement, evaluated at the found
    counterexample; the registered inequality must agree with it (relative 1e-12), so a search over
    a wrong inequality cannot pass for the claim's."""
    from ..falsify import falsify, inequality_for

    inequality = inequality_for(claim_id)
    report = falsify(inequality, budget=budget, seed=seed, digits=digits)
    where = (f"falsification search of {inequality.name} ({report.examples_tried} examples, seed {seed}, "
             f"{digits} digits, re-check at {report.recheck_digits})")
    if expect == "counterexample":
        check = f"a counterexample without the condition: {where}"
        if report.status != "counterexample":
            return Evidence(check, None, f"no confirmed counterexample ({report.status}): {report.summary()}")
        low = _lower_end(report.recheck["lhs_minus_rhs"])
        summary = report.summary()
        if stated_rhs is not None:
            want = stated_rhs(report.example)
            got = _lower_end(report.recheck["rhs"])
            if got is None or not math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-300):
                return Evidence(check, None, f"the registered inequality's rhs {report.recheck['rhs']} "
                                f"differs from the stated {want:.15g} at the counterexample: {summary}")
            summary += f"; rhs = the stated bound {want:.15g}"
        return Evidence(check, True if low is not None and low > 0 else None, summary,
                        bound=Bound(low, 0, ">", quantity="lhs - rhs at the re-check (lower end)",
                                    rigorous=True) if low is not None else None,
                        counterexample=report.counterexample)
    check = f"no counterexample under the condition: {where}"
    if report.status == "counterexample":
        return Evidence(check, False, report.summary(), counterexample=report.counterexample)
    ratio = report.coverage.get("max_lhs_over_rhs")
    if report.status != "none-found" or report.undecided or ratio is None:
        return Evidence(check, None, f"{report.status}, {report.undecided} undecided: {report.summary()}")
    return Evidence(check, True, report.summary() + " (a search, not a proof)",
                    bound=Bound(float(ratio), 1, "<=", quantity="max lhs/rhs over the searched examples"))
