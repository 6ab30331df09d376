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

from importlib import import_module
from typing import Any

#: public name -> submodule, loaded on first use (PEP 562): ``memverify``'s parser imports
#: :mod:`verify.cli.falsify` without paying for Hypothesis
_EXPORTS = {
    "FalsificationReport": "engine", "falsify": "engine",
    "Evaluation": "inequality", "Inequality": "inequality",
    "UnknownInequality": "registry", "inequality_for": "registry", "known_inequalities": "registry",
    "register_inequality": "registry",
    "ReplayError": "replay_file", "ReplayResult": "replay_file", "replay": "replay_file",
    "write_replay": "replay_file",
}

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


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'verify.falsify' has no attribute {name!r}")
    value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
