"""Euler / Euler–Maruyama: the derived step map, the last-step law and the exact one-atom law."""

from __future__ import annotations

import json
from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from flint import arb

from derivations.codegen import compile_field
from derivations.discretization import (
    H,
    SingularStartError,
    _numeric_leading,
    last_step,
    leading_term,
    one_atom_law,
    step_map,
)
from derivations.limits import fit_power_rate
from derivations.schedules import BUILTIN_SCHEDULES, T, builtin_schedule, parse_schedule

USER = "alpha=1-t; beta=t**(1/4); gamma=0"
oo = sp.oo
R = sp.Rational


def _schedule(name: str):
    return parse_schedule(USER) if name == "user" else builtin_schedule(name)


def _zero(expr: sp.Expr) -> bool:
    return sp.simplify(expr) == 0


# (A(h,h) coefficient, order), (D(h,h) coefficient, order), p, exponent, noise order
EXPECTED = {
    ("linear", "euler"): ((0, oo), (0, oo), 1, oo, oo),
    ("vp-linear-sigma", "euler"): ((0, oo), (R(1, 2), 2), 1, 2, oo),
    ("trigonometric", "euler"): ((sp.pi**2 / 12, 2), (sp.pi**2 / 8, 2), 1, 2, oo),
    ("linear-brownian", "euler"): ((R(1, 2), 0), (0, oo), R(1, 2), R(1, 2), oo),
    ("user", "euler"): ((R(3, 4), 0), (0, oo), R(1, 4), R(1, 4), oo),
    # default zeta = sigma sigma': the drift is alpha' m + 2 (sigma'/sigma)(x - alpha m)
    ("linear", "euler-maruyama"): ((-1, 0), (0, oo), 1, 1, 1),
    ("vp-linear-sigma", "euler-maruyama"): ((-1, 0), (R(1, 2), 2), 1, 1, 1),
    ("trigonometric", "euler-maruyama"): ((-1, 0), (sp.pi**2 / 8, 2), 1, 1, 1),
    ("linear-brownian", "euler-maruyama"): ((R(1, 2), 1), (0, oo), R(1, 2), R(3, 2), R(1, 2)),
    ("user", "euler-maruyama"): ((R(1, 2), 0), (0, oo), R(1, 4), R(1, 4), R(1, 4)),
}


@pytest.fixture(scope="module")
def linear():
    return builtin_schedule("linear")


def test_step_map_linear_by_hand(linear) -> None:
    sm = step_map(linear, "euler")
    assert sm.exact
    assert _zero(sm.A - (1 - H / T)) and _zero(sm.C - H / T) and _zero(sm.D)
    assert sm.noise == 0
    em = step_map(linear, "euler-maruyama")
    assert em.exact
    assert _zero(em.A - (1 - 2 * H / T)) and _zero(em.D)
    assert _zero(em.noise - sp.sqrt(2 * T * H))


@pytest.mark.parametrize("name", [*BUILTIN_SCHEDULES, "user"])
def test_step_map_is_exact_and_read_from_the_drift(name) -> None:
    s = _schedule(name)
    for method in ("euler", "euler-maruyama"):
        sm = step_map(s, method)
        assert sm.exact, (name, method)
        # the D formula of the brief, from the derived a, c
        want = (1 - H * sm.a) * s.alpha - H * sm.c - s.alpha.subs(T, T - H)
        assert _zero((sm.D - want).rewrite(sp.exp)), (name, method)
        # ... which is the local truncation error of alpha alone, whatever zeta
        taylor = s.alpha - H * sp.diff(s.alpha, T) - s.alpha.subs(T, T - H)
        assert _zero((sm.D - taylor).rewrite(sp.exp)), (name, method)


@pytest.mark.parametrize(("name", "method"), list(EXPECTED))
def test_last_step_leading_terms_and_exponent(name, method) -> None:
    (a_c, a_o), (d_c, d_o), p, exponent, noise_order = EXPECTED[name, method]
    ls = last_step(_schedule(name), method)
    assert (ls.A.coefficient, ls.A.order) == (a_c, a_o) or _zero(ls.A.coefficient - a_c) and ls.A.order == a_o
    assert _zero(ls.D.coefficient - d_c) and ls.D.order == d_o
    assert ls.p == p and ls.exponent == exponent and ls.noise_order == noise_order
    assert ls.A.zero == (a_o == oo) and ls.D.zero == (d_o == oo)
    assert ls.agrees  # every leading term confirmed at h = 2^-k, k = 6..30
    for term in (ls.A, ls.D, ls.sigma, ls.noise):
        if not term.zero:
            assert abs(float(term.fitted_rate) - float(term.order)) < 0.01
            assert abs(float(term.ratio) - 1) < 1e-3


def test_linear_exact_zero_and_softmax_residual(linear) -> None:
    ls = last_step(linear, "euler")
    assert ls.A.zero and ls.D.zero and ls.exponent == oo
    assert ls.A.fitted_rate == "exact"
    # u_0 = C(h,h) (m - X) with C(h,h) = 1: the N-atom deviation is the softmax residual
    assert ls.C.coefficient == 1 and ls.C.order == 0


def test_wrong_sign_or_zeta_changes_the_em_last_step(linear) -> None:
    good = last_step(linear, "euler-maruyama")
    bad = last_step(linear, "euler-maruyama", direction="forward")  # b + zeta s backward
    assert good.A.coefficient == -1 and bad.A.coefficient == 1
    double = last_step(linear, "euler-maruyama", zeta="double")  # a = 3/t
    assert double.A.coefficient == -2
    assert _zero(double.noise.coefficient - 2) and double.noise.order == 1


def test_leading_term_helper() -> None:
    lt = leading_term(H**2 + H**3)
    assert (lt.coefficient, lt.order) == (1, 2) and lt.agrees
    lt = leading_term(sp.sin(H) - H)
    assert (lt.coefficient, lt.order) == (R(-1, 6), 3) and lt.agrees
    assert leading_term(H * (1 / H) - 1).zero
    # a wrong claim is caught numerically
    assert not _numeric_leading(H**2 + H**3, H, False, sp.Integer(2), sp.Integer(2), range(6, 31))[3]
    assert not _numeric_leading(H**2 + H**3, H, False, sp.Integer(1), sp.Integer(3), range(6, 31))[3]


def test_euler_rejects_zeta_and_unknown_method(linear) -> None:
    with pytest.raises(ValueError, match="euler-maruyama only"):
        step_map(linear, "euler", zeta="double")
    with pytest.raises(ValueError, match="unknown method"):
        step_map(linear, "heun")


# -- the exact one-atom law ------------------------------------------------------------------------------

def test_one_atom_linear_euler_is_exact(linear) -> None:
    for steps, t0 in ((10, Fraction(1)), (7, Fraction(1, 2)), (1, Fraction(1))):
        law = one_atom_law(linear, "euler", steps, t0)
        assert law.gain.contains(0) and law.coefficient.contains(1) and law.variance == 0
        assert law.alpha0.contains(1) and law.deviation_coefficient.contains(0)
        assert law.gain.rad() < arb(10) ** -45


def test_one_atom_linear_em_forgets_the_start(linear) -> None:
    law = one_atom_law(linear, "euler-maruyama", 16)
    # A(t_k, h) = 1 - 2/k vanishes at k = 2
    assert law.gain.contains(0) and law.coefficient.contains(1)
    assert law.variance > 0


def test_linear_brownian_gain_is_sqrt_h() -> None:
    s = builtin_schedule("linear-brownian")
    hs, gains = [], []
    for j in range(6, 12):
        law = one_atom_law(s, "euler", 2**j)
        hs.append(mpmath.mpf(1) / 2**j)
        gains.append(mpmath.mpf(law.gain.mid().str(30, radius=False)))
    assert abs(fit_power_rate(hs, gains) - mpmath.mpf(1) / 2) < 0.02


def _mp_value(ball: arb) -> mpmath.mpf:
    return mpmath.mpf(ball.mid().str(70, radius=False))


@pytest.mark.parametrize("name", ["trigonometric", "linear-brownian", "user"])
def test_one_atom_law_matches_a_direct_euler_loop(name) -> None:
    # start at 1/2: the compiled (unsimplified) linear-brownian velocity has gamma'(1) = -oo
    s = _schedule(name)
    steps, z, X = 40, Fraction(7, 10), Fraction(-3, 10)
    law = one_atom_law(s, "euler", steps, Fraction(1, 2), digits=60)
    velocity = compile_field(s, "velocity", 1, 1, "mpmath")
    with mpmath.workdps(60):
        h = mpmath.mpf(1) / (2 * steps)
        Z = mpmath.mpf(7) / 10
        Xm = -mpmath.mpf(3) / 10
        for k in range(steps, 0, -1):
            Z = Z - h * velocity([Z], k * h, [[Xm]])[0]
        want = _mp_value(law.gain) * (mpmath.mpf(z.numerator) / z.denominator) \
            + _mp_value(law.coefficient) * (mpmath.mpf(X.numerator) / X.denominator)
        assert abs(Z - want) < mpmath.mpf(10) ** -45
    assert law.variance == 0


def test_em_law_matches_a_direct_moment_loop() -> None:
    s = builtin_schedule("linear-brownian")
    steps = 30
    law = one_atom_law(s, "euler-maruyama", steps, Fraction(1, 2), digits=60)
    drift = compile_field(s, "drift_backward", 1, 1, "mpmath")
    zeta = sp.lambdify(T, s.diffusion, modules="mpmath")
    with mpmath.workdps(60):
        h = mpmath.mpf(1) / (2 * steps)
        mean_z, mean_x, var = mpmath.mpf(1), mpmath.mpf(0), mpmath.mpf(0)  # from (z, X) = (1, 0), (0, 1)
        for k in range(steps, 0, -1):
            t = k * h
            slope = drift([mpmath.mpf(1)], t, [[0]])[0] - drift([mpmath.mpf(0)], t, [[0]])[0]
            mean_z = mean_z - h * drift([mean_z], t, [[0]])[0]
            mean_x = mean_x - h * drift([mean_x], t, [[1]])[0]
            var = (1 - h * slope) ** 2 * var + 2 * zeta(t) * h
        for ball, value in ((law.gain, mean_z), (law.coefficient, mean_x), (law.variance, var)):
            assert abs(_mp_value(ball) - value) < mpmath.mpf(10) ** -45


def test_vp_linear_sigma_refuses_t_start_one() -> None:
    s = builtin_schedule("vp-linear-sigma")
    with pytest.raises(SingularStartError, match=r"alpha'\(t\).*t_start < 1") as info:
        one_atom_law(s, "euler", 8)
    assert isinstance(info.value, ValueError) and "\n" not in str(info.value)
    law = one_atom_law(s, "euler", 8, Fraction(1, 2))
    assert law.alpha0.contains(1) and law.gain.contains(0)  # A(h, h) = 0


def test_json_round_trip(linear) -> None:
    json.dumps(last_step(linear, "euler-maruyama").to_json())
    json.dumps(step_map(linear, "euler").to_json())
    out = one_atom_law(linear, "euler", 4).to_json()
    json.dumps(out)
    assert out["steps"] == 4 and out["h"] == "1/4"
