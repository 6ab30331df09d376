r"""Falsify inequalities :math:`\mathrm{lhs}(e) \le \mathrm{rhs}(e)` over exact examples.

:func:`falsify` lets Hypothesis search for an example with :math:`\mathrm{lhs} > \mathrm{rhs}`
(steered by ``hypothesis.target``), shrinks it, and re-checks it at higher precision. A violation
is decided rigorously (``arb`` balls, exact rationals, or two mpmath precisions; see "Precision
discipline" in ``docs/conventions.md``). Finding nothing is reported as ``"none-found"`` with what
the search covered — never as a proof. Falsify your own bounds from a test suite::

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

Example values are exact: ``int``, ``Fraction``, ``str``, ``bool``, ``None``, lists, tuples and
dicts of them, and the :class:`~derivations.schedules.Schedule` and
:class:`~verify.strategies.NearTie` objects that ``verify.strategies.schedules()`` and
``near_ties()`` draw; anything else (a float first of all) raises :class:`ExactValueError`.
Examples that cannot be decided at the working precision are counted and the first ones kept
(``report.undecided_examples``).

The public surface (``__all__``; the submodules are private):

* :func:`falsify` returns a :class:`FalsificationReport` (``summary()``, ``to_json()``,
  ``to_markdown()``; it renders in notebooks);
* :class:`Inequality` states the bound, its ``evaluate`` returns an :class:`Evaluation`;
* :func:`write_replay` stores a counterexample exactly, :func:`replay` re-decides it (a
  :class:`ReplayResult`; :class:`ReplayError` for a bad file);
* :func:`register_inequality`, :func:`inequality_for`, :func:`known_inequalities` — the
  inequalities of claims by id (:class:`UnknownInequality` for an unknown one);
* :class:`ExactValueError` — a value that is not an exact example value.
"""


from derivations.lazy import lazy_exports as _lazy_exports

#: public name -> submodule, loaded on first use (PEP 562): ``memverify``'s parser imports
#: :mod:`verify.cli.falsify` without paying for Hypothesis
_EXPORTS = {
    "FalsificationReport": "engine", "falsify": "engine", "ExactValueError": "exact",
    "Evaluation": "inequality", "Inequality": "inequality",
    "UnknownInequality": "registry", "inequality_for": "registry", "known_inequalities": "registry",
    "register_inequality": "registry",
    "ReplayError": "replay_file", "ReplayResult": "replay_file", "replay": "replay_file",
    "write_replay": "replay_file",
}

__all__: list[str] = [
    "Evaluation",
    "ExactValueError",
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


__getattr__, __dir__ = _lazy_exports(__name__, _EXPORTS, globals())
