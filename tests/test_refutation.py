"""A wrong identity is refuted with a certified counterexample in exact rationals."""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

from derivations import Identity, builtin_schedule, check_numeric, check_symbolic, derive
from derivations.schedules import T
from verify.verdicts import Evidence, Verdict, decide


def wrong_continuity() -> Identity:
    """d_t rho + div(rho b) = 0 with every per-sample velocity shifted by its atom."""

    def mixture(D):
        rho = D.density
        b = D.velocity.map("wrong", lambda i, f: f + D.X.row(i).T)
        field = b.explicit()
        div = sum(sp.diff(rho * field[j], D.x[j]) for j in range(D.d))
        return sp.Matrix([sp.diff(rho, T)]), sp.Matrix([-div])

    def component(D, i):
        return sp.Matrix([sp.diff(D.schedule.alpha, T) * D.x[0]])

    return Identity("wrong-continuity", "deliberately wrong", ("TEST",), "", mixture, component)


def test_wrong_identity_is_refuted_with_exact_counterexample():
    D = derive(builtin_schedule("linear"), 2, 1)
    ident = wrong_continuity()
    assert not check_symbolic(ident, D, "mixture").zero
    num = check_numeric(ident, D, points=2, digits=30)
    assert not num.passed
    assert num.refuted_at is not None
    values = {k: Fraction(v) for k, v in num.refuted_at.items()}  # exact rationals
    assert 0 < values["t"] < 1
    evidence = [Evidence("wrong", False, "", counterexample=num.refuted_at)]
    assert decide(evidence, "x")[0] is Verdict.REFUTED


def test_a_non_finite_ball_never_passes():
    """1/(sin^2 + cos^2 - 1) is a division by a ball around 0: no certificate, no pass."""
    D = derive(builtin_schedule("linear"), 1, 1)
    zero_ball = sp.sin(sp.pi * T) ** 2 + sp.cos(sp.pi * T) ** 2 - 1

    def mixture(_D):
        return sp.Matrix([1 / zero_ball]), sp.Matrix([1 / zero_ball])

    ident = Identity("singular", "", ("TEST",), "", mixture, lambda _D, _i: sp.Matrix([0]))
    num = check_numeric(ident, D, points=1, digits=30)
    assert not num.passed and num.max_relative == "non-finite" and num.refuted_at is None


def test_ball_powers_of_residuals_stay_finite():
    """flint 0.9 returns nan for `ball ** 2` when the ball contains 0; the printer avoids it."""
    from flint import arb, ctx

    from derivations.codegen import compile_arb

    x = sp.Symbol("x")
    fn = compile_arb([x], [(x - sp.Rational(1, 3)) ** 2, (x - sp.Rational(1, 3)) ** -2])
    old = ctx.dps
    try:
        ctx.dps = 40
        square, inverse = fn([Fraction(1, 3)])
    finally:
        ctx.dps = old
    assert square.is_finite() and square.contains(0) and abs(square).upper() < arb(10) ** -70
    assert not inverse.is_finite() or inverse.rad() > 10**70
