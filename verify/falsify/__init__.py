r"""Falsify inequalities :math:`\mathrm{lhs}(e) \le \mathrm{rhs}(e)` over exact examples.

:func:`falsify` lets Hypothesis search for an example with :math:`\mathrm{lhs} > \mathrm{rhs}`
(steered by ``hypothesis.target``), shrinks it, and re-checks it at higher precision. A violation
is decided rigorously (``arb`` balls, exact rationals, or two mpmath precisions; MATH.md §5).
Finding nothing is reported as ``"none-found"`` with what the search covered — never as a proof.
Falsify your own bounds from a test suite::

    from hypothesis import strategies as st
    from verify.falsify import Evaluation, Inequality, falsify
    from verify.strategies import rationals

    ineq = Inequality("x^2 <= x", None, st.fixed_dictionaries({"x": rationals(-2, 2)}),
                      lambda ex, digits: Evaluation(ex["x"] ** 2, ex["x"], {}))
    report = falsify(ineq, budget=100, seed=1)
    assert report.status == "counterexample"  # shrunk to x = -1
    print(report.summary())

A counterexample can be stored exactly and re-decided later: ``write_replay(report, path)``,
then ``replay(path, ineq)``. Claims register their inequalities by id
(:func:`register_inequality`, looked up by :func:`inequality_for`).
"""

from .engine import FalsificationReport, falsify
from .inequality import Evaluation, Inequality
from .registry import UnknownInequality, inequality_for, known_inequalities, register_inequality
from .replay import ReplayError, ReplayResult, replay, write_replay

__all__ = [
    "Evaluation",
    "FalsificationReport",
    "Inequality",
    "ReplayError",
    "ReplayResult",
    "UnknownInequality",
    "falsify",
    "inequality_for",
    "known_inequalities",
    "register_inequality",
    "replay",
    "write_replay",
]
