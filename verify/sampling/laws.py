r"""The :math:`\sqrt h` laws of LLY26-T2 (Euler) and LLY26-T3 (Euler–Maruyama), measured.

**Sweep** (:func:`run_sweep`). For one schedule and sampler, each :math:`K` of a geometric list
(:math:`h=t_{\rm start}/K`) and :math:`M` Gaussian starts, the float64 batch sampler gives the
deviation :math:`\mathrm{dev}=\min_i\lVert\hat Z_0-X_i\rVert` per start, and the logit margin at
the last step (the gap between the two largest logits at :math:`t=h`).

**Exponent** (:func:`fit_exponent`, the diffrax way). Least squares of
:math:`\log S(h)=a+p\log h+bh` for a statistic :math:`S` of the deviations (median, 0.9
quantile) over the finest step sizes where :math:`S` is above the float64 floor (default 5 of
them; the term :math:`bh` absorbs the first correction of :math:`S=Ch^p(1+O(h))`, which a plain
fit over a finite range mistakes for a shift of :math:`p`). Its 95 % interval is the
percentile interval of a seeded bootstrap over starts, widened by the change of the fit when
its coarsest step size is dropped (model error), and at least by :data:`RESOLUTION`.

**Constant** (:func:`sqrt_h_constant`). :math:`C=\max\mathrm{dev}/\sqrt h` over the starts whose
last-step margin is at least :math:`G(h)=\log\big(\max(1,h|c(h)|)(N-1)\Delta_{\max}/\sqrt h\big)`:
the neglected weights then move the last step by at most
:math:`h|c(h)|\sum_{j\ne i}w_j\lVert X_j-X_i\rVert\le\sqrt h` (:math:`c` the derived drift
coefficient of :math:`m`). :math:`C_{\rm all}` includes every start.

**Spot checks** (:func:`spot_check`): the same starts (and Brownian draws) in python-flint balls
at ``digits`` digits: float64 against the ball midpoints, and certified deviation bounds.

**Gaussian term** (Euler–Maruyama, :func:`gaussian_term`). Once a path is committed to an atom
:math:`X_i` at :math:`t_j=jh`, the remaining steps are the one-atom map, whose exact law
(:func:`derivations.discretization.one_atom_law`) is
:math:`\hat Z_0=g\,Z_{t_j}+c\,X_i+\mathcal N(0,vI)` with the noise independent of
:math:`Z_{t_j}`. The residual :math:`r=\hat Z_0-gZ_{t_j}-cX_i` is tested against
:math:`\mathcal N(0,vI)` (Kolmogorov–Smirnov on :math:`\lVert r\rVert^2/v` vs :math:`\chi^2_d`
and on the pooled coordinates of :math:`r/\sqrt v` vs :math:`\mathcal N(0,1)`); the softmax
residual of the tail is bounded by :math:`\sum_k|P_k|\,h|c_k|\,\lVert m_k-X_i\rVert`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np

from ..statistics import chi2_cdf, ks_test, normal_cdf
from .coefficients import SamplerError, compiled_schedule, time_grid
from .noise import BrownianPaths
from .samplers import SamplerSpec, nearest_sample_balls, run_sampler

__all__ = [
    "QUARTER_POWER",
    "SWEEP_SCHEDULES",
    "DEFAULT_STEPS",
    "FLOOR_RELATIVE",
    "RESOLUTION",
    "SINGULAR_START",
    "sweep_schedule",
    "start_time",
    "last_margin",
    "gaussian_data",
    "exact_rows",
    "Sweep",
    "run_sweep",
    "ExponentFit",
    "fit_exponent",
    "fit_sequence",
    "Constant",
    "sqrt_h_constant",
    "SpotCell",
    "spot_check",
    "GaussianTerm",
    "gaussian_term",
    "strong_errors",
    "predicted_exponents",
]

#: The user schedule that violates :math:`\sigma(t)=O(\sqrt t)`: :math:`\sigma=t^{1/4}`.
QUARTER_POWER: tuple[str, str] = ("quarter-power", "alpha=1-t; beta=t**(1/4); gamma=0")
#: The schedules of the sweep: the four built-ins and the quarter-power schedule.
SWEEP_SCHEDULES: tuple[str, ...] = ("linear", "linear-brownian", "trigonometric", "vp-linear-sigma",
                                    QUARTER_POWER[0])
#: Default numbers of steps :math:`K=2^2,\dots,2^9`.
DEFAULT_STEPS: tuple[int, ...] = tuple(2**k for k in range(2, 10))
#: A statistic at most this times the data scale is at the float64 floor.
FLOOR_RELATIVE = 1e-13
#: Smallest widening of a fitted exponent's interval: the resolution claimed for exponents
#: (a deterministic statistic, e.g. the same deviation for every start, has a zero-width bootstrap).
RESOLUTION = 0.005
#: Start time for schedules whose coefficients are singular at :math:`t=1` (vp-linear-sigma).
SINGULAR_START = Fraction(63, 64)


@lru_cache(maxsize=16)
def sweep_schedule(name: str):
    """A built-in schedule, or the quarter-power user schedule by its name."""
    from derivations.schedules import builtin_schedule, parse_schedule

    if name == QUARTER_POWER[0]:
        return parse_schedule(QUARTER_POWER[1], name=QUARTER_POWER[0])
    return builtin_schedule(name)


def start_time(schedule, method: str = "euler", zeta: Any = None) -> Fraction:
    r""":math:`t_{\rm start}=1` when the drift coefficients are finite there, else
    :data:`SINGULAR_START` (vp-linear-sigma: :math:`\dot\alpha(1)=-\infty`)."""
    try:
        compiled_schedule(schedule, method, zeta).floats([Fraction(1)])
    except SamplerError:
        return SINGULAR_START
    return Fraction(1)


def gaussian_data(seed: int, n: int = 100, d: int = 8) -> np.ndarray:
    """N standard normal training samples in R^d (float64; each value is an exact dyadic rational)."""
    return np.random.default_rng([seed, 0xDA7A]).standard_normal((n, d))


def exact_rows(rows: Any) -> list[list[Fraction]]:
    """Rows of float64 (or exact numbers) as exact Fractions, bit for bit."""
    return [[v if isinstance(v, Fraction) else Fraction(v) if isinstance(v, int)
             else Fraction(float(v)) for v in row] for row in rows]


def _pairwise(X: np.ndarray) -> tuple[float, float]:
    """(smallest nonzero, largest) pairwise distance."""
    D = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    off = D[~np.eye(len(X), dtype=bool)]
    nonzero = off[off > 0]
    return (float(nonzero.min()) if nonzero.size else 0.0), (float(off.max()) if off.size else 0.0)


# -- the sweep -------------------------------------------------------------------------------------

@dataclass
class Sweep:
    r"""Deviations of one (schedule, sampler) over the step sizes: arrays of shape (len(steps), M)."""

    schedule: str
    method: str
    t_start: Fraction
    steps: tuple[int, ...]
    dev: np.ndarray
    nearest: np.ndarray
    margin: np.ndarray  # last-step logit gap between the two leading atoms
    margin_needed: np.ndarray  # G(h) per step size
    endpoints: np.ndarray  # (len(steps), M, d)
    scale: float  # data scale max_i |X_i|
    n_atoms: int
    seconds: float
    diverged: np.ndarray
    gaussian: list[GaussianTerm] = field(default_factory=list)
    zeta: Any = None
    deterministic: np.ndarray | None = None  # Euler-Maruyama: |Z_0 - last-step noise - X_i|

    @property
    def h(self) -> np.ndarray:
        return np.array([float(Fraction(self.t_start) / k) for k in self.steps])

    @property
    def floor(self) -> float:
        return FLOOR_RELATIVE * max(self.scale, 1.0)

    @property
    def outside_band(self) -> np.ndarray:
        """Starts whose last-step margin is at least G(h) (boolean, per step size and start)."""
        return self.margin >= self.margin_needed[:, None]


def last_margin(Z: np.ndarray, X: np.ndarray, alpha: float, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Gap between the two largest logits at the last step, and the leading atom, per row."""
    S = (alpha * (Z @ X.T) - 0.5 * alpha * alpha * (X * X).sum(1)) / (sigma * sigma)
    if S.shape[1] == 1:
        return np.full(len(Z), np.inf), np.zeros(len(Z), dtype=int)
    part = np.partition(S, -2, axis=1)
    return part[:, -1] - part[:, -2], S.argmax(axis=1)


def run_sweep(schedule, method: str, data: Any, starts: np.ndarray, steps: Sequence[int] = DEFAULT_STEPS,
              *, t_start: Fraction | None = None, zeta: Any = None, seed: int = 0,
              gaussian: bool = False, digits: int = 50,
              progress: Callable[[str], None] | None = None) -> Sweep:
    r"""Run ``method`` from every start for each :math:`K` in ``steps``; the Brownian draws of
    Euler–Maruyama are coupled across step sizes (one :class:`~.noise.BrownianPaths` on
    :math:`\max K` fine steps, seeded by ``seed``). ``gaussian=True`` (Euler–Maruyama) also
    tests the Gaussian term of each cell (:func:`gaussian_term`)."""
    started = time.perf_counter()
    X = np.array([[float(v) for v in row] for row in data])
    starts = np.asarray(starts, dtype=float)
    t_start = start_time(schedule, method, zeta) if t_start is None else Fraction(t_start)
    steps = tuple(int(k) for k in steps)
    co_all = compiled_schedule(schedule, method, zeta)
    stochastic = SamplerSpec(schedule, method).stochastic
    noise = BrownianPaths(seed, len(starts), X.shape[1], max(steps)) if stochastic else None
    _, dmax = _pairwise(X)
    n_k, M = len(steps), len(starts)
    dev = np.empty((n_k, M))
    nearest = np.empty((n_k, M), dtype=int)
    margin = np.empty((n_k, M))
    needed = np.empty(n_k)
    ends = np.empty((n_k, M, X.shape[1]))
    diverged = np.zeros((n_k, M), dtype=bool)
    determ = np.full((n_k, M), np.nan) if stochastic else None
    terms: list[GaussianTerm] = []
    for r, K in enumerate(steps):
        if progress is not None:
            progress(f"{method} on {schedule.name}: K = {K} ({M} starts)")
        spec = SamplerSpec(schedule, method, K, t_start, zeta)
        run = run_sampler(X, starts, spec, noise=noise, record=True)
        Z = np.asarray(run.endpoints)
        D2 = ((Z[:, None, :] - X[None]) ** 2).sum(-1)
        with np.errstate(invalid="ignore"):
            nearest[r] = np.where(np.isfinite(D2).all(1), np.nan_to_num(D2, nan=np.inf).argmin(1), -1)
            dev[r] = np.sqrt(np.nan_to_num(D2, nan=np.inf).min(1))
        ends[r] = Z
        diverged[r] = run.diverged
        h = spec.h
        co = co_all.floats([h])
        margin[r], _ = last_margin(run.trace["Z"][-1], X, co["alpha"][0], co["sigma"][0])
        if determ is not None:
            # remove the last step's noise: the rest is the deterministic part of the endpoint
            atom = ((run.trace["m"][-1][:, None, :] - X[None]) ** 2).sum(-1).argmin(1)
            last = Z - math.sqrt(co["noise2"][0] * float(h)) * run.trace["xi"][-1]
            determ[r] = np.sqrt(((last - X[atom]) ** 2).sum(1))
        needed[r] = math.log(max(1.0, float(h) * abs(co["c"][0])) * max(len(X) - 1, 1)
                             * max(dmax, 1e-300) / math.sqrt(float(h)))
        if gaussian and stochastic:
            terms.append(gaussian_term(schedule, method, X, run, zeta=zeta, digits=digits))
        del run
    return Sweep(schedule.name, method, t_start, steps, dev, nearest, margin, needed, ends,
                 float(np.sqrt((X * X).sum(1)).max()), len(X), time.perf_counter() - started, diverged,
                 terms, zeta, determ)


# -- exponent fits ---------------------------------------------------------------------------------

_STATISTICS: dict[str, Callable[..., np.ndarray]] = {
    "median": lambda a, axis: np.median(a, axis=axis),
    "q90": lambda a, axis: np.quantile(a, 0.9, axis=axis),
    "mean": lambda a, axis: np.mean(a, axis=axis),  # the in-law reading (verify.sampling.wasserstein)
}


@dataclass(frozen=True)
class ExponentFit:
    r"""Fitted exponent :math:`p` in :math:`S(h)\approx Ch^p` with a 95 % interval."""

    statistic: str
    values: tuple[float, ...]  # S(h) per step size
    at_floor: tuple[bool, ...]
    used: tuple[int, ...]  # indices of the step sizes of the fit (the finest above the floor)
    slope: float | None  # fit with the correction term b h
    intercept: float | None
    bootstrap: tuple[float, float] | None
    drift: float  # model error added on both sides of the bootstrap interval
    all_range: float | None  # plain fit (no correction term) over every step size above the floor
    local: tuple[float, ...]  # local slopes between consecutive step sizes above the floor

    @property
    def ci(self) -> tuple[float, float] | None:
        """Bootstrap interval widened by the model error (at least :data:`RESOLUTION`)."""
        if self.bootstrap is None:
            return None
        widen = max(self.drift, RESOLUTION)
        return self.bootstrap[0] - widen, self.bootstrap[1] + widen

    def contains(self, value: float) -> bool:
        ci = self.ci
        return ci is not None and ci[0] <= value <= ci[1]

    def text(self) -> str:
        if self.slope is None:
            return f"{self.statistic}: at the float64 floor"
        lo, hi = self.ci
        return f"{self.statistic}: p = {self.slope:.3f} [{lo:.3f}, {hi:.3f}]"


def _design(x: np.ndarray, correction: bool) -> np.ndarray:
    cols = [np.ones_like(x), x] + ([np.exp(x)] if correction else [])
    return np.stack(cols, axis=1)


def _slopes(x: np.ndarray, Y: np.ndarray, correction: bool = False) -> np.ndarray:
    r"""Least-squares coefficient of :math:`\log h` for each row of Y (…, n) on x = log h (n), with
    an optional correction column :math:`h`."""
    coef, *_ = np.linalg.lstsq(_design(x, correction), np.atleast_2d(Y).T, rcond=None)
    out = coef[1]
    return out if np.ndim(Y) > 1 else out[0]


def fit_exponent(h: np.ndarray, values: np.ndarray, statistic: str = "median", *, floor: float = 0.0,
                 seed: int = 0, boot: int = 400, window: int = 5) -> ExponentFit:
    r"""Fit :math:`\log S=a+p\log h+bh` over the ``window`` finest step sizes where :math:`S` is
    above ``floor`` (the correction :math:`bh` needs at least 4 of them). ``values`` has shape
    (len(h), M), one column per start, the same starts at every h. 95 % interval: percentile
    bootstrap over starts (resample with replacement, refit; seeded), widened by the model error
    :math:`|\hat p-\hat p'|`, :math:`\hat p'` the fit without the coarsest of those step sizes."""
    stat = _STATISTICS[statistic]
    h = np.asarray(h, dtype=float)
    finite = np.where(np.isfinite(values), values, np.inf)
    S = stat(finite, 1)
    above = S > floor
    idx = [int(i) for i in np.argsort(h)[::-1] if above[i]]  # from the largest h to the smallest
    local = tuple(float(np.log(S[a] / S[b]) / np.log(h[a] / h[b])) for a, b in zip(idx[:-1], idx[1:],
                                                                                      strict=True))
    flags = tuple(bool(not a) for a in above)
    if len(idx) < 2:
        return ExponentFit(statistic, tuple(map(float, S)), flags, tuple(idx), None, None, None, 0.0, None,
                           local)
    all_range = float(_slopes(np.log(h[idx]), np.log(S[idx])))
    used = idx[-window:]
    x = np.log(h[used])
    correction = len(used) >= 4
    slope = float(_slopes(x, np.log(S[used]), correction))
    rng = np.random.default_rng([seed, 0xB007])
    M = values.shape[1]
    pick = rng.integers(0, M, size=(boot, M))
    resampled = stat(finite[used][:, pick], 2)  # (len(used), boot)
    boots = _slopes(x, np.log(np.maximum(resampled.T, max(floor, 1e-300))), correction)
    lo, hi = (float(v) for v in np.percentile(boots, [2.5, 97.5]))
    if len(used) >= 3:  # model error: the change when the coarsest step size of the fit is dropped
        shorter = used[1:]
        drift = abs(slope - float(_slopes(np.log(h[shorter]), np.log(S[shorter]), len(shorter) >= 4)))
    else:
        drift = abs(slope - local[-1])
    return ExponentFit(statistic, tuple(map(float, S)), flags, tuple(used), slope, None, (lo, hi), drift,
                       all_range, local)


def fit_sequence(h: np.ndarray, values: np.ndarray, window: int = 5) -> tuple[float, float]:
    r"""Exponent of a deterministic sequence :math:`S(h)>0`: (fit of :math:`\log S=a+p\log h+bh` over
    the ``window`` finest step sizes, local slope of the two finest)."""
    h, v = np.asarray(h, dtype=float), np.asarray(values, dtype=float)
    keep = np.argsort(h)[:window]
    keep = keep[v[keep] > 0]
    x, y = np.log(h[keep]), np.log(v[keep])
    return float(_slopes(x, y, len(x) >= 4)), float((y[1] - y[0]) / (x[1] - x[0]))


# -- the constant ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Constant:
    r""":math:`C=\max\mathrm{dev}/\sqrt h` over margin starts, :math:`C_{\rm all}` over all starts."""

    C: float
    C_all: float
    per_h: tuple[float, ...]  # max over margin starts, per step size
    per_h_all: tuple[float, ...]
    excluded: tuple[int, ...]  # starts below the margin, per step size
    worst: tuple[int, int]  # (K, start) of C_all


def sqrt_h_constant(sweep: Sweep) -> Constant:
    """The constants of ``dev <= C sqrt(h)`` measured on a sweep."""
    ratio = sweep.dev / np.sqrt(sweep.h)[:, None]
    ok = sweep.outside_band & np.isfinite(ratio)
    per_h = np.where(ok, ratio, -np.inf).max(1)
    per_h_all = np.where(np.isfinite(ratio), ratio, np.inf).max(1)
    r, c = np.unravel_index(int(np.argmax(np.where(np.isfinite(ratio), ratio, np.inf))), ratio.shape)
    return Constant(float(per_h.max()), float(per_h_all.max()), tuple(map(float, per_h)),
                    tuple(map(float, per_h_all)), tuple(int(v) for v in (~ok).sum(1)),
                    (sweep.steps[int(r)], int(c)))


# -- predictions -----------------------------------------------------------------------------------

def predicted_exponents(schedule, method: str, zeta: Any = None) -> dict[str, Any]:
    r"""From :func:`derivations.discretization.last_step`: :math:`p` (order of :math:`\sigma`), the
    deterministic exponent :math:`\min(p+\operatorname{ord}A,\operatorname{ord}D)`, the noise order
    and the total :math:`\min` of the two (SymPy numbers, ``oo`` for an exact last step)."""
    import sympy as sp

    from derivations.discretization import last_step

    ls = last_step(schedule, method, zeta)
    total = sp.Min(ls.exponent, ls.noise_order)
    return {"p": ls.p, "deterministic": ls.exponent, "noise": ls.noise_order, "total": total,
            "agrees": ls.agrees, "last_step": ls}


# -- spot checks in balls --------------------------------------------------------------------------

@dataclass(frozen=True)
class SpotCell:
    r"""One (schedule, K) cell re-run in balls for the first ``count`` starts."""

    K: int
    digits: int
    count: int
    max_radius: float
    max_disagreement: float  # max |dev_float64 - dev_mid|
    tolerance: float
    agree: bool
    dev_lower: tuple[float, ...]
    dev_upper: tuple[float, ...]
    near_tie: tuple[bool, ...]  # below the last-step margin
    seconds: float


def _subset_paths(noise: BrownianPaths, count: int) -> BrownianPaths:
    sub = BrownianPaths(noise.seed, count, noise.d, noise.fine_steps)
    sub._draws = noise.draws[:, :count, :]  # the same draws as the first ``count`` paths
    return sub


def spot_check(sweep: Sweep, schedule, data: Any, starts: np.ndarray, *, digits: int = 50, count: int = 20,
               cells: Sequence[int] | None = None, seed: int = 0,
               progress: Callable[[str], None] | None = None) -> list[SpotCell]:
    r"""Re-run the first ``count`` starts of ``sweep`` in balls at ``digits`` digits (exact data and
    starts; for Euler–Maruyama the same Brownian draws) for the step sizes ``cells`` (indices, all by
    default); compare with float64 and bound the deviation."""
    from flint import ctx as flint_ctx

    Xq = exact_rows(data)
    Sq = exact_rows(np.asarray(starts, dtype=float)[:count])
    X = np.array([[float(v) for v in row] for row in data])
    stochastic = SamplerSpec(schedule, sweep.method).stochastic
    noise = None
    if stochastic:
        noise = _subset_paths(BrownianPaths(seed, len(starts), X.shape[1], max(sweep.steps)), count)
    out = []
    for r in (range(len(sweep.steps)) if cells is None else cells):
        K = sweep.steps[r]
        if progress is not None:
            progress(f"{sweep.method} on {sweep.schedule}: K = {K}, {count} starts at {digits} digits")
        t0 = time.perf_counter()
        run = run_sampler(Xq, Sq, SamplerSpec(schedule, sweep.method, K, sweep.t_start, sweep.zeta),
                          digits=digits, noise=noise)
        lows, ups, dis = [], [], 0.0
        with flint_ctx.workdps(digits):  # the atoms enter at the run's precision
            for p, row in enumerate(run.endpoints):
                _, dist = nearest_sample_balls(Xq, row)
                lows.append(float(dist.lower()))
                ups.append(float(dist.upper()))
                dis = max(dis, abs(float(dist.mid()) - sweep.dev[r, p]))
        # float64: about 1e-16 relative per operation, amplified along the path, and coefficients
        # that vanish exactly (sin(pi) = 1.2e-16 in float64 gives a spurious noise 1e-8 sqrt(h))
        tol = 1e-7 * max(sweep.scale, 1.0) + run.max_radius()
        near = tuple(bool(v) for v in ~sweep.outside_band[r, :count])
        far = [p for p in range(count) if not near[p]]
        agree = all(abs((lows[p] + ups[p]) / 2 - sweep.dev[r, p]) <= tol for p in far)
        out.append(SpotCell(K, digits, count, run.max_radius(), dis, tol, agree, tuple(lows), tuple(ups),
                            near, time.perf_counter() - t0))
    return out


# -- the Gaussian term of Euler-Maruyama -----------------------------------------------------------

@dataclass(frozen=True)
class GaussianTerm:
    r"""The Gaussian term of one Euler–Maruyama cell: tail law from :math:`t_j` and its test."""

    K: int
    tail_steps: int
    t_tail: Fraction
    gain: str  # g (ball)
    coefficient: str  # c (ball)
    variance: str  # v (ball)
    sqrt_v: float
    sqrt_v_full: float  # sqrt of the variance of the whole K-step one-atom law
    included: int
    total: int
    tail_bound: float  # largest softmax-residual bound among included paths
    ks_radial: tuple[float, float]  # (D, p) of |r|^2 / v vs chi^2_d
    ks_pooled: tuple[float, float]  # (D, p) of the coordinates of r / sqrt v vs N(0, 1)
    deterministic: tuple[float, ...]  # |g Z_tj + (c - 1) X_i| per included path

    @property
    def p_min(self) -> float:
        return min(self.ks_radial[1], self.ks_pooled[1])


def gaussian_term(schedule, method: str, X: np.ndarray, run, *, zeta: Any = None, digits: int = 50,
                  committed: float = 1e-6, share: float = 0.9) -> GaussianTerm:
    r"""Test the Gaussian term of one recorded Euler–Maruyama run (see the module docstring).

    The tail start :math:`t_j=t_{\rm start}2^{-q}` is the earliest with at least ``share`` of the
    paths committed (softmax-residual bound at most ``committed`` times :math:`\sqrt v`)."""
    from derivations.discretization import one_atom_law

    spec = run.spec
    K, h = spec.steps, spec.h
    times = time_grid(K, spec.t_start)
    co = compiled_schedule(schedule, method, zeta).floats(times)
    A = 1 - float(h) * co["a"]  # per step, k = K..1 (index 0 is the first step)
    C = -float(h) * co["c"]
    Zs, ms = run.trace["Z"], run.trace["m"]  # (K, M, d)
    Z0 = np.asarray(run.endpoints)
    atom = ((ms[-1][:, None, :] - X[None]) ** 2).sum(-1).argmin(1)
    candidates = sorted({max(1, K >> q) for q in range(1, max(2, K.bit_length()))}, reverse=True)
    # only tails of at most max(candidates) steps are tested: steps first..K-1 (the cumulative sum
    # runs from the last step, so its entries there are those of the full sum)
    first = K - candidates[0]
    eps = np.sqrt(((ms[first:] - X[atom][None]) ** 2).sum(-1))  # (K - first, M)
    # P_k: product of the A of the steps after step k; bound_j = sum_{k in tail} |P_k C_k| eps_k
    after = np.ones(K)
    for i in range(K - 2, -1, -1):
        after[i] = after[i + 1] * A[i + 1]
    weight = np.abs(after * C)[first:, None] * eps  # (K - first, M)
    tail_bound = np.cumsum(weight[::-1], axis=0)[::-1]  # tail_bound[i - first]: steps i..K-1
    full = one_atom_law(schedule, method, K, Fraction(spec.t_start), zeta, digits)
    choice = None
    for j in candidates:
        law = one_atom_law(schedule, method, j, Fraction(spec.t_start) * j / K, zeta, digits)
        sv = math.sqrt(max(float(law.variance.mid()), 0.0))
        ok = tail_bound[K - j - first] <= committed * sv if sv > 0 else np.zeros(len(Z0), dtype=bool)
        choice = (j, law, sv, ok)
        if ok.mean() >= share:
            break
    j, law, sv, ok = choice
    tail = tail_bound[K - j - first]
    g, c, v = (float(law.gain.mid()), float(law.coefficient.mid()), float(law.variance.mid()))
    Ztj = Zs[K - j]
    resid = Z0 - g * Ztj - c * X[atom]
    sel = ok & np.isfinite(resid).all(1)
    r = resid[sel]
    d = X.shape[1]
    if len(r) >= 8 and v > 0:
        radial = ks_test((r * r).sum(1) / v, lambda x: chi2_cdf(x, d))
        pooled = ks_test((r / math.sqrt(v)).ravel(), normal_cdf)
    else:
        radial = pooled = (float("nan"), float("nan"))
    det = np.sqrt(((g * Ztj[sel] + (c - 1) * X[atom][sel]) ** 2).sum(1))
    return GaussianTerm(K, j, Fraction(spec.t_start) * j / K, law.gain.str(12), law.coefficient.str(12),
                        law.variance.str(12), sv, math.sqrt(max(float(full.variance.mid()), 0.0)),
                        int(sel.sum()), len(Z0), float(tail[sel].max()) if sel.any() else 0.0,
                        (float(radial[0]), float(radial[1])), (float(pooled[0]), float(pooled[1])),
                        tuple(map(float, det)))


# -- strong errors ---------------------------------------------------------------------------------

def strong_errors(sweep: Sweep, *, seed: int = 0, boot: int = 400) -> tuple[np.ndarray, ExponentFit]:
    r"""Path-by-path :math:`\lVert\hat Z_0^{(h)}-\hat Z_0^{(h/2)}\rVert` between consecutive step sizes
    (coupled noise; the sweep's steps must double) and the fitted order of its median."""
    diffs = np.sqrt(((sweep.endpoints[:-1] - sweep.endpoints[1:]) ** 2).sum(-1))
    fit = fit_exponent(sweep.h[:-1], diffs, "median", floor=sweep.floor, seed=seed, boot=boot)
    return diffs, fit
