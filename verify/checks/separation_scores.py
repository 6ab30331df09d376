"""Evidence shared by the separation claims: the float64 score code against the stated process."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..verdicts import Bound, Evidence

__all__ = ["stated_score_evidence", "stated_asymptote_evidence"]

#: float64 against 40-digit evaluation of the stated score
SCORE_TOLERANCE = 1e-9


def stated_score_evidence(seed: int) -> Evidence:
    r"""``empirical_score`` (float64) against :math:`\sum_iw_i(\alpha_sX_i-x)/\sigma_s^2` with
    :math:`\alpha_s,\sigma_s^2` solved from Ye et al.'s SDE :math:`dX=-\tfrac12X\,ds+dB`
    (:func:`derivations.statements.stated_empirical_score`), at random points and times."""
    import sympy as sp

    from derivations.statements import stated_empirical_score

    from ..separation.scores import empirical_score

    rng = np.random.default_rng(seed + 4242)
    worst, rows = 0.0, []
    for s in (Fraction(1, 50), Fraction(1, 2), Fraction(2)):
        data = [[Fraction(int(v), 8) for v in rng.integers(-16, 17, size=2)] for _ in range(4)]
        x = [Fraction(int(v), 16) for v in rng.integers(-24, 25, size=2)]
        got = empirical_score(np.array([[float(v) for v in x]]), float(s),
                              np.array([[float(v) for v in row] for row in data]))[0]
        want = stated_empirical_score(sp.Matrix([sp.Rational(v) for v in x]), sp.Rational(s),
                                      sp.Matrix([[sp.Rational(v) for v in row] for row in data]))
        want_f = np.array([float(sp.N(w, 40)) for w in want])
        rel = float(np.max(np.abs(got - want_f)) / max(1.0, float(np.max(np.abs(want_f)))))
        worst = max(worst, rel)
        rows.append(f"s = {s}: {rel:.1e}")
    return Evidence(
        check="empirical_score (float64) = the stated score of Ye et al.'s forward process",
        passed=True if worst < SCORE_TOLERANCE else None,
        detail="alpha_s, sigma_s^2 solved by SymPy from dX = -X/2 ds + dB (derivations.statements), score "
               "sum_i w_i (alpha X_i - x)/sigma^2 at 40 digits; n = 4, d = 2, random exact points: "
               + ", ".join(rows),
        bound=Bound(worst, SCORE_TOLERANCE, quantity="largest relative deviation"))


def stated_asymptote_evidence() -> Evidence:
    r"""``small_s_asymptote`` at :math:`\Sigma=I` against the stated :math:`d/(e^s-1)` (50 digits)."""
    import mpmath

    from derivations.separation import small_s_asymptote

    worst = mpmath.mpf(0)
    with mpmath.workdps(50):
        for s in (Fraction(1, 1000), Fraction(1, 10), Fraction(1), Fraction(3)):
            for d in (1, 3):
                got = small_s_asymptote(s, [Fraction(1)] * d)
                sv = mpmath.mpf(s.numerator) / s.denominator
                want = d / mpmath.expm1(sv)
                worst = max(worst, abs(got - want) / want)
    return Evidence(
        check="the small-s asymptote at Sigma = I equals the stated d/(e^s - 1)",
        passed=True if worst < mpmath.mpf(10) ** -40 else None,
        detail=f"derivations.separation.small_s_asymptote at s in {{1/1000, 1/10, 1, 3}}, d in {{1, 3}} "
               f"against d/(e^s - 1) at 50 digits: largest relative difference {mpmath.nstr(worst, 3)}",
        bound=Bound(float(worst), 1e-40, quantity="largest relative difference"))
