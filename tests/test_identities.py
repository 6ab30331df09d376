"""Identities: proved symbolically, confirmed numerically, and shown able to fail."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derivations import identities as ids
from derivations.fields import derive
from derivations.identities import (
    IDENTITIES,
    Identity,
    check_numeric,
    check_symbolic,
    identity,
    random_rational_point,
    residual_is_zero,
)
from derivations.schedules import BUILTIN_SCHEDULES, T, builtin_schedule, generic_schedule
from verify.strategies import schedules

KEYS = [ident.key for ident in IDENTITIES]


# -- identities that must hold --------------------------------------------------------------


def test_identity_table():
    assert len(set(KEYS)) == len(KEYS) == 10
    for key in ("continuity", "score-gradient", "velocity-score", "fokker-planck-backward",
                "fokker-planck-forward", "paper-velocity", "paper-weights", "paper-score",
                "regular-coordinates", "snr-logits"):
        assert identity(key).key == key
    with pytest.raises(KeyError):
        identity("no-such-identity")


@pytest.mark.parametrize("key", KEYS)
def test_generic_schedule_per_component(key):
    """Per component with undefined alpha, beta, gamma, zeta: holds for every N and d."""
    res = check_symbolic(identity(key), derive(generic_schedule(), 2, 2), "component")
    assert res.zero, res.method
    assert res.scope == "component (all N)" and res.schedule == "generic"


@pytest.mark.parametrize("key", KEYS)
def test_generic_schedule_whole_mixture(key):
    """The explicit softmax of a symbolic N=3, d=2 training set, no per-component argument."""
    res = check_symbolic(identity(key), derive(generic_schedule(), 3, 2), "mixture")
    assert res.zero, res.method
    assert res.scope == "mixture N=3, d=2"


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("name", BUILTIN_SCHEDULES)
def test_builtin_schedule_per_component(name, key):
    res = check_symbolic(identity(key), derive(builtin_schedule(name), 1, 2), "component")
    assert res.zero, res.method


@given(schedule=schedules(), seed=st.integers(0, 2**32 - 1), key=st.sampled_from(KEYS))
@settings(max_examples=10)
def test_numeric_check_passes_at_random_points(schedule, seed, key):
    res = check_numeric(identity(key), derive(schedule, 2, 1), points=2, digits=30, seed=seed)
    assert res.passed, res
    assert res.max_relative != "non-finite"
    assert res.tolerance == "1e-20"


def test_numeric_check_needs_a_concrete_schedule():
    with pytest.raises(ValueError, match="concrete"):
        check_numeric(identity("continuity"), derive(generic_schedule(), 1, 1))


# -- identities that must fail: the checker is not a rubber stamp ---------------------------


def fokker_planck(drift: str, equation: str) -> Identity:
    """The Fokker-Planck equation of the ``equation`` sampler, with the drift of ``drift``.

    Built from the module's own helpers exactly like the shipped identities; with
    ``drift == equation`` it is the shipped identity, otherwise the sign of zeta*s is wrong.
    """
    sign = {"backward": -1, "forward": 1}[equation]

    def mix(D):
        rho, zeta = D.density, D.schedule.diffusion
        f = D.drift(drift).explicit()
        if equation == "backward":
            return (ids._as_matrix(-sp.diff(rho, T)),
                    ids._as_matrix(ids._div(D, f * rho) + zeta * ids._lap(D, rho)))
        return (ids._as_matrix(sp.diff(rho, T)),
                ids._as_matrix(-ids._div(D, f * rho) + zeta * ids._lap(D, rho)))

    def comp(D, i):
        lp, zeta = ids._log_phi(D, i), D.schedule.diffusion
        f = D.drift(drift).components[i]
        grad = sp.Matrix([sp.diff(lp, xj) for xj in D.x])
        div_f_rho = ids._div(D, f) + (f.T * grad)[0]
        lap_rho = ids._lap(D, lp) + (grad.T * grad)[0]
        return ids._as_matrix(sign * (sp.diff(lp, T) + div_f_rho) - zeta * lap_rho)

    return Identity(f"fp-{equation}-with-{drift}-drift", "test", (), "", mix, comp)


def perturbed_continuity(eps: sp.Expr) -> Identity:
    """Continuity equation for the velocity b + eps * x (eps = 0: the shipped identity)."""

    def mix(D):
        rho = D.density
        b = D.velocity.explicit() + eps * D.x
        return ids._as_matrix(sp.diff(rho, T)), ids._as_matrix(-ids._div(D, rho * b))

    def comp(D, i):
        lp = ids._log_phi(D, i)
        b = D.velocity.components[i] + eps * D.x
        grad = sp.Matrix([sp.diff(lp, xj) for xj in D.x])
        return ids._as_matrix(sp.diff(lp, T) + ids._div(D, b) + (b.T * grad)[0])

    return Identity("continuity-perturbed", "test", (), "", mix, comp)


CONSTRUCTED = {
    "fp backward, backward drift": (fokker_planck("backward", "backward"), True),
    "fp forward, forward drift": (fokker_planck("forward", "forward"), True),
    "fp backward, forward drift (b + zeta s)": (fokker_planck("forward", "backward"), False),
    "fp forward, backward drift (b - zeta s)": (fokker_planck("backward", "forward"), False),
    "continuity, b": (perturbed_continuity(sp.S.Zero), True),
    "continuity, b + t x": (perturbed_continuity(T), False),
}


@pytest.mark.parametrize("case", list(CONSTRUCTED))
def test_constructed_identity_symbolic_generic(case):
    ident, holds = CONSTRUCTED[case]
    D = derive(generic_schedule(), 2, 2)
    assert check_symbolic(ident, D, "component").zero is holds
    mixture = check_symbolic(ident, derive(generic_schedule(), 2, 1), "mixture")
    assert mixture.zero is holds, mixture.method
    if not holds:
        assert mixture.method.startswith("nonzero numerator")


@pytest.mark.parametrize("name", ["linear", "linear-brownian", "vp-linear-sigma"])
@pytest.mark.parametrize("case", list(CONSTRUCTED))
def test_constructed_identity_numeric(case, name):
    ident, holds = CONSTRUCTED[case]
    D = derive(builtin_schedule(name), 2, 1)
    res = check_numeric(ident, D, points=4, digits=30, seed=1)
    assert res.passed is holds, res
    if not holds:
        assert res.refuted_at is not None  # a certified counterexample
        assert float(res.max_relative) > 1e-6


def test_constructed_wrong_fp_is_nonzero_for_a_concrete_schedule():
    ident, _ = CONSTRUCTED["fp backward, forward drift (b + zeta s)"]
    assert not check_symbolic(ident, derive(builtin_schedule("linear-brownian"), 1, 1)).zero


def test_wrong_identity_fails_even_from_a_point_where_rho_is_tiny(monkeypatch):
    """Both sides of a transport identity are proportional to rho_t; check_numeric moves x into
    the mixture, so a far point (where rho_t underflows) cannot let a wrong identity pass."""
    ident, _ = CONSTRUCTED["fp backward, forward drift (b + zeta s)"]
    far = {"t": Fraction(2113, 20030), "X_0_0": Fraction(-1, 3), "X_1_0": Fraction(-11, 16),
           "x_0": Fraction(25, 13)}
    monkeypatch.setattr(ids, "random_rational_point", lambda rng, symbols: dict(far))
    res = check_numeric(ident, derive(builtin_schedule("linear"), 2, 1), points=1, digits=30)
    assert not res.passed, res


def test_nan_residual_never_passes():
    nan_identity = Identity("nan", "log of a negative number", (), "",
                            lambda D: (sp.Matrix([sp.log(T - 2)]), sp.Matrix([0])),
                            lambda D, i: sp.Matrix([0]))
    res = check_numeric(nan_identity, derive(builtin_schedule("linear"), 1, 1), points=1,
                        digits=20)
    assert not res.passed


# -- the residual decider ---------------------------------------------------------------------


def test_residual_is_zero_methods():
    x = sp.Symbol("x", real=True)
    assert residual_is_zero(sp.expand((x + 1) ** 2) - x**2 - 2 * x - 1) == (
        True, "numerator expands to 0")
    assert residual_is_zero(sp.sin(x) ** 2 + sp.cos(x) ** 2 - 1) == (
        True, "numerator simplifies to 0")
    zero, method = residual_is_zero(x / (x + 1) - 1)
    assert not zero and method.startswith("nonzero numerator")
    assert not residual_is_zero(sp.sin(x) ** 2 - sp.cos(x) ** 2)[0]


def test_residual_kernel_replacement():
    D = derive(builtin_schedule("linear"), 2, 1)
    ps = (sp.Symbol("p_0", positive=True), sp.Symbol("p_1", positive=True))
    e0, e1 = sp.exp(D.logits[0]), sp.exp(D.logits[1])
    expr = e0**2 / (e0 + e1) - ps[0] ** 2 / (ps[0] + ps[1])
    assert residual_is_zero(expr, (D.logits, ps))[0]
    assert not residual_is_zero(expr + e1 / (e0 + e1), (D.logits, ps))[0]


@given(seed=st.integers(0, 2**32 - 1))
@settings(max_examples=25)
def test_random_rational_point(seed):
    symbols = [T, *sp.symbols("x_0 X_0_0 X_1_0", real=True)]
    point = random_rational_point(random.Random(seed), symbols)
    assert point == random_rational_point(random.Random(seed), symbols)  # reproducible
    assert set(point) == {"t", "x_0", "X_0_0", "X_1_0"}
    assert all(type(v) is Fraction for v in point.values())
    assert Fraction(1, 20) <= point["t"] <= Fraction(19, 20)
    assert all(-2 <= point[k] <= 2 for k in point if k != "t")


def test_cached_residuals_decide_like_fresh_ones(tmp_path, monkeypatch):
    """check_symbolic keeps the reduced residuals of registered identities in the persistent cache;
    a hit decides exactly as a fresh reduction, and a wrong residual still fails from the cache."""
    monkeypatch.setenv("MEMVERIFY_CACHE", str(tmp_path))
    D = derive(builtin_schedule("linear"), 2, 1)
    for key in ("regular-coordinates", "paper-score"):
        for scope in ("component", "mixture"):
            first = check_symbolic(ids.identity(key), D, scope)
            second = check_symbolic(ids.identity(key), D, scope)
            monkeypatch.setenv("MEMVERIFY_CACHE", "off")
            fresh = check_symbolic(ids.identity(key), D, scope)
            monkeypatch.setenv("MEMVERIFY_CACHE", str(tmp_path))
            assert (first.zero, first.method) == (second.zero, second.method) == (fresh.zero, fresh.method)
            assert first.zero
    x = sp.Symbol("x", real=True)
    for _ in range(2):
        assert residual_is_zero(sp.sin(x) ** 2 + sp.cos(x) ** 2 - 1) == (True, "numerator simplifies to 0")
        assert not residual_is_zero(sp.sin(x) ** 2 + sp.cos(x) ** 2 - 1 + x / 10**9)[0]
    # a wrong identity of the table (another code version: a miss) is refuted, here via a registered key
    wrong = ids.Identity("regular-coordinates", "wrong", (), "",
                         lambda D: (D.denoiser.explicit(), 2 * D.denoiser.explicit()),
                         lambda D, i: D.X.row(i).T)
    assert wrong not in ids.IDENTITIES
    assert not check_symbolic(wrong, D, "component").zero
    assert not check_symbolic(wrong, D, "mixture").zero


def test_reduced_residuals_decide_like_residual_is_zero():
    x = sp.Symbol("x", real=True)
    good = [sp.expand((x + 1) ** 2) - x**2 - 2 * x - 1, sp.sin(x) ** 2 + sp.cos(x) ** 2 - 1]
    assert ids.decide_reduced(ids.reduce_residuals(good)) == (True, "numerator simplifies to 0")
    bad = [*good, x / (x + 1) - 1, sp.Integer(0)]
    reduced = ids.reduce_residuals(bad)
    assert len(reduced) == 3  # stops at the first residual not proved 0
    assert ids.decide_reduced(reduced) == residual_is_zero(x / (x + 1) - 1)
