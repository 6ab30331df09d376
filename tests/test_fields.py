"""Derived oracle fields against an independent brute-force computation at 40 digits.

The reference below shares nothing with ``derivations`` but the schedule's *name*: the
coefficients are typed in again as mpmath functions, their time derivatives are numerical
(``mpmath.diff``), the posterior weights come from Gaussian densities written out here, the
velocity's noise terms are Gaussian conditional expectations (themselves checked against
quadrature over the line ``beta*U + gamma*V = c``), and the score is the numerical gradient
of log rho.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derivations.codegen import compile_field, to_arb, to_mpf
from derivations.fields import OracleDerivation, derive
from derivations.schedules import BUILTIN_SCHEDULES, T, builtin_schedule, generic_schedule
from verify.strategies import points, rationals, schedules, times, training_sets

DPS = 40
TOL = mpmath.mpf(10) ** -30  # relative to max(1, |reference|)

# -- the independent reference -------------------------------------------------------------

COEFFICIENTS = {  # (alpha, beta, gamma) as plain mpmath functions of t
    "linear": (lambda t: 1 - t, lambda t: t, lambda t: mpmath.mpf(0)),
    "linear-brownian": (lambda t: 1 - t, lambda t: t, lambda t: mpmath.sqrt(2 * t * (1 - t))),
    "trigonometric": (lambda t: mpmath.cos(mpmath.pi * t / 2),
                      lambda t: mpmath.sin(mpmath.pi * t / 2), lambda t: mpmath.mpf(0)),
    "vp-linear-sigma": (lambda t: mpmath.sqrt(1 - t**2), lambda t: t, lambda t: mpmath.mpf(0)),
}


class Reference:
    """Brute-force oracle quantities for one schedule, training set and time (mpmath)."""

    def __init__(self, name: str, X, t):
        a, b, g = COEFFICIENTS[name]
        self.X = [[to_mpf(c) for c in row] for row in X]
        self.t = to_mpf(t)
        self.alpha, self.beta, self.gamma = a(self.t), b(self.t), g(self.t)
        self.dalpha, self.dbeta = mpmath.diff(a, self.t), mpmath.diff(b, self.t)
        self.dgamma = mpmath.diff(g, self.t) if self.gamma != 0 else mpmath.mpf(0)
        self.var = self.beta**2 + self.gamma**2
        sigma = lambda s: mpmath.sqrt(b(s) ** 2 + g(s) ** 2)  # noqa: E731
        self.zeta = sigma(self.t) * mpmath.diff(sigma, self.t)  # default diffusion sigma*sigma'

    def component_density(self, i: int, x) -> mpmath.mpf:
        """N(x; alpha X_i, sigma^2 I), written out."""
        out = mpmath.mpf(1)
        for xj, mj in zip(x, self.X[i], strict=True):
            out *= mpmath.exp(-(xj - self.alpha * mj) ** 2 / (2 * self.var))
            out /= mpmath.sqrt(2 * mpmath.pi * self.var)
        return out

    def log_rho(self, x) -> mpmath.mpf:
        return mpmath.log(mpmath.fsum(self.component_density(i, x) for i in range(len(self.X)))
                          / len(self.X))

    def weights(self, x) -> list:
        dens = [self.component_density(i, x) for i in range(len(self.X))]
        total = mpmath.fsum(dens)
        return [p / total for p in dens]

    def noise_velocity(self, c) -> mpmath.mpf:
        """E[beta' U + gamma' V | beta U + gamma V = c] for independent U, V ~ N(0, 1).

        (U, W = beta U + gamma V) is Gaussian with Cov(U, W) = beta, Var W = beta^2 + gamma^2,
        so E[U | W = c] = beta c / Var W, and likewise E[V | W = c] = gamma c / Var W
        (cross-checked by quadrature in test_conditioning_formula_by_quadrature).
        """
        return (self.dbeta * self.beta + self.dgamma * self.gamma) * c / self.var

    def noise_velocity_by_quadrature(self, c) -> mpmath.mpf:
        """The same conditional expectation as a ratio of integrals along the line W = c."""
        if self.gamma == 0:
            return self.dbeta * c / self.beta
        b, g = self.beta, self.gamma

        def joint(u):  # density of (U, V) on the line, up to a constant
            return mpmath.npdf(u) * mpmath.npdf((c - b * u) / g)

        def integrand(u):
            return (self.dbeta * u + self.dgamma * (c - b * u) / g) * joint(u)

        split = [-mpmath.inf, b * c / (b * b + g * g), mpmath.inf]  # a mere breakpoint
        return mpmath.quad(integrand, split) / mpmath.quad(joint, split)

    def denoiser(self, x) -> list:
        w = self.weights(x)
        return [mpmath.fsum(wi * row[j] for wi, row in zip(w, self.X, strict=True))
                for j in range(len(x))]

    def velocity(self, x) -> list:
        w = self.weights(x)
        out = []
        for j, xj in enumerate(x):
            per_atom = [self.dalpha * row[j] + self.noise_velocity(xj - self.alpha * row[j])
                        for row in self.X]
            out.append(mpmath.fsum(wi * v for wi, v in zip(w, per_atom, strict=True)))
        return out

    def score(self, x) -> list:
        d = len(x)
        return [mpmath.diff(lambda *y: self.log_rho(y), tuple(x),
                            tuple(1 if k == j else 0 for k in range(d)))
                for j in range(d)]

    def drift(self, x, direction: str) -> list:
        sign = {"backward": -1, "forward": 1}[direction]
        return [b + sign * self.zeta * s
                for b, s in zip(self.velocity(x), self.score(x), strict=True)]

    def field(self, name: str, x) -> list:
        if name.startswith("drift_"):
            return self.drift(x, name.removeprefix("drift_"))
        return getattr(self, name)(x)


# -- evaluating the derived fields ----------------------------------------------------------


def arb_to_mpf(a) -> mpmath.mpf:
    man, exp = a.mid().man_exp()
    return mpmath.mpf((int(man), int(exp)))


def derived(schedule, name: str, X, x, t, backend: str):
    """The compiled field at 40 digits: values (mpf) and error radii (0 for mpmath)."""
    n, d = len(X), len(x)
    field = compile_field(schedule, name, n, d, backend)
    if backend == "mpmath":
        values = field([to_mpf(c) for c in x], to_mpf(t), [[to_mpf(c) for c in r] for r in X])
        assert all(isinstance(v, mpmath.mpf) for v in values), values
        return values, [mpmath.mpf(0)] * d
    from flint import ctx

    old = ctx.dps
    ctx.dps = DPS
    try:
        balls = field([to_arb(c) for c in x], to_arb(t), [[to_arb(c) for c in r] for r in X])
        return [arb_to_mpf(b) for b in balls], [arb_to_mpf(b.rad()) for b in balls]
    finally:
        ctx.dps = old


def assert_close(values, radii, reference, what):
    for v, r, ref in zip(values, radii, reference, strict=True):
        scale = max(1, abs(ref))
        assert r <= TOL * scale, f"{what}: ball radius {r} too wide"
        assert abs(v - ref) <= r + TOL * scale, f"{what}: derived {v} != reference {ref}"


BACKENDS = ["mpmath", "arb"]
FIELDS = ["denoiser", "velocity", "score", "drift_backward", "drift_forward"]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", FIELDS)
@pytest.mark.parametrize("schedule_name", BUILTIN_SCHEDULES)
@given(X=training_sets(n=3, d=2), x=points(2), t=times())
@settings(max_examples=2)
def test_field_matches_brute_force(backend, name, schedule_name, X, x, t):
    schedule = builtin_schedule(schedule_name)
    with mpmath.workdps(DPS):
        values, radii = derived(schedule, name, X, x, t, backend)
        reference = Reference(schedule.name, X, t).field(name, [to_mpf(c) for c in x])
        assert_close(values, radii, reference, f"{schedule.name} {name}")


@pytest.mark.parametrize("backend", BACKENDS)
@given(schedule=schedules(), data=st.data())
@settings(max_examples=6)
def test_velocity_other_shapes(backend, schedule, data):
    """One atom in R^1 and two atoms in R^3 (the shapes the main test does not draw)."""
    n, d = data.draw(st.sampled_from([(1, 1), (2, 3)]), label="shape")
    X = data.draw(training_sets(n=n, d=d), label="X")
    x, t = data.draw(points(d), label="x"), data.draw(times(), label="t")
    with mpmath.workdps(DPS):
        values, radii = derived(schedule, "velocity", X, x, t, backend)
        reference = Reference(schedule.name, X, t).velocity([to_mpf(c) for c in x])
        assert_close(values, radii, reference, f"{schedule.name} velocity {n}x{d}")


def test_mpmath_backend_returns_mpf_at_working_precision():
    s = builtin_schedule("trigonometric")
    X, x, t = ((1, 0), (0, 1)), (Fraction(1, 3), Fraction(-1, 7)), Fraction(2, 5)
    with mpmath.workdps(50):
        v50, _ = derived(s, "score", X, x, t, "mpmath")
        ref = Reference(s.name, X, t).score([to_mpf(c) for c in x])
        assert all(abs(a - b) < mpmath.mpf(10) ** -40 for a, b in zip(v50, ref, strict=True))


def test_reference_detects_a_wrong_velocity():
    """Sanity of the harness: the paper form with sigma'/sigma replaced by beta'/beta (wrong
    when gamma != 0) disagrees with the brute-force velocity for linear-brownian, with either conditioning."""
    X, x, t = ((1, 0), (-1, 2)), (Fraction(1, 2), Fraction(1, 3)), Fraction(1, 2)
    with mpmath.workdps(DPS):
        ref = Reference("linear-brownian", X, t)
        xm = [to_mpf(c) for c in x]
        w = ref.weights(xm)
        wrong = [mpmath.fsum(wi * (ref.dalpha * row[j] + ref.dbeta / ref.beta
                                   * (xm[j] - ref.alpha * row[j]))
                             for wi, row in zip(w, ref.X, strict=True)) for j in range(2)]
        good = ref.velocity(xm)
        assert max(abs(a - b) for a, b in zip(wrong, good, strict=True)) > mpmath.mpf(10) ** -3
        by_quad = [mpmath.fsum(wi * (ref.dalpha * row[j] + ref.noise_velocity_by_quadrature(
            xm[j] - ref.alpha * row[j])) for wi, row in zip(w, ref.X, strict=True))
            for j in range(2)]
        assert max(abs(a - b) for a, b in zip(by_quad, good, strict=True)) < mpmath.mpf(10) ** -30


@given(schedule=schedules(), t=times(), c=rationals(-4, 4))
@settings(max_examples=6)
def test_conditioning_formula_by_quadrature(schedule, t, c):
    """The reference's closed-form Gaussian conditioning agrees with brute-force quadrature."""
    with mpmath.workdps(30):
        ref = Reference(schedule.name, ((0,),), t)
        closed = ref.noise_velocity(to_mpf(c))
        quad = ref.noise_velocity_by_quadrature(to_mpf(c))
        assert abs(closed - quad) <= mpmath.mpf(10) ** -20 * max(1, abs(quad))


# -- structure of the derivation --------------------------------------------------------------


@pytest.mark.parametrize("name", ["linear", "linear-brownian", "trigonometric",
                                  "vp-linear-sigma"])
def test_logits_are_minus_half_squared_distance(name):
    """E_i = -|x - alpha X_i|^2 / (2 sigma^2), and the normalizer is (2 pi sigma^2)^(-d/2)."""
    s = builtin_schedule(name)
    D = derive(s, 2, 2)
    for i, e in enumerate(D.logits):
        want = -sum((D.x[j] - s.alpha * D.X[i, j]) ** 2 for j in range(2)) / (2 * s.sigma**2)
        assert sp.simplify(e - want) == 0
    point = {T: sp.Rational(3, 10)}
    got = sp.N(D.normalizer.subs(point), 30)
    want = sp.N((1 / (2 * sp.pi * s.sigma**2)).subs(point), 30)
    assert abs(got - want) < sp.Float(10) ** -25


def test_generic_conditional_law():
    g = generic_schedule()
    law = derive(g, 1, 1).conditional_law
    a, b, c = g.alpha, g.beta, g.gamma
    assert sp.simplify(law["mean_over_xi"] - a) == 0
    assert sp.expand(law["variance"] - (b**2 + c**2)) == 0
    assert sp.simplify(law["cov_U"] - b) == 0 and sp.simplify(law["cov_V"] - c) == 0


def test_exact_rational_data_matches_symbolic_data():
    """derive(data=...) with exact rationals = the symbolic derivation with X substituted."""
    s = builtin_schedule("linear")
    data = sp.Matrix([[sp.Rational(1, 2), -1], [2, sp.Rational(1, 3)]])
    concrete = derive(s, 2, 2, data=data)
    symbolic = derive(s, 2, 2)
    subs = {symbolic.X[i, j]: data[i, j] for i in range(2) for j in range(2)}
    for a, b in zip(concrete.velocity.explicit(), symbolic.velocity.explicit(), strict=True):
        assert sp.simplify(a - b.subs(subs)) == 0


def test_bad_shapes_are_refused():
    s = builtin_schedule("linear")
    with pytest.raises(ValueError):
        OracleDerivation(s, 0, 2)
    with pytest.raises(ValueError, match="shape"):
        OracleDerivation(s, 2, 2, data=sp.Matrix([[1, 2, 3], [4, 5, 6]]))


@given(X=training_sets(), x=points(3), t=times(), q=rationals(-1, 1, 7))
@settings(max_examples=20)
def test_strategies_yield_exact_values(X, x, t, q):
    values = [c for row in X for c in row] + list(x) + [t, q]
    assert all(type(v) is Fraction for v in values)
    assert 1 <= len(X) <= 4 and len({len(r) for r in X}) == 1 and len(set(X)) == len(X)
    assert 0 < t < 1 and -1 <= q <= 1 and q.denominator <= 7
