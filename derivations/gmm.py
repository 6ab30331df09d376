r"""The Gaussian-mixture laboratory of Buchanan, Pai, Ma, De Bortoli (arXiv 2508.17689), derived.

**EDGE-DEN — the denoisers are Bayes posterior means.** The model is
:math:`x_0\sim\frac1M\sum_m\mathcal N(\mu_m,s^2I_d)`, :math:`x_t=\alpha x_0+\sigma\varepsilon`.
Per coordinate and per component, ``sympy.stats`` gives the joint Gaussian law of
:math:`(x_0,x_t)` and Gaussian conditioning gives

.. math:: \mathbb E[x_0\mid x_t=x,m]=\mu_m+\frac{\operatorname{Cov}(x_0,x_t)}{\operatorname{Var}x_t}
          (x-\mathbb E x_t),\qquad x_t\mid m\sim\mathcal N(\alpha\mu_m,(\alpha^2s^2+\sigma^2)I).

Bayes' rule with the prior :math:`1/M` and the derived marginal component densities gives the
weights; the posterior mean is :math:`\sum_m w_m\,\mathbb E[x_0\mid x_t,m]` (:class:`GMMDerivation`).
It equals Tweedie's :math:`(x+\sigma^2\nabla\log p_t)/\alpha`: per component for every
:math:`M` and :math:`d` (:func:`component_tweedie_residual`), and for explicit mixtures
(:func:`tweedie_check`). The four denoisers are members of this one family; the zero-variance
ones are the :math:`s^2\to0` limit, equal to the oracle denoiser of :mod:`derivations.fields`
over the atoms (:func:`memorizing_limit_check`).

Also derived: the single-Gaussian MMSE :math:`\mathbb E\lVert\mathbb E[x_0|x_t]-x_0\rVert^2`
from its definition (:func:`single_gaussian_mmse`), the factors converting an
:math:`x_0`-loss to the :math:`\varepsilon`, :math:`v` and score losses from the target
relations (:func:`conversion_factors`), and the VP identities.

**EDGE-MSTAR — the crossover.** With the generalizing excess :math:`G_t` (the derived MMSE,
written in :math:`\psi_t=\alpha_t^2/\sigma_t^2`) and the partial-memorization excess
:math:`P_t(M)=C_t\,d\,s^2(1-M/N)` (the paper's approximation, a model), the weighted crossover
:math:`\sum_t\lambda_tG_t=\sum_t\lambda_tP_t(M^\star)` is solved by SymPy over a grid of
symbolic length (:func:`weighted_crossover`) and for a continuous weight
(:func:`continuous_crossover`); :func:`crossover_slope` evaluates :math:`M^\star/N`.

Formulas named ``paper_*`` are *transcribed* from the research note (the authors' code) for
comparison with the derivations, never used as the derivation.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property, lru_cache
from numbers import Number
from typing import Any

import sympy as sp
from sympy import stats

from .cache import persistent
from .fields import MixtureField, OracleDerivation, data_symbols, space_symbols
from .identities import decide_reduced, reduce_residuals, residual_is_zero
from .schedules import T, builtin_schedule

__all__ = [
    "ALPHA", "SIGMA", "VAR", "PSI", "MU", "X_COORD", "CrossoverError", "SymbolicResult", "symbolic_result",
    "ComponentLaw", "component_law",
    "GMMDerivation", "posterior_mean_shifted", "mean_symbols", "component_tweedie_residual", "tweedie_check",
    "memorizing_limit_check", "single_gaussian_mmse", "conversion_factors", "vp_identities",
    "Crossover", "weighted_crossover", "continuous_crossover", "single_level_crossover",
    "crossover_slope", "paper_component_mean", "paper_component_mean_psi", "paper_mmse",
    "paper_crossover_slope", "PAPER_CONVERSION_TABLE",
]

ALPHA = sp.Symbol("alpha", positive=True)
SIGMA = sp.Symbol("sigma", positive=True)
#: the shared component variance :math:`s^2` (:math:`\sigma_\star^2` for the true mixture)
VAR = sp.Symbol("s2", positive=True)
#: the SNR :math:`\psi=\alpha^2/\sigma^2`
PSI = sp.Symbol("psi", positive=True)

#: one coordinate of a component mean and of the point x (the per-coordinate law)
MU = sp.Symbol("mu", real=True)
X_COORD = sp.Symbol("x", real=True)


class CrossoverError(ValueError):
    """Invalid input to :func:`crossover_slope` (one clear line)."""


@dataclass(frozen=True)
class SymbolicResult:
    """Outcome of one symbolic comparison: ``zero`` when the residual is identically 0."""

    key: str
    title: str
    zero: bool
    method: str
    seconds: float
    detail: str = ""

    @property
    def holds(self) -> bool:
        """The pass flag, named as on every result object of :mod:`derivations` (``zero``)."""
        return self.zero


def symbolic_result(key: str, title: str, residuals, detail: str = "", kernels=None) -> SymbolicResult:
    """Decide that every residual is identically 0 (:func:`derivations.identities.residual_is_zero`)."""
    start = time.perf_counter()
    method = "numerator expands to 0"
    for r in residuals:
        ok, how = residual_is_zero(sp.sympify(r), kernels)
        if not ok:
            return SymbolicResult(key, title, False, how, time.perf_counter() - start, detail)
        if how != "numerator expands to 0":
            method = how
    return SymbolicResult(key, title, True, method, time.perf_counter() - start, detail)


# -- 1. one coordinate of one component ------------------------------------------------------------

@dataclass(frozen=True)
class ComponentLaw:
    r"""Per-coordinate law of one component :math:`x_0\sim\mathcal N(\mu,s^2)`,
    :math:`x_t=\alpha x_0+\sigma\varepsilon` (expressions in ``mu``, ``x``, :data:`ALPHA`,
    :data:`SIGMA`, :data:`VAR`)."""

    marginal_mean: sp.Expr  # E x_t
    marginal_variance: sp.Expr  # Var x_t
    covariance: sp.Expr  # Cov(x_0, x_t)
    posterior_mean: sp.Expr  # E[x_0 | x_t = x]
    posterior_variance: sp.Expr  # Var[x_0 | x_t = x]
    mmse: sp.Expr  # E[(E[x_0|x_t] - x_0)^2], from the definition
    density: sp.Expr  # density of x_t at x


@lru_cache(maxsize=1)
@persistent("gmm.component_law")
def component_law() -> ComponentLaw:
    r"""Gaussian conditioning with ``sympy.stats``:
    :math:`\mathbb E[A\mid B]=\mathbb EA+\frac{\operatorname{Cov}(A,B)}{\operatorname{Var}B}(B-\mathbb EB)`,
    :math:`\operatorname{Var}[A\mid B]=\operatorname{Var}A-\operatorname{Cov}(A,B)^2/\operatorname{Var}B`."""
    x0 = stats.Normal("x0", MU, sp.sqrt(VAR))
    eps = stats.Normal("epsilon", 0, 1)
    xt = ALPHA * x0 + SIGMA * eps
    mean_t = sp.expand(stats.E(xt))
    var_t = sp.expand(stats.variance(xt))
    cov = sp.expand(stats.covariance(x0, xt))
    post_mean = stats.E(x0) + cov / var_t * (X_COORD - mean_t)
    post_var = sp.factor(stats.variance(x0) - cov**2 / var_t)
    # MMSE from its definition: the conditional-mean map applied to the random x_t
    mmse = sp.factor(stats.E(sp.expand((post_mean.subs(X_COORD, xt) - x0) ** 2)))
    # a linear combination of independent Gaussians is Gaussian with the moments above
    density = stats.density(stats.Normal("Y", mean_t, sp.sqrt(var_t)))(X_COORD)
    return ComponentLaw(mean_t, var_t, cov, post_mean, post_var, mmse, density)


def single_gaussian_mmse(d: int | sp.Expr | None = None, in_psi: bool = False) -> sp.Expr:
    r"""MMSE :math:`\mathbb E\lVert\mathbb E[x_0|x_t]-x_0\rVert^2` of one Gaussian in :math:`d`
    dimensions (isotropic: :math:`d` times the derived per-coordinate value); with ``in_psi``
    written in :math:`\psi=\alpha^2/\sigma^2` (substituting :math:`\alpha=\sqrt\psi\,\sigma`)."""
    value = (D_SYM if d is None else d) * component_law().mmse
    if in_psi:
        value = sp.factor(sp.simplify(value.subs(ALPHA, sp.sqrt(PSI) * SIGMA)))
    return value


# -- 2. the mixture -------------------------------------------------------------------------------

def mean_symbols(M: int, d: int) -> sp.Matrix:
    """Symbolic component means: an M-by-d matrix of real symbols ``mu_{m}_{j}``."""
    return sp.Matrix(M, d, lambda m, j: sp.Symbol(f"mu_{m}_{j}", real=True))


class GMMDerivation:
    r"""Posterior mean of :math:`x_0\sim\frac1M\sum_m\mathcal N(\mu_m,s^2I_d)` given
    :math:`x_t=\alpha x_0+\sigma\varepsilon=x`.

    ``means`` (M-by-d, default :func:`mean_symbols`), ``var`` (default :data:`VAR`), ``alpha``
    and ``sigma`` (default the symbols) may be replaced by expressions or numbers.
    """

    def __init__(self, M: int, d: int, means: sp.Matrix | None = None, var: Any = VAR,
                 alpha: Any = ALPHA, sigma: Any = SIGMA):
        if M < 1 or d < 1:
            raise ValueError("need M >= 1 components in d >= 1 dimensions")
        self.M, self.d = M, d
        self.x = space_symbols(d)
        self.means = mean_symbols(M, d) if means is None else sp.Matrix(means)
        if self.means.shape != (M, d):
            raise ValueError(f"means have shape {self.means.shape}, expected {(M, d)}")
        self.var, self.alpha, self.sigma = sp.sympify(var), sp.sympify(alpha), sp.sympify(sigma)

    def _sub(self, expr: sp.Expr, mu: sp.Expr, x: sp.Expr) -> sp.Expr:
        return expr.subs({MU: mu, X_COORD: x, VAR: self.var, ALPHA: self.alpha, SIGMA: self.sigma},
                         simultaneous=True)

    def component_mean(self, m: int) -> sp.Matrix:
        r""":math:`\mathbb E[x_0\mid x_t=x,\ \text{component }m]` (derived per coordinate)."""
        law = component_law()
        return sp.Matrix([self._sub(law.posterior_mean, self.means[m, j], self.x[j]) for j in range(self.d)])

    def component_density(self, m: int) -> sp.Expr:
        r""":math:`\varphi_m(x)=\prod_j\mathcal N(x_j;\alpha\mu_{mj},\alpha^2s^2+\sigma^2)` (derived law)."""
        law = component_law()
        return sp.Mul(*[self._sub(law.density, self.means[m, j], self.x[j]) for j in range(self.d)])

    @cached_property
    def _split(self) -> tuple[sp.Expr, tuple[sp.Expr, ...]]:
        """Common normalizer and per-component exponents of the densities (shared variance)."""
        from .fields import split_gaussian_densities

        return split_gaussian_densities([self.component_density(m) for m in range(self.M)])

    @property
    def normalizer(self) -> sp.Expr:
        r"""The factor :math:`(2\pi(\alpha^2s^2+\sigma^2))^{-d/2}` common to every component."""
        return self._split[0]

    @property
    def logits(self) -> tuple[sp.Expr, ...]:
        r"""Bayes logits :math:`E_m=\log\varphi_m-\log(\text{normalizer})`; with the uniform prior
        :math:`1/M`, :math:`w=\operatorname{softmax}(E)`."""
        return self._split[1]

    @cached_property
    def density(self) -> sp.Expr:
        r""":math:`p_t(x)=\frac1M\sum_m\varphi_m(x)` (explicit exponentials)."""
        return self.normalizer * sp.Add(*[sp.exp(e) for e in self.logits]) / self.M

    @cached_property
    def posterior_mean(self) -> MixtureField:
        r""":math:`\hat x_0=\sum_m w_m\,\mathbb E[x_0\mid x_t=x,m]`."""
        return MixtureField("posterior mean", self.logits,
                            tuple(self.component_mean(m) for m in range(self.M)))

    @cached_property
    def tweedie(self) -> sp.Matrix:
        r"""Tweedie's :math:`(x+\sigma^2\nabla\log p_t(x))/\alpha`, differentiating the density."""
        log_p = sp.log(self.density)
        return sp.Matrix([(self.x[j] + self.sigma**2 * sp.diff(log_p, self.x[j])) / self.alpha
                          for j in range(self.d)])

    def kernels(self) -> tuple[tuple[sp.Expr, ...], tuple[sp.Symbol, ...]]:
        """(logits, positive symbols) for :func:`derivations.identities.residual_is_zero`."""
        return self.logits, tuple(sp.Symbol(f"p_{m}", positive=True) for m in range(self.M))


@persistent("gmm.posterior_mean_shifted")
def posterior_mean_shifted(M: int, d: int) -> tuple[sp.Expr, ...]:
    r"""The entries of the max-shifted posterior mean (:meth:`MixtureField.shifted
    <derivations.fields.MixtureField.shifted>`) of :class:`GMMDerivation` ``(M, d)`` with symbolic
    means, :data:`VAR`, :data:`ALPHA`, :data:`SIGMA` (kept in the persistent cache: slow to derive)."""
    return tuple(GMMDerivation(M, d).posterior_mean.shifted())


def component_tweedie_residual(d: int = 2) -> sp.Matrix:
    r"""Per component: :math:`(x+\sigma^2\nabla\log\varphi_m)/\alpha-\mathbb E[x_0\mid x_t=x,m]`.

    Since :math:`\nabla\log p_t=\sum_m w_m\nabla\log\varphi_m` and both Tweedie and the posterior
    mean are :math:`w`-averages of per-component terms, a zero residual for one generic
    component proves the identity for every :math:`M` (and per coordinate, every :math:`d`)."""
    D = GMMDerivation(1, d)
    log_phi = sp.log(D.component_density(0))
    tw = sp.Matrix([(D.x[j] + SIGMA**2 * sp.diff(log_phi, D.x[j])) / ALPHA for j in range(d)])
    return tw - D.component_mean(0)


@persistent("gmm.tweedie_reduced")
def _tweedie_reduced(M: int, d: int) -> tuple:
    """The reduced residuals (:func:`derivations.identities.reduce_residuals`) of Tweedie minus the
    posterior mean for the explicit symbolic mixture (M, d), kernels replaced (kept: slow to derive)."""
    D = GMMDerivation(M, d)
    lhs, rhs = D.tweedie, D.posterior_mean.explicit()
    return reduce_residuals([a - b for a, b in zip(lhs, rhs, strict=True)], D.kernels())


def tweedie_check(M: int, d: int) -> SymbolicResult:
    """Tweedie equals the derived posterior mean for the explicit symbolic mixture (M, d)."""
    start = time.perf_counter()
    zero, method = decide_reduced(_tweedie_reduced(M, d))
    return SymbolicResult(f"tweedie-M{M}-d{d}", f"Tweedie = posterior mean, explicit mixture M={M}, d={d}",
                          zero, method, time.perf_counter() - start)


def memorizing_limit_check(n: int = 3, d: int = 2, subset: Sequence[int] | None = None,
                           schedule: str = "vp-linear-sigma") -> SymbolicResult:
    r"""The :math:`s^2\to0^+` limit of the derived family with the means at the atoms
    (all ``n`` of them, or a ``subset``: partial memorization) equals the oracle denoiser of
    :mod:`derivations.fields` (the Bayes posterior mean of the empirical measure of those atoms),
    per component and per logit, with :math:`\alpha,\sigma` of ``schedule``."""
    start = time.perf_counter()
    rows = list(range(n)) if subset is None else list(subset)
    zero, method = decide_reduced(_limit_reduced(n, d, tuple(rows), schedule))
    what = "memorizing" if subset is None else f"partial (atoms {rows} of {n})"
    return SymbolicResult(f"s2-limit-{what}", f"s^2 -> 0 limit = oracle denoiser ({what}, d={d}, {schedule})",
                          zero, method, time.perf_counter() - start)


@persistent("gmm.limit_reduced")
def _limit_reduced(n: int, d: int, rows: tuple[int, ...], schedule: str) -> tuple:
    """The reduced residuals of :func:`memorizing_limit_check` (kept: the limits are slow)."""
    atoms = data_symbols(n, d)
    chosen = sp.Matrix([list(atoms.row(i)) for i in rows])
    sch = builtin_schedule(schedule)
    D = GMMDerivation(len(rows), d, means=chosen, alpha=sch.alpha, sigma=sch.sigma)
    oracle = OracleDerivation(sch, len(rows), d, data=chosen)
    residuals = []
    for m in range(len(rows)):
        comp = D.component_mean(m).applyfunc(lambda e: sp.limit(e, VAR, 0, "+"))
        residuals.extend(comp - oracle.denoiser.components[m])
        residuals.append(sp.limit(D.logits[m], VAR, 0, "+") - oracle.logits[m])
    return reduce_residuals(residuals)


# -- 3. losses in other parameterizations ---------------------------------------------------------

#: the generic alpha(t), sigma(t) in which the conversion factors are derived
ALPHA_T = sp.Function("alpha")(T)
SIGMA_T = sp.Function("sigma")(T)

#: Conversion factors on the x0-loss, transcribed from the research note (authors'
#: ``loss_scaling.py``) for comparison: name -> (generic factor, VP linear-sigma value).
PAPER_CONVERSION_TABLE: dict[str, tuple[sp.Expr, sp.Expr]] = {
    "x0": (sp.S.One, sp.S.One),
    "epsilon": (ALPHA_T**2 / SIGMA_T**2, (1 - T**2) / T**2),
    "v": (ALPHA_T**2 * (sp.diff(SIGMA_T, T) / SIGMA_T - sp.diff(ALPHA_T, T) / ALPHA_T) ** 2,
          1 / (T**2 * (1 - T**2))),
    "score": (ALPHA_T**2 / SIGMA_T**4, (1 - T**2) / T**4),
}


def conversion_factors() -> dict[str, sp.Expr]:
    r"""Factor :math:`c` with :math:`\lVert\hat y-y\rVert^2=c\,\lVert\hat x_0-x_0\rVert^2` for each
    target :math:`y`, derived from the target relations at fixed :math:`x_t` (generic
    :math:`\alpha(t),\sigma(t)`): :math:`\varepsilon=(x_t-\alpha x_0)/\sigma`,
    :math:`v=\dot\alpha x_0+\dot\sigma\varepsilon`, score
    :math:`=\partial_{x_t}\log\mathcal N(x_t;\alpha x_0,\sigma^2)`. Each target is affine in
    :math:`x_0`, so :math:`c=(\partial y/\partial x_0)^2` (checked: second derivative 0)."""
    x0, xt = sp.symbols("x_0 x_t", real=True)
    eps = (xt - ALPHA_T * x0) / SIGMA_T
    v = sp.diff(ALPHA_T, T) * x0 + sp.diff(SIGMA_T, T) * eps
    gauss = sp.exp(-(xt - ALPHA_T * x0) ** 2 / (2 * SIGMA_T**2)) / sp.sqrt(2 * sp.pi * SIGMA_T**2)
    score = sp.diff(sp.log(gauss), xt)
    out = {}
    for name, target in (("x0", x0), ("epsilon", eps), ("v", v), ("score", score)):
        if sp.simplify(sp.diff(target, x0, 2)) != 0:
            raise AssertionError(f"the {name} target is not affine in x0")
        out[name] = sp.simplify(sp.diff(target, x0) ** 2)
    return out


def conversion_checks(schedule: str = "vp-linear-sigma") -> list[SymbolicResult]:
    """Derived conversion factors against the transcribed table: generic, and on ``schedule``."""
    derived = conversion_factors()
    sch = builtin_schedule(schedule)
    out = []
    for name, (generic, vp) in PAPER_CONVERSION_TABLE.items():
        out.append(symbolic_result(f"factor-{name}", f"x0 -> {name} loss factor (generic schedule)",
                                   [derived[name] - generic], detail=f"derived: {sp.sstr(derived[name])}"))
        on_schedule = derived[name].subs({ALPHA_T: sch.alpha, SIGMA_T: sch.sigma}).doit()
        out.append(symbolic_result(f"factor-{name}-{schedule}", f"x0 -> {name} loss factor on {schedule}",
                                   [on_schedule - vp],
                                   detail=f"derived: {sp.sstr(sp.simplify(on_schedule))}"))
    return out


def vp_identities(schedule: str = "vp-linear-sigma") -> list[SymbolicResult]:
    r""":math:`\psi/(1+\psi)=\alpha^2` and :math:`1/(1+\psi)=\sigma^2` on a VP schedule
    (:math:`\alpha^2+\sigma^2=1`, checked), with :math:`\psi=\alpha^2/\sigma^2` from the schedule;
    and the single-Gaussian MMSE there with :math:`s^2=1`: :math:`d\,t^2` in :math:`x_0` units,
    :math:`d(1-t^2)` in :math:`\varepsilon` units (for ``vp-linear-sigma``)."""
    sch = builtin_schedule(schedule)
    a, s = sch.alpha, sch.sigma
    psi = a**2 / s**2
    d = sp.Symbol("d", positive=True)
    mmse = single_gaussian_mmse(d).subs({ALPHA: a, SIGMA: s, VAR: 1})
    eps_factor = conversion_factors()["epsilon"].subs({ALPHA_T: a, SIGMA_T: s}).doit()
    out = [
        symbolic_result("vp", f"alpha^2 + sigma^2 = 1 on {schedule}", [a**2 + s**2 - 1]),
        symbolic_result("vp-psi-ratio", "psi/(1+psi) = alpha^2", [psi / (1 + psi) - a**2]),
        symbolic_result("vp-inverse", "1/(1+psi) = sigma^2", [1 / (1 + psi) - s**2]),
    ]
    if schedule == "vp-linear-sigma":
        out += [
            symbolic_result("vp-t2", "1/(1+psi) = t^2 (vp-linear-sigma)", [1 / (1 + psi) - T**2]),
            symbolic_result("mmse-x0-vp", "single-Gaussian MMSE = d t^2 (x0 units, s^2 = 1)",
                            [mmse - d * T**2]),
            symbolic_result("mmse-eps-vp", "single-Gaussian MMSE = d (1 - t^2) (epsilon units, s^2 = 1)",
                            [eps_factor * mmse - d * (1 - T**2)]),
        ]
    return out


# -- 4. transcribed formulas (comparison only) ------------------------------------------------------

def paper_component_mean(mu: sp.Expr, x: sp.Expr) -> sp.Expr:
    r"""Transcribed (authors' ``iso_hom_gmm_x0``):
    :math:`\mu+\frac{\alpha s^2}{\alpha^2s^2+\sigma^2}(x-\alpha\mu)`."""
    return mu + ALPHA * VAR / (ALPHA**2 * VAR + SIGMA**2) * (x - ALPHA * mu)


def paper_component_mean_psi(mu: sp.Expr, x: sp.Expr) -> sp.Expr:
    r"""Transcribed (research note, ψ form):
    :math:`\frac{\mu}{1+\psi s^2}+\frac{\psi s^2}{1+\psi s^2}\frac{x}{\alpha}`."""
    return mu / (1 + PSI * VAR) + PSI * VAR / (1 + PSI * VAR) * x / ALPHA


def paper_mmse(d: sp.Expr) -> sp.Expr:
    r"""Transcribed (Theorem 3.1 as reconstructed): :math:`d s^2/(1+\psi s^2)`."""
    return d * VAR / (1 + PSI * VAR)


def paper_crossover_slope(weights, psis, Cs, var) -> sp.Expr:
    r"""Transcribed (research note, eq. 14 as reconstructed):
    :math:`1-\sum_t\lambda_t(1+\psi_t s^2)^{-1}/\sum_t\lambda_tC_t`."""
    num = sp.Add(*[w / (1 + p * var) for w, p in zip(weights, psis, strict=True)])
    return 1 - num / sp.Add(*[w * c for w, c in zip(weights, Cs, strict=True)])


def component_checks() -> list[SymbolicResult]:
    """The derived per-component law against the transcribed formulas."""
    law = component_law()
    d = sp.Symbol("d", positive=True)
    psi_form = paper_component_mean_psi(MU, X_COORD).subs(PSI, ALPHA**2 / SIGMA**2)
    return [
        symbolic_result("component-mean", "Gaussian conditioning = authors' component mean",
                        [law.posterior_mean - paper_component_mean(MU, X_COORD)],
                        detail=f"derived: {sp.sstr(sp.factor(law.posterior_mean))}"),
        symbolic_result("component-mean-psi", "component mean in psi form (alpha = sqrt(psi) sigma)",
                        [law.posterior_mean - psi_form]),
        symbolic_result("marginal", "x_t | m ~ N(alpha mu, alpha^2 s^2 + sigma^2)",
                        [law.marginal_mean - ALPHA * MU,
                         law.marginal_variance - (ALPHA**2 * VAR + SIGMA**2)]),
        symbolic_result("mmse-variance", "MMSE (definition) = conditional variance",
                        [law.mmse - law.posterior_variance], detail=f"derived: {sp.sstr(law.mmse)}"),
        symbolic_result("mmse-psi", "d-dim MMSE = d s^2/(1 + psi s^2)",
                        [single_gaussian_mmse(d, in_psi=True) - paper_mmse(d)],
                        detail=f"derived: {sp.sstr(single_gaussian_mmse(d, in_psi=True))}"),
    ]


# -- 5. EDGE-MSTAR: the crossover ---------------------------------------------------------------------

_I = sp.Symbol("i", integer=True, positive=True)
_N_GRID = sp.Symbol("n", integer=True, positive=True)
LAMBDA, PSI_T, C_T = sp.IndexedBase("lambda"), sp.IndexedBase("psi"), sp.IndexedBase("C")
D_SYM, N_SYM, M_SYM, K_SYM = sp.symbols("d N M K", positive=True)
C_CONST = sp.Symbol("C", positive=True)


@dataclass(frozen=True)
class Crossover:
    r"""The crossover :math:`M^\star` of the weighted excesses and its slope :math:`M^\star/N`."""

    equation: sp.Expr  # sum lambda (G - P(M)) = 0, as derived
    mstar: sp.Expr
    slope: sp.Expr
    generalizing_excess: sp.Expr  # G as a function of the level's psi
    partial_excess: sp.Expr  # P(M) (model)


def generalizing_excess(psi: sp.Expr, d: sp.Expr = D_SYM, var: sp.Expr = VAR) -> sp.Expr:
    r""":math:`G=` the derived single-Gaussian MMSE at SNR ``psi`` (the memorizing loss is
    :math:`\approx0`)."""
    return single_gaussian_mmse(d, in_psi=True).subs({PSI: psi, VAR: var}, simultaneous=True)


def partial_excess(C: sp.Expr, M: sp.Expr = M_SYM, d: sp.Expr = D_SYM, var: sp.Expr = VAR) -> sp.Expr:
    r"""The paper's approximation :math:`P(M)=C\,d\,s^2(1-M/N)` (a model, EDGE-T32)."""
    return C * d * var * (1 - M / N_SYM)


def _solve_linear_in_M(equation: sp.Expr) -> sp.Expr:
    eq = sp.factor_terms(sp.expand(equation))
    sols = sp.solve(eq, M_SYM)
    if len(sols) != 1:
        raise AssertionError(f"expected one crossover, got {sols}")
    return sols[0]


@lru_cache(maxsize=1)
def weighted_crossover() -> Crossover:
    r"""Grid of symbolic length :math:`n`: solve
    :math:`\sum_{i=1}^n\lambda_i(G_i-P_i(M))=0` for :math:`M` (``sympy.solve``)."""
    G = generalizing_excess(PSI_T[_I])
    P = partial_excess(C_T[_I])
    equation = sp.Sum(LAMBDA[_I] * G, (_I, 1, _N_GRID)) - sp.Sum(LAMBDA[_I] * P, (_I, 1, _N_GRID))
    mstar = _solve_linear_in_M(equation)
    return Crossover(equation, mstar, sp.expand(mstar / N_SYM), G, P)


@lru_cache(maxsize=1)
def continuous_crossover() -> Crossover:
    r"""Continuous weight :math:`\lambda(s)` on :math:`s\in[0,1]` with :math:`\psi(s)`, :math:`C(s)`:
    solve :math:`\int_0^1\lambda(G-P(M))\,ds=0`."""
    s = sp.Symbol("s", positive=True)
    lam, psi, C = (sp.Function(n)(s) for n in ("lambda", "psi", "C"))
    G, P = generalizing_excess(psi), partial_excess(C)
    equation = sp.Integral(lam * G, (s, 0, 1)) - sp.Integral(lam * P, (s, 0, 1))
    mstar = _solve_linear_in_M(equation)
    return Crossover(equation, mstar, sp.expand(mstar / N_SYM), G, P)


def single_level_crossover() -> Crossover:
    r"""One noise level: :math:`G(\psi)=P(M)` (constant :math:`C`)."""
    G, P = generalizing_excess(PSI), partial_excess(C_CONST)
    mstar = _solve_linear_in_M(G - P)
    return Crossover(G - P, mstar, sp.factor(mstar / N_SYM), G, P)


@lru_cache(maxsize=1)
@persistent("gmm.mstar_checks")
def mstar_checks() -> tuple[SymbolicResult, ...]:
    """EDGE-MSTAR symbolically: linearity in N, no d, no K, the general and constant-C forms."""
    out = []
    for cr, what in ((weighted_crossover(), "grid of n levels"),
                     (continuous_crossover(), "continuous weight")):
        slope = cr.slope
        out.append(symbolic_result(f"linear-N-{what}", f"M* = c N ({what}): d(M*/N)/dN = 0",
                                   [sp.simplify(sp.diff(cr.mstar / N_SYM, N_SYM))],
                                   detail=f"M*/N = {sp.sstr(slope)}"))
        out.append(symbolic_result(f"free-of-d-{what}", f"slope free of d ({what}): d(M*/N)/dd = 0",
                                   [sp.simplify(sp.diff(slope, D_SYM))]))
        out.append(SymbolicResult(f"free-of-K-{what}", f"K absent from G, P and M* ({what})",
                                  K_SYM not in cr.equation.free_symbols | slope.free_symbols, "free symbols",
                                  0.0, detail="K enters only through C_t (EDGE-T32 measures it)"))
        check = sp.simplify(cr.equation.subs(M_SYM, cr.mstar).doit())
        out.append(symbolic_result(f"solves-{what}", f"M* solves the weighted equation ({what})", [check]))
    n = 4
    cr = weighted_crossover()
    lam = [LAMBDA[i] for i in range(1, n + 1)]
    psi = [PSI_T[i] for i in range(1, n + 1)]
    C = [C_T[i] for i in range(1, n + 1)]
    general = cr.slope.subs(_N_GRID, n).doit()
    out.append(symbolic_result("general-form", "general form (n = 4): 1 - sum l/(1+psi s2) / sum l C",
                               [general - paper_crossover_slope(lam, psi, C, VAR)]))
    const = general.subs({c: C_CONST for c in C})
    mean_term = sp.Add(*[w / (1 + p * VAR) for w, p in zip(lam, psi, strict=True)]) / sp.Add(*lam)
    want = 1 - mean_term / C_CONST
    out.append(symbolic_result("constant-C", "constant C: 1 - (1/C) sum l/(1+psi s2) / sum l",
                               [const - want]))
    small = sp.solve(sp.Add(*[w * (generalizing_excess(p) - partial_excess(c))
                              for w, p, c in zip(lam[:3], psi[:3], C[:3], strict=True)]), M_SYM)
    out.append(symbolic_result("explicit-n3", "explicit 3-level solve agrees with the n-level form",
                               [small[0] / N_SYM - cr.slope.subs(_N_GRID, 3).doit()]))
    single = single_level_crossover()
    out.append(symbolic_result("single-level", "one level: M*/N = 1 - 1/(C (1 + psi s2))",
                               [single.slope - (1 - 1 / (C_CONST * (1 + PSI * VAR)))],
                               detail=f"derived: {sp.sstr(single.slope)}"))
    sch = builtin_schedule("vp-linear-sigma")
    vp = single.slope.subs({PSI: sch.alpha**2 / sch.sigma**2, VAR: 1})
    out.append(symbolic_result("single-level-vp", "vp-linear-sigma, s2 = 1: M*_t/N = 1 - t^2/C",
                               [vp - (1 - T**2 / C_CONST)]))
    return tuple(out)


# -- crossover_slope ------------------------------------------------------------------------------------

def _is_exact(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, sp.Basic):
        return not v.has(sp.Float)
    return isinstance(v, int | Fraction)


def _as_list(values: Any, n: int | None, what: str) -> list:
    if isinstance(values, sp.Basic | Number | Fraction) or (hasattr(values, "ndim") and values.ndim == 0):
        if n is None:
            raise CrossoverError(f"{what} must be a sequence")
        return [values] * n
    out = list(values)
    if n is not None and len(out) != n:
        raise CrossoverError(f"{what} has {len(out)} entries, expected {n}")
    return out


@lru_cache(maxsize=64)
def _slope_on_grid(n: int) -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
    """The derived slope with the grid length set to ``n`` (plain symbols), and its arguments."""
    lam = sp.symbols(f"l0:{n}")
    psi = sp.symbols(f"p0:{n}")
    C = sp.symbols(f"c0:{n}")
    expr = weighted_crossover().slope.subs(_N_GRID, n).doit()
    mapping = {}
    for i in range(n):
        mapping[LAMBDA[i + 1]], mapping[PSI_T[i + 1]], mapping[C_T[i + 1]] = lam[i], psi[i], C[i]
    return expr.xreplace(mapping), (*lam, *psi, *C, VAR)


@lru_cache(maxsize=64)
def _slope_numeric(n: int):
    expr, args = _slope_on_grid(n)
    return sp.lambdify(args, expr, modules="math")


def crossover_slope(weights: Sequence[Any], psi_values: Sequence[Any], C_values: Any,
                    var: Any = 1) -> sp.Expr | float:
    r"""Crossover slope :math:`c=M^\star/N` on a grid of noise levels, from the derived solution.

    ``weights`` :math:`\lambda_t\ge0` (not all 0) on the :math:`x_0`-unit excesses,
    ``psi_values`` :math:`\psi_t\ge0` (``sympy.oo`` / ``inf`` allowed: :math:`t=0`),
    ``C_values`` :math:`C_t>0` (a sequence or one constant), ``var`` :math:`s^2>0`.
    Exact inputs (int, Fraction, SymPy numbers or symbols) give a SymPy expression; any float
    gives a float. Raises :class:`CrossoverError` on invalid input.
    """
    w = _as_list(weights, None, "weights")
    n = len(w)
    if n == 0:
        raise CrossoverError("need at least one noise level")
    p = _as_list(psi_values, n, "psi_values")
    c = _as_list(C_values, n, "C_values")
    exact = all(_is_exact(v) for v in (*w, *p, *c, var))
    if exact:
        values = [sp.Rational(v.numerator, v.denominator) if isinstance(v, Fraction) else sp.sympify(v)
                  for v in (*w, *p, *c, var)]
        if any(v.is_extended_negative or v is sp.nan for v in values[:2 * n]) or sp.oo in values[:n]:
            raise CrossoverError("weights must be finite and >= 0, psi values >= 0")
        if any(v.is_extended_nonpositive or v in (sp.oo, sp.nan) for v in values[2 * n:]):
            raise CrossoverError("C values and var must be finite and > 0")
        if all(v.is_number for v in values[:n]) and sp.Add(*values[:n]) == 0:
            raise CrossoverError("the weights must not all be 0")
        expr, args = _slope_on_grid(n)
        # psi = oo: 1/(1 + oo s2) -> 0, as a limit (substitution would give nan terms)
        sub = dict(zip(args, values, strict=True))
        infinite = [args[n + i] for i in range(n) if values[n + i] in (sp.oo,)]
        finite = {k: v for k, v in sub.items() if k not in infinite}
        out = expr.xreplace(finite)
        for sym in infinite:
            out = sp.limit(out, sym, sp.oo)
        return out
    try:
        values = [float(v) for v in (*w, *p, *c, var)]
    except (TypeError, ValueError) as exc:
        raise CrossoverError(f"non-numeric input: {exc}") from exc
    if any(math.isnan(v) for v in values):
        raise CrossoverError("NaN in the input")
    wv, pv, cv, s2 = values[:n], values[n:2 * n], values[2 * n:3 * n], values[-1]
    if any(v < 0 or math.isinf(v) for v in wv) or sum(wv) == 0:
        raise CrossoverError("weights must be finite, >= 0 and not all 0")
    if any(v < 0 for v in pv):
        raise CrossoverError("psi values must be >= 0")
    if any(not (0 < v < math.inf) for v in (*cv, s2)):
        raise CrossoverError("C values and var must be finite and > 0")
    # psi = inf: the term 1/(1 + inf*s2) is 0 (its limit); give the compiled form a finite stand-in
    pv = [1e300 if math.isinf(v) else v for v in pv]
    return float(_slope_numeric(n)(*wv, *pv, *cv, s2))
