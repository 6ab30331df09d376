"""SEP-LIP / SEP-T51 / SEP-PRUNE: Hessians, Lipschitz constants, checks and CLI."""

from __future__ import annotations

import argparse
import json
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from verify.cli.separation import add_lipschitz_arguments as add_arguments
from verify.cli.separation import lipschitz_command as command
from verify.registry import RunContext
from verify.separation.lipschitz import (
    closest_pair,
    empirical_lipschitz,
    fd_hessian_error,
    fit_exponent,
    gaussian_lipschitz,
    gaussian_symbolic,
    hessian_empirical,
    hessian_empirical_mp,
    midpoint_norm,
    midpoint_symbolic,
)
from verify.separation.scores import SeparationError, coefficients
from verify.verdicts import Verdict

RNG = np.random.default_rng(3)
DATA = RNG.standard_normal((5, 2))


def test_hessian_matches_finite_differences_of_the_score():
    assert fd_hessian_error(RNG.standard_normal((3, 2)), 0.2, DATA) < 1e-6


def test_hessian_mp_agrees_with_float64():
    data = [[Fraction(1, 3), Fraction(-1, 2)], [Fraction(2, 5), Fraction(3, 7)],
            [Fraction(-1), Fraction(1, 4)]]
    x = [Fraction(1, 10), Fraction(0)]
    with mpmath.workdps(40):
        H = hessian_empirical_mp(x, Fraction(1, 5), data)
        mp = np.array([[float(H[i, j]) for j in range(2)] for i in range(2)])
    fl = hessian_empirical(np.array([[0.1, 0.0]]), 0.2, np.array([[float(v) for v in r] for r in data]))[0]
    assert np.allclose(mp, fl, rtol=1e-10, atol=1e-12)
    with pytest.raises(TypeError):
        hessian_empirical_mp([0.1, 0.0], Fraction(1, 5), data)


@pytest.mark.parametrize("d", [1, 2])
def test_midpoint_formula_symbolic(d):
    ok, detail = midpoint_symbolic(d)
    assert ok, detail


def test_gaussian_formula_symbolic():
    ok, detail = gaussian_symbolic(2)
    assert ok, detail


def test_midpoint_value_numeric_and_two_sample_maximum():
    pair = np.array([[0.0, 0.0], [0.3, 0.4]])
    for s in (1e-3, 0.05):
        alpha, _ = coefficients(s)
        H = hessian_empirical(alpha * pair.mean(axis=0), s, pair)[0]
        assert np.linalg.norm(H, 2) == pytest.approx(midpoint_norm(s, 0.25), rel=1e-10)
        assert empirical_lipschitz(s, pair).value == pytest.approx(midpoint_norm(s, 0.25), rel=1e-9)
    # the far field gives 1/sigma^2 at large s
    assert midpoint_norm(3.0, 0.25) == pytest.approx(1 / float(coefficients(3.0)[1]))


def test_lipschitz_scales_like_sigma_to_minus_four():
    ss = (1e-2, 1e-3, 1e-4)
    res = [empirical_lipschitz(s, DATA) for s in ss]
    sig = [float(np.sqrt(coefficients(s)[1])) for s in ss]
    assert fit_exponent(sig, [r.value for r in res]) == pytest.approx(-4, abs=0.05)
    for r, sg in zip(res, sig, strict=True):
        assert r.value >= r.midpoint_bound * (1 - 1e-9)
        assert r.value * sg**4 / r.min_gap2 >= 0.25


def test_gaussian_lipschitz_values():
    cov = np.diag([1.0, 0.25])
    assert gaussian_lipschitz(1e-9, cov) == pytest.approx(4, rel=1e-6)
    alpha, var = coefficients(1.0)
    assert gaussian_lipschitz(1.0, cov) == pytest.approx(1 / (var + alpha**2 / 4))
    with pytest.raises(SeparationError):
        gaussian_lipschitz(1.0, -np.eye(2))


def test_duplicates_are_rejected():
    with pytest.raises(SeparationError):
        closest_pair(np.array([[1.0, 2.0], [1.0, 2.0], [0.0, 0.0]]))
    with pytest.raises(SeparationError):
        empirical_lipschitz(0.1, np.array([[1.0, 2.0]]))


def _args(*argv: str) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    add_arguments(p)
    return p.parse_args(list(argv))


def test_cli_generated_and_file(capsys, tmp_path):
    assert command(_args("--n", "5,20", "--s", "0.01,1", "--json")) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["n"] for r in out["rows"]] == [5, 5, 20, 20]
    assert all(r["L_emp"] >= r["L_true"] * 0.99 for r in out["rows"])
    f = tmp_path / "d.csv"
    f.write_text("0,0\n1/2,0\n0,3/4\n")
    assert command(_args("--data", str(f), "--s", "0.001")) == 0
    assert "contrast" in capsys.readouterr().out
    with pytest.raises(SeparationError):
        command(_args("--data", str(tmp_path / "missing.csv")))
    with pytest.raises(SeparationError):
        command(_args("--d", "0"))
    with pytest.raises(SystemExit):
        _args("--s", "0,-1")


def test_checks_quick():
    from verify.checks.separation_lipschitz import check_sep_lip, check_sep_prune, check_sep_t51

    ctx = RunContext(digits=30, quick=True)
    lip = check_sep_lip(ctx)
    assert lip.status is Verdict.VERIFIED, lip.summary
    assert lip.figures["sep-lipschitz.png"].startswith(b"\x89PNG")
    for check in (check_sep_t51, check_sep_prune):
        res = check(ctx)
        assert res.status is Verdict.OUT_OF_SCOPE
        proxy = res.evidence[-1]  # the Lipschitz proxy comes last (SEP-PRUNE: after Table 1's statistics)
        assert proxy.passed is None and proxy.data["rows"]
    assert "eps/sigma_t^4" in check_sep_t51(ctx).summary  # the accuracy criteria of Theorem 5.1 in the reason
