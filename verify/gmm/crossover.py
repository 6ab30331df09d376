r"""The loss approximations and the memorization crossover (EDGE-T31, EDGE-T32, EDGE-45).

**Approximations** (research note §3a). With :math:`\mathcal L_t` the training losses of
:mod:`.losses`, in :math:`x_0` units,

.. math:: \mathcal L_t(\theta_\star)-\mathcal L_t(\theta_{\rm mem})
          \approx\frac{d\sigma_\star^2}{1+\psi_t\sigma_\star^2},
          \qquad
          \mathcal L_t(\theta_{{\rm pmem},M})-\mathcal L_t(\theta_{\rm mem})
          \approx C\,d\sigma_\star^2\Big(1-\frac MN\Big).

The first right-hand side is *derived* (:func:`derived_generalizing_excess`, from
:func:`derivations.gmm.single_gaussian_mmse`): the MMSE of one Gaussian coordinate by Gaussian
conditioning, times :math:`d`, rewritten in :math:`\psi=\alpha^2/\sigma^2`.
:func:`relative_error` measures EDGE-T31, :func:`c_profile` the constant :math:`C(t)` of EDGE-T32.

**Crossover** (reconstruction, research note §3b). With weights :math:`\lambda_t\ge0` on the
:math:`x_0`-unit losses, the crossover solves
:math:`\sum_t\lambda_t\,d\sigma_\star^2A_t=(1-m)\sum_t\lambda_tC_t\,d\sigma_\star^2`,
:math:`A_t=(1+\psi_t\sigma_\star^2)^{-1}`, for :math:`m=M^\star/N` (solved by SymPy in
:func:`derivations.gmm.crossover_slope`):

.. math:: \frac{M^\star}{N}=1-\frac{\sum_t\lambda_tA_t}{\sum_t\lambda_tC_t}.

Weightings (:data:`WEIGHTINGS`): ``uniform-x0`` (:math:`\lambda=1`, losses in :math:`x_0`
units), ``epsilon`` (:math:`\lambda=\psi`: the authors' :math:`\varepsilon`-prediction objective
with uniform :math:`t`), ``v`` (:math:`\lambda=\alpha^2(\dot\sigma/\sigma-\dot\alpha/\alpha)^2`);
each conversion factor is derived as :math:`(\partial\,\mathrm{target}/\partial x_0)^2` at fixed
:math:`x_t`; or your own :math:`\lambda(t)`, an expression in ``t`` (:func:`loss_factor`).

Readings (:data:`READINGS`; the first two take a constant :math:`C`):

* **closed form** (``"1"``, ``"2"``, any positive number): the formula above with the derived
  :math:`A_t` and the constant :math:`C` — nothing measured;
* **numerator** (``"numerator"``, with a constant :math:`C`): the generalizing excess measured,
  :math:`M^\star/N=1-\sum_t\lambda_t(\mathcal L_{\rm gen}-\mathcal L_{\rm mem})_t
  /(C\,\operatorname{tr}\Sigma\sum_t\lambda_t)` (the reading of an independent
  reimplementation); no partial-memorization losses needed;
* **measured** (``"measured"``): the derived generalizing excess against the *measured*
  partial-memorization excess, interpolated linearly in :math:`M` between the ``--M`` sizes (and 0
  at :math:`M=N`) — so this reading depends on the sizes measured;
* **losses** (``"losses"``): both excesses measured, the root of the weighted excess curves
  (interpolated in :math:`M` like ``measured``).

With a covariance :math:`\Sigma` (eigenvalues :math:`\lambda_j`) in place of
:math:`\sigma_\star^2I`, :math:`d\sigma_\star^2` becomes :math:`\operatorname{tr}\Sigma` and the
generalizing excess :math:`\sum_j\lambda_j/(1+\psi\lambda_j)` (the derived one-coordinate
expression summed over the eigenvalues), so the closed form is the
:math:`\lambda_j/\operatorname{tr}\Sigma`-weighted mean of the derived slopes at each
:math:`\lambda_j`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from functools import lru_cache

import numpy as np

from .data import PAPER_SCHEDULE, GMMData, GMMError, paper_grid, process
from .losses import Estimate, LossTable, standard_denoisers, t_quantile, training_losses

__all__ = ["WEIGHTINGS", "READINGS", "FOUR_FIFTHS", "derived_generalizing_excess",
           "loss_factor", "exact_paper_grid", "generalizing_excess", "relative_error", "c_profile",
           "classify", "holding_range", "crossover_slope", "predicted_mstar", "measured_crossover",
           "excess_root", "DEFAULT_FRACTIONS", "nearest_memorized_c", "measured_slope", "MEASURED_READINGS",
           "table_excess", "weighting_values"]

WEIGHTINGS = ("uniform-x0", "epsilon", "v")
READINGS = ("1", "2", "numerator", "measured", "losses")
#: Readings computed from Monte-Carlo losses (the others are closed forms).
MEASURED_READINGS = ("numerator", "measured", "losses")
FOUR_FIFTHS = Fraction(4, 5)
#: Default partial-memorization sizes, as fractions of N.
DEFAULT_FRACTIONS = (0.2, 0.4, 0.6, 0.7, 0.8, 0.9)


# -- derivations (SymPy) ----------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def derived_generalizing_excess():
    r"""(expression, symbols): :math:`d\,\mathbb E[\operatorname{Var}(x_0\mid x_t)]` for one Gaussian
    component, in terms of :math:`\psi=\alpha^2/\sigma^2`, as derived by Gaussian conditioning in
    :func:`derivations.gmm.single_gaussian_mmse` (EDGE-DEN)."""
    from derivations.gmm import D_SYM, PSI, VAR, single_gaussian_mmse

    return single_gaussian_mmse(in_psi=True), {"d": D_SYM, "var": VAR, "psi": PSI}


@lru_cache(maxsize=64)
def loss_factor(weighting: str, schedule: str = PAPER_SCHEDULE):
    r"""SymPy factor :math:`\lambda(t)` multiplying an :math:`x_0`-unit loss. A named weighting
    (:data:`WEIGHTINGS`): the square of :math:`\partial\,\mathrm{target}/\partial x_0` at fixed
    :math:`x_t`, derived once for a generic schedule in :func:`derivations.gmm.conversion_factors` and
    evaluated on ``schedule``. Any other text: your own :math:`\lambda(t)`, an expression in ``t``
    (``t^2``, ``exp(-t)``, ``1/t``; parsed by an allow-list, never evaluated as Python)."""
    import sympy as sp

    from derivations.gmm import ALPHA_T, SIGMA_T, conversion_factors
    from derivations.schedules import T, resolve_schedule

    if weighting not in WEIGHTINGS:
        from derivations.expressions import ExpressionError, parse_expression

        try:
            expr = parse_expression(weighting, "the weighting", {"t": T})
        except ExpressionError as exc:
            raise GMMError(f"{exc} (a weighting is one of {', '.join(WEIGHTINGS)} or an expression in t)") \
                from None
        if expr.free_symbols - {T}:
            raise GMMError(f"the weighting {weighting!r} may depend on t only")
        return expr
    sch = resolve_schedule(schedule)
    generic = conversion_factors()[{"uniform-x0": "x0", "epsilon": "epsilon", "v": "v"}[weighting]]
    return sp.simplify(generic.subs({ALPHA_T: sch.alpha, SIGMA_T: sch.sigma}).doit())


def exact_paper_grid() -> list[Fraction]:
    """The 26 grid times as exact rationals: 1/1000 + k (998/1000)/25."""
    return [Fraction(1, 1000) + k * Fraction(998, 25000) for k in range(26)]


def _value_at(expr, t: Fraction):
    """Exact Fraction where the expression is rational at ``t``, else a float."""
    import sympy as sp

    from derivations.schedules import T

    val = expr.subs(T, sp.Rational(t.numerator, t.denominator))
    if val.is_Rational:
        return Fraction(int(val.p), int(val.q))
    try:
        return float(val.evalf(30))
    except (TypeError, ValueError):  # complex, zoo, nan
        return float("nan")


@lru_cache(maxsize=64)
def _grid_values(weighting: str, schedule: str, times: tuple[Fraction, ...]) -> tuple[tuple, tuple]:
    """(lambda_t, psi_t) at the times, exact where rational (cached)."""
    import sympy as sp

    from derivations.schedules import resolve_schedule

    sch = resolve_schedule(schedule)
    psi_expr = sp.simplify(sch.alpha**2 / sch.sigma**2)
    factor = loss_factor(weighting, schedule)
    lam = tuple(_value_at(factor, t) for t in times)
    _check_weights(weighting, [float(v) for v in lam])
    return lam, tuple(_value_at(psi_expr, t) for t in times)


def _check_weights(weighting: str, values: Sequence[float]) -> None:
    if not all(math.isfinite(v) and v >= 0 for v in values) or not any(v > 0 for v in values):
        raise GMMError(f"the weighting {weighting!r} must be finite and >= 0 at every time and not all 0 "
                       "(complex or negative values are refused)")


# -- approximations and measured constants --------------------------------------------------------------

@lru_cache(maxsize=1)
def _excess_function():
    import sympy as sp

    expr, sym = derived_generalizing_excess()
    return sp.lambdify([sym["d"], sym["var"], sym["psi"]], expr, modules="numpy")


def generalizing_excess(d: int, var: float, psi: np.ndarray,
                        eigenvalues: Sequence[float] | np.ndarray | None = None) -> np.ndarray:
    r""":math:`d\sigma_\star^2/(1+\psi\sigma_\star^2)`, evaluated from :func:`derived_generalizing_excess`;
    with the ``eigenvalues`` :math:`\lambda_j` of a covariance, the derived expression summed over them,
    :math:`\sum_j\lambda_j/(1+\psi\lambda_j)` (``d``, ``var`` then unused)."""
    fn = _excess_function()
    psi = np.asarray(psi, dtype=float)
    if eigenvalues is None:
        return np.asarray(fn(d, var, psi), dtype=float) * np.ones_like(psi, dtype=float)
    values, counts = np.unique(np.asarray(eigenvalues, dtype=float), return_counts=True)
    total = np.zeros_like(psi, dtype=float)
    for lam, count in zip(values, counts, strict=True):
        total = total + np.asarray(fn(int(count), float(lam), psi), dtype=float)
    return total


def table_excess(table: LossTable) -> np.ndarray:
    """The derived generalizing excess of a loss table's mixture at its times."""
    return generalizing_excess(table.d, table.var_star, table.psi, table.eigenvalues)


def relative_error(table: LossTable) -> Estimate:
    r"""EDGE-T31: :math:`(\mathcal L_{\rm gen}-\mathcal L_{\rm mem})/A-1`,
    :math:`A=d\sigma_\star^2/(1+\psi\sigma_\star^2)` (:func:`table_excess`), per time (paired interval)."""
    A = table_excess(table)
    diff = table.difference("generalizing", "memorizing")
    return Estimate(diff.mean / A - 1.0, diff.half / A)


def c_profile(table: LossTable) -> dict[int, Estimate]:
    r"""EDGE-T32: :math:`C(t)=(\mathcal L_{{\rm pmem},M}-\mathcal L_{\rm mem})/(d\sigma_\star^2(1-M/N))` per
    partial denoiser (keyed by M, M < N); :math:`\operatorname{tr}\Sigma` in place of
    :math:`d\sigma_\star^2` with a covariance."""
    out = {}
    for label, M in sorted(table.M.items(), key=lambda kv: kv[1]):
        if M < table.N:
            scale = table.trace * (1 - M / table.N)
            out[M] = table.difference(label, "memorizing").scaled(1.0 / scale)
    return out


def nearest_memorized_c(data: GMMData, M: int, subsets: int, rng: np.random.Generator) -> Estimate:
    r"""Low-noise limit of :math:`C` without any noise: at :math:`t\to0` the partially memorizing
    denoiser maps a non-memorized :math:`x_j` to its nearest memorized point, so
    :math:`C_0=\mathbb E_S\big[\frac1{N-M}\sum_{j\notin S}\min_{i\in S}
    \lVert x_i-x_j\rVert^2\big]/(d\sigma_\star^2)`
    (Monte Carlo over ``subsets`` uniform subsets, 95 % interval)."""
    N, d = data.train.shape
    if not 1 <= M < N:
        raise GMMError(f"the nearest-neighbour constant needs 1 <= M < N = {N}, got M = {M}")
    if subsets < 2:
        raise GMMError("need at least 2 subsets for an interval")
    sq = (data.train**2).sum(axis=1)
    D = np.maximum(sq[:, None] + sq[None, :] - 2 * data.train @ data.train.T, 0.0)
    vals = np.empty(subsets)
    for r in range(subsets):
        mask = np.zeros(N, dtype=bool)
        mask[rng.choice(N, size=M, replace=False)] = True
        vals[r] = D[~mask][:, mask].min(axis=1).mean() / (d * data.var_star)
    half = t_quantile(0.975, subsets - 1) * vals.std(ddof=1) / math.sqrt(subsets)
    return Estimate(np.asarray(vals.mean()), np.asarray(half))


def classify(est: Estimate, lo: float, hi: float) -> np.ndarray:
    """Per entry: 'holds' (interval inside [lo, hi]), 'fails' (disjoint) or 'undecided'."""
    inside = (est.lower >= lo) & (est.upper <= hi)
    outside = (est.upper < lo) | (est.lower > hi)
    return np.where(inside, "holds", np.where(outside, "fails", "undecided"))


def holding_range(times: np.ndarray, status: np.ndarray) -> tuple[float, float] | None:
    """The longest run of consecutive grid times with status 'holds' that starts at the first time,
    as (first, last); None when the first time does not hold."""
    if len(status) == 0 or status[0] != "holds":
        return None
    last = 0
    while last + 1 < len(status) and status[last + 1] == "holds":
        last += 1
    return float(times[0]), float(times[last])


# -- crossover: closed form ------------------------------------------------------------------------------

def crossover_slope(weighting: str = "uniform-x0", C: float | Fraction | Sequence = 2,
                    var: float | Fraction = 1, times: Sequence | None = None,
                    schedule: str = PAPER_SCHEDULE,
                    eigenvalues: Sequence[float] | np.ndarray | None = None) -> Fraction | float:
    r""":math:`M^\star/N=1-\sum\lambda_tA_t/\sum\lambda_tC_t` (:func:`derivations.gmm.crossover_slope`).
    ``times`` None: the paper's grid, as exact rationals; the result is an exact Fraction when ``C``, ``var``,
    the times and the schedule's :math:`\psi,\lambda` are rational there, else a float. ``weighting`` a
    name or an expression in ``t`` (:func:`loss_factor`). With the ``eigenvalues`` :math:`\lambda_j` of a
    covariance (``var`` then unused): the :math:`\lambda_j/\sum\lambda`-weighted mean of the slopes at
    each :math:`\lambda_j` (the excess is linear in its one-coordinate terms)."""
    import sympy as sp

    grid = exact_paper_grid() if times is None else [t if isinstance(t, Fraction) else Fraction(str(t))
                                                      for t in times]
    if not grid or not all(0 < t < 1 for t in grid):
        raise GMMError("crossover times must lie in (0, 1)")
    if eigenvalues is not None:
        lam_j, counts = np.unique(np.asarray(eigenvalues, dtype=float), return_counts=True)
        if len(lam_j) == 0 or not np.all(np.isfinite(lam_j)) or lam_j.min() <= 0:
            raise GMMError("the covariance's eigenvalues must be positive and finite")
        if len(lam_j) == 1:
            return crossover_slope(weighting, C, float(lam_j[0]), grid, schedule)
        total = float((lam_j * counts).sum())
        return float(sum(float(c) * float(v) / total * float(crossover_slope(weighting, C, float(v), grid,
                                                                                    schedule))
                         for v, c in zip(lam_j, counts, strict=True)))
    var_q = var if isinstance(var, Fraction) else Fraction(str(var))
    if not var_q > 0:
        raise GMMError(f"var must be positive, got {var}")
    if isinstance(C, Sequence) and not isinstance(C, str):
        Cs = [c if isinstance(c, Fraction) else Fraction(str(c)) for c in C]
        if len(Cs) != len(grid):
            raise GMMError(f"C has {len(Cs)} values for {len(grid)} times")
    else:
        c = C if isinstance(C, Fraction) else Fraction(str(C))
        Cs = [c] * len(grid)
    if any(not c > 0 for c in Cs):
        raise GMMError("C must be positive")
    from derivations.gmm import CrossoverError
    from derivations.gmm import crossover_slope as derived_slope

    lam, psi = _grid_values(weighting, schedule, tuple(grid))
    try:
        val = derived_slope(list(lam), list(psi), Cs, var_q)
    except CrossoverError as exc:
        raise GMMError(str(exc)) from None
    if isinstance(val, sp.Rational):
        return Fraction(int(val.p), int(val.q))
    return float(val)


def predicted_mstar(N: int, weighting: str = "uniform-x0", C: float | Sequence = 2.0, var: float = 1.0,
                    times: Sequence | None = None, schedule: str = PAPER_SCHEDULE) -> float:
    r"""Predicted crossover :math:`M^\star=N\cdot` :func:`crossover_slope` (default: uniform weights over
    the paper's grid in :math:`x_0` units, :math:`C=2`)."""
    if not isinstance(N, int | np.integer) or N < 1:
        raise GMMError(f"N must be a positive integer, got {N!r}")
    return float(N * crossover_slope(weighting, C, var, times, schedule))


# -- crossover: measured --------------------------------------------------------------------------------

def excess_root(Ms: Sequence[int], excess: Sequence[float], target: float, N: int) -> float:
    r"""The :math:`M/N` where the piecewise-linear interpolation of the weighted partial excess
    (measured at ``Ms``, and 0 at :math:`M=N`) equals ``target``; nan outside the measured range."""
    M = np.append(np.asarray(Ms, dtype=float), float(N))
    E = np.append(np.asarray(excess, dtype=float), 0.0)
    order = np.argsort(M)
    M, E = M[order], E[order]
    for j in range(len(M) - 1):
        e0, e1 = E[j], E[j + 1]
        if (e0 - target) * (e1 - target) <= 0 and e0 != e1:
            return float((M[j] + (target - e0) / (e1 - e0) * (M[j + 1] - M[j])) / N)
    return float("nan")


def measured_crossover(table: LossTable, weighting: str = "uniform-x0", reading: str = "losses",
                       groups: int = 16, C: float = 2.0) -> Estimate:
    r"""Crossover :math:`M^\star/N` from measured losses with a grouped-jackknife interval:
    ``losses`` — both excesses measured; ``measured`` — the generalizing excess is the derived
    :math:`\sum_j\lambda_j/(1+\psi\lambda_j)` and only the partial excess is measured (both interpolate
    the partial excess linearly in :math:`M` between the measured sizes, so they depend on them);
    ``numerator`` — the generalizing excess measured against the constant ``C``:
    :math:`1-\sum\lambda_t(\mathcal L_{\rm gen}-\mathcal L_{\rm mem})
    /(C\operatorname{tr}\Sigma\sum\lambda_t)`."""
    if reading not in MEASURED_READINGS:
        raise GMMError(f"measured readings are {', '.join(MEASURED_READINGS)}, got {reading!r}")
    lam = _float_weights(weighting, table)
    if reading == "numerator":
        if not (math.isfinite(C) and C > 0):
            raise GMMError(f"C must be a positive number, got {C}")
        denominator = C * table.trace * float(lam.sum())

        def numerator(means: dict[str, np.ndarray]) -> float:
            return 1.0 - float(lam @ (means["generalizing"] - means["memorizing"])) / denominator

        return table.jackknife(numerator, groups)
    if not table.M:
        raise GMMError("a measured crossover needs partial-memorization losses (--M)")
    A = table_excess(table)
    items = sorted(table.M.items(), key=lambda kv: kv[1])

    def stat(means: dict[str, np.ndarray]) -> float:
        if reading == "losses":
            target = float(lam @ (means["generalizing"] - means["memorizing"]))
        else:
            target = float(lam @ A)
        excess = [float(lam @ (means[label] - means["memorizing"])) for label, _ in items]
        return excess_root([M for _, M in items], excess, target, table.N)

    return table.jackknife(stat, groups)


def measured_slope(data: GMMData, weighting: str = "uniform-x0", reading: str = "losses", draws: int = 32,
                   rng: np.random.Generator | None = None, fractions: Sequence[float] = (0.6, 0.7, 0.8, 0.9),
                   schedule: str = PAPER_SCHEDULE) -> Estimate:
    r"""Measured :math:`M^\star/N` of one data set (:func:`measured_crossover` on fresh Monte-Carlo
    losses over the paper's grid, partial memorization at ``fractions`` of N); about 2 s at
    d = 50, N = 200."""
    N = data.setting.N
    Ms = sorted({min(N, max(1, round(f * N))) for f in fractions})
    rng = rng if rng is not None else np.random.default_rng([data.setting.seed, 0xC055])
    table = training_losses(data, standard_denoisers(data, Ms), paper_grid(), process(schedule), draws, rng)
    return measured_crossover(table, weighting, reading)


def weighting_values(weighting: str, times: np.ndarray, schedule: str = PAPER_SCHEDULE) -> np.ndarray:
    r"""Float64 :math:`\lambda(t)` of a weighting (name or expression in ``t``) at ``times``; refused
    unless finite, :math:`\ge0` and not all 0."""
    import sympy as sp

    from derivations.schedules import T

    fn = sp.lambdify([T], loss_factor(weighting, schedule), modules="numpy")
    times = np.asarray(times, dtype=float)
    with np.errstate(all="ignore"):
        raw = np.asarray(fn(times)) * np.ones_like(times)
    if np.iscomplexobj(raw):
        raise GMMError(f"the weighting {weighting!r} is complex at some time")
    values = raw.astype(float)
    _check_weights(weighting, values.tolist())
    return values


def _float_weights(weighting: str, table: LossTable) -> np.ndarray:
    return weighting_values(weighting, table.times, table.schedule)
