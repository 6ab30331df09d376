"""The independent reference integrator: its hand-written field is the stated field, its raw mpf
arithmetic is the arithmetic of mpf objects."""

from __future__ import annotations

import random
from fractions import Fraction as F

import mpmath
import pytest

from verify.checks.flow_reference import (
    _field,
    _raw_field,
    _rk4_step_raw,
    reference_winner,
    rk4_step,
    stated_field,
    two_atom_winner,
    worst_case_excursion,
)


def _mp(q: F):
    return mpmath.mpf(q.numerator) / q.denominator


@pytest.mark.parametrize("seed", range(6))
def test_stated_field_is_the_lambdified_statement(seed):
    """At random rational points (up to five atoms in up to three dimensions, SNR up to 40) the
    hand-written field agrees with the lambdified SymPy statement to 18+ digits."""
    rng = random.Random(seed)
    for _ in range(8):
        n, d = rng.randint(1, 5), rng.randint(1, 3)
        data = [[F(rng.randint(-24, 24), rng.choice((1, 2, 3, 8))) for _ in range(d)] for _ in range(n)]
        y = [F(rng.randint(-200, 200), rng.choice((7, 16, 25))) for _ in range(d)]
        ell = F(rng.randint(0, 400), 10)
        with mpmath.workdps(30):
            X = [[_mp(q) for q in row] for row in data]
            got = stated_field(X)(_mp(ell), [_mp(q) for q in y])
            want = _field(n, d)(_mp(ell), *[_mp(q) for q in y], *[v for row in X for v in row])
            scale = 1 + max(abs(v) for v in want)
            assert max(abs(a - b) for a, b in zip(got, want, strict=True)) < mpmath.mpf(10) ** -18 * scale


def test_raw_rk4_step_is_rk4_step_bit_for_bit():
    """The raw step of :func:`reference_winner` is :func:`rk4_step` on :func:`stated_field`."""
    data = [[F(2), F(1, 2)], [F(-1), F(1)], [F(1, 4), F(-3, 2)]]
    with mpmath.workdps(20):
        X = [[_mp(q) for q in row] for row in data]
        y, ell, h = [_mp(F(1, 3)), _mp(F(-1, 5))], mpmath.mpf(0), mpmath.mpf(1) / 37
        raw_y, raw = [v._mpf_ for v in y], _raw_field([[v._mpf_ for v in row] for row in X])
        for _ in range(20):
            y = rk4_step(stated_field(X), ell, y, h)
            raw_y = _rk4_step_raw(raw, ell._mpf_, raw_y, h._mpf_, mpmath.mp.prec)
            ell += h
            assert [v._mpf_ for v in y] == raw_y


def test_reference_winner_follows_the_two_atom_sign_rule():
    for a, b, z in (([F(1), F(2)], [F(-3, 2), F(1, 2)], [F(1, 3), F(-2, 7)]),
                    ([F(3)], [F(-1, 2)], [F(-1, 5)]),
                    ([F(1), F(0), F(1)], [F(0), F(2), F(-1)], [F(1, 2), F(1, 2), F(-1, 4)])):
        assert reference_winner([a, b], z) == two_atom_winner(a, b, z)


def _excursion_with_mpf_objects(rho, ell0, rivals, digits=20):
    """The worst case's RK4 written with mpf objects and :func:`rk4_step` (the raw version's
    yardstick)."""
    with mpmath.workdps(digits):
        D = [_mp(d) for d in rivals]

        def drift(ell, r):
            logits = [mpmath.mpf(0)] + [-(ell * ell * x * x / 2 - ell * r * x) for x in D]
            top = max(logits)
            e = [mpmath.exp(g - top) for g in logits]
            return sum(ei * x for ei, x in zip(e[1:], D, strict=True)) / sum(e)

        ell, r = _mp(ell0), _mp(rho)
        h, tiny = mpmath.mpf(1) / 64, mpmath.mpf(10) ** (-digits)
        for _ in range(200_000):
            (r,) = rk4_step(lambda e, v: [drift(e, v[0])], ell, [r], h)
            ell += h
            if drift(ell, r) < tiny and ell * min(D) > 2 * r:
                break
        return float(r)


@pytest.mark.parametrize(("rho", "ell0", "rivals"), [
    (F(1, 2), F(3), [F(1)]),
    (F(1, 10), F(15, 8), [F(1), F(3, 2)]),
    (F(1), F(49, 8), [F(1, 2), F(2)]),
    (F(0), F(5, 2), [F(3, 4), F(5, 4), F(2)]),
])
def test_worst_case_excursion_is_its_mpf_statement_bit_for_bit(rho, ell0, rivals):
    assert worst_case_excursion(rho, ell0, rivals) == _excursion_with_mpf_objects(rho, ell0, rivals)
