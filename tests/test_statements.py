"""The papers' statements, typed independently of the derivation, and the comparisons that use them."""

from __future__ import annotations

import sympy as sp

from derivations import statements as st
from derivations.fields import OracleDerivation, derive
from derivations.identities import check_numeric, check_symbolic, identity
from derivations.schedules import T, builtin_schedule, generic_schedule

HALF = sp.Rational(1, 2)


def test_stated_fields_at_a_hand_computed_point():
    # linear schedule at t = 1/2: alpha = sigma = 1/2, alpha' = -1, sigma' = 1; X = (0), (2),
    # x = 1/2: both logits are -(1/2)^2/(2/4) = -1/2, so w = (1/2, 1/2), m = 1,
    # b = -1 * 1 + (1/(1/2)) (1/2 - 1/2) = -1, s = -(1/2 - 1/2)/(1/4) = 0.
    s = builtin_schedule("linear")
    x, X = sp.Matrix([HALF]), sp.Matrix([[0], [2]])
    at = {T: HALF}
    assert [sp.simplify(w.subs(at)) for w in st.stated_weights(s, x, X)] == [HALF, HALF]
    assert sp.simplify(st.stated_denoiser(s, x, X)[0].subs(at)) == 1
    assert sp.simplify(st.stated_velocity(s, x, X)[0].subs(at)) == -1
    assert sp.simplify(st.stated_score(s, x, X)[0].subs(at)) == 0
    # x = 10: logits -100/(1/2) = -200 and -81/(1/2) = -162, so w_0 = 1/(1 + e^38)
    w = st.stated_weights(s, sp.Matrix([10]), X)
    assert sp.simplify(w[0].subs(at) - 1 / (1 + sp.exp(38))) == 0


def test_stated_regular_field_is_the_denoiser_in_regular_coordinates():
    s = builtin_schedule("trigonometric")
    y, X = sp.Matrix(sp.symbols("y0 y1", real=True)), sp.Matrix([[1, 0], [0, 2], [-1, 1]])
    ell = s.alpha / s.sigma
    lhs = st.stated_regular_field(y, ell, X)
    rhs = st.stated_denoiser(s, s.sigma * y, X)
    point = {T: sp.Rational(1, 3), y[0]: sp.Rational(1, 5), y[1]: sp.Rational(-2, 7)}
    assert all(abs(sp.N((a - b).subs(point), 40)) < 1e-35 for a, b in zip(lhs, rhs, strict=True))


class _HalvedTemperature(OracleDerivation):
    """A derivation whose logits carry the wrong temperature (what a reviewer's mutant did)."""

    @property
    def logits(self):
        return tuple(e / 2 for e in super().logits)


def test_a_wrong_temperature_fails_the_stated_weights():
    for schedule in (generic_schedule(), builtin_schedule("linear")):
        wrong = _HalvedTemperature(schedule, 2, 1)
        assert not check_symbolic(identity("paper-weights"), wrong, "component").zero
        assert not check_symbolic(identity("paper-velocity"), wrong, "mixture").zero
        assert check_symbolic(identity("paper-velocity"), wrong, "component").zero  # weights-free
    numeric = check_numeric(identity("paper-velocity"), _HalvedTemperature(builtin_schedule("linear"), 3, 2),
                            points=3, digits=30)
    assert not numeric.passed and numeric.refuted_at is not None
    right = check_numeric(identity("paper-velocity"), derive(builtin_schedule("linear"), 3, 2),
                          points=3, digits=30)
    assert right.passed


def test_the_stated_ou_process_and_its_score():
    """Ye et al.'s dX = -X/2 ds + dB solved by SymPy, and the float64 score code against it."""
    import sympy as sp

    from derivations.statements import stated_ou_coefficients
    from verify.checks.separation_scores import stated_asymptote_evidence, stated_score_evidence

    s, alpha, var = stated_ou_coefficients()
    assert sp.simplify(alpha - sp.exp(-s / 2)) == 0 and sp.simplify(var - (1 - sp.exp(-s))) == 0
    assert stated_score_evidence(0).passed is True
    assert stated_asymptote_evidence().passed is True
