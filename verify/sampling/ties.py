r"""Near ties under discretization: the starts whose discrete path ends *between* samples.

A start **ends between samples** when its endpoint deviation exceeds a quarter of the smallest
pairwise distance, :math:`\min_i\lVert\hat Z_0-X_i\rVert>\Delta_{\min}/4`. Such endpoints break
every margin-free bound :math:`\min_i\lVert\hat Z_0-X_i\rVert\le C\sqrt h` once
:math:`C\sqrt h<\Delta_{\min}/4`.

* :func:`tie_probability` — Monte Carlo frequency of such endpoints from Gaussian starts, per
  step size, with Wilson 95 % intervals (float64 batch).
* :func:`band_width` — on the two atoms :math:`X=\{(-1,0),(1,0)\}` the logits depend on the first
  coordinate only, so the band of starts :math:`(s,y_0)` that end between the atoms is a strip
  :math:`|s|<w(h)` around the tie set :math:`\{s=0\}`. Its half-width is found by multisection
  in :math:`\log s` with every start classified in ball arithmetic (digits chosen from the
  expected width, raised when a ball straddles the threshold).
* :func:`linearized_gain` — the expectation: near the tie the first coordinate :math:`u` obeys the
  derived step map with :math:`m_1=\tanh(\alpha u/\sigma^2)` (logit gap
  :math:`\alpha\Delta\delta/\sigma^2=2\alpha u/\sigma^2`), linearized
  :math:`u'=\lambda_k u`, :math:`\lambda_k=1-ha_k-hc_k\alpha_k/\sigma_k^2`; so :math:`w(h)\,G(h)=O(1)`
  with :math:`G=\prod_k|\lambda_k|`. For :math:`\sigma\approx t^p` the factors exceed 1 while
  :math:`k^{1+2p}<p\,h^{-2p}`, whence :math:`\log G\approx(1+2p)\,p^{1/(1+2p)}\,h^{-2p/(1+2p)}`:
  the band is :math:`\exp(-c\,h^{-2p/(1+2p)})` thin (linear: :math:`h^{-2/3}`, not the
  :math:`h^{-2}` of the continuous flow stopped at :math:`t=h`).
* :func:`exact_tie` — the start :math:`(0,y_0)`: by the reflection :math:`(x,y)\mapsto(-x,y)`,
  which swaps the atoms, the first coordinate stays exactly 0 (equal logits, equal weights,
  :math:`m=0`), so :math:`\hat Z_0=(0,\cdot)` and the deviation is at least 1 for every
  :math:`h`; the ball computation confirms it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from ..statistics import wilson
from .coefficients import compiled_schedule, time_grid
from .laws import start_time
from .samplers import SamplerSpec, nearest_sample_balls, run_sampler

__all__ = [
    "TWO_ATOMS",
    "TIE_START",
    "between_threshold",
    "TieProbability",
    "tie_probability",
    "linearized_gain",
    "gain_asymptotics",
    "BandWidth",
    "band_width",
    "ExactTie",
    "exact_tie",
]

#: The two atoms of the band computations.
TWO_ATOMS: list[list[Fraction]] = [[Fraction(-1), Fraction(0)], [Fraction(1), Fraction(0)]]
#: A start on their tie set.
TIE_START: tuple[Fraction, Fraction] = (Fraction(0), Fraction(1, 3))
#: The 97.5 % normal quantile.


def between_threshold(data: Any) -> float:
    r""":math:`\Delta_{\min}/4`, a quarter of the smallest nonzero pairwise distance."""
    X = np.array([[float(v) for v in row] for row in data])
    D = np.sqrt(((X[:, None, :] - X[None]) ** 2).sum(-1))
    off = D[~np.eye(len(X), dtype=bool)]
    return float(off[off > 0].min()) / 4


@dataclass(frozen=True)
class TieProbability:
    """Frequency of endpoints between samples, per step size."""

    schedule: str
    method: str
    data: str
    threshold: float
    steps: tuple[int, ...]
    n: int
    counts: tuple[int, ...]
    seconds: float

    @property
    def p(self) -> tuple[float, ...]:
        return tuple(k / self.n for k in self.counts)

    @property
    def intervals(self) -> tuple[tuple[float, float], ...]:
        return tuple(wilson(k, self.n) for k in self.counts)


def tie_probability(schedule, method: str, data: Any, steps: Sequence[int], *, count: int = 10_000,
                    seed: int = 0, name: str = "", zeta: Any = None,
                    progress: Callable[[str], None] | None = None) -> TieProbability:
    r"""Monte Carlo over ``count`` standard normal starts (and Brownian paths) per step size."""
    from .noise import BrownianPaths

    started = time.perf_counter()
    X = np.array([[float(v) for v in row] for row in data])
    thr = between_threshold(data)
    starts = np.random.default_rng([seed, 0x71E5]).standard_normal((count, X.shape[1]))
    t_start = start_time(schedule, method, zeta)
    stochastic = SamplerSpec(schedule, method).stochastic
    noise = BrownianPaths(seed, count, X.shape[1], max(steps)) if stochastic else None
    counts = []
    for K in steps:
        if progress is not None:
            progress(f"near ties: {method} on {schedule.name}, {name}, K = {K}")
        run = run_sampler(X, starts, SamplerSpec(schedule, method, K, t_start, zeta), noise=noise)
        Z = np.asarray(run.endpoints)
        with np.errstate(invalid="ignore", over="ignore"):
            dev = np.sqrt(((Z[:, None, :] - X[None]) ** 2).sum(-1)).min(1)
        counts.append(int(np.count_nonzero(~(dev <= thr))))  # non-finite counts as between
    return TieProbability(schedule.name, method, name, thr, tuple(int(k) for k in steps), count,
                          tuple(counts), time.perf_counter() - started)


# -- the band of the two atoms ---------------------------------------------------------------------

def linearized_gain(schedule, steps: int, t_start: Fraction | None = None, digits: int = 30) -> float:
    r""":math:`\log_{10}G`, :math:`G=\prod_k|1-ha_k-hc_k\alpha_k/\sigma_k^2|`: the gain of the derived
    Euler step map linearized at the tie of :math:`\pm e_1` (all :math:`K` steps, balls)."""
    from flint import arb, ctx

    from derivations.exact import to_arb

    t_start = start_time(schedule) if t_start is None else Fraction(t_start)
    times = time_grid(steps, t_start)
    old = ctx.dps
    ctx.dps = digits
    try:
        co = compiled_schedule(schedule, "euler").balls(times)
        h = to_arb(t_start / steps)
        total = arb(0)
        for k in range(steps):
            lam = 1 - h * co["a"][k] - h * co["c"][k] * co["alpha"][k] / (co["sigma"][k] ** 2)
            total += abs(lam).log()
        return float((total / arb(10).log()).mid())
    finally:
        ctx.dps = old


def gain_asymptotics(p: float, h: float) -> float:
    r""":math:`\log_{10}` of the leading asymptotics :math:`(1+2p)\,p^{1/(1+2p)}\,h^{-2p/(1+2p)}` of
    :math:`\log G` for :math:`\sigma\approx t^p`, :math:`\alpha\approx1`."""
    q = 1 + 2 * p
    return q * p ** (1 / q) * h ** (-2 * p / q) / math.log(10)


def _fraction_of_log10(value: float, significant: int = 8) -> Fraction:
    """The decimal 10^value rounded to ``significant`` digits, as an exact Fraction."""
    e = math.floor(value)
    mant = round(10 ** (value - e + significant - 1))
    power = e - significant + 1
    return Fraction(mant) * Fraction(10) ** power


@dataclass(frozen=True)
class BandWidth:
    r"""Half-width :math:`w(h)` of the strip of starts :math:`(s,y_0)` that end between the two
    atoms: every :math:`0<s\le` ``lower`` ends between them, ``upper`` does not (certified)."""

    schedule: str
    K: int
    h: Fraction
    lower: Fraction | None
    upper: Fraction | None
    digits: int
    gain_log10: float
    runs: int
    certified: bool
    monotone: bool
    everything: bool  # even s = cap (default 1, the atoms' first coordinate) ends between them
    seconds: float

    @property
    def log10_width(self) -> float | None:
        if self.lower is None or self.upper is None:
            return None
        return (_log10(self.lower) + _log10(self.upper)) / 2


def _log10(q: Fraction) -> float:
    return math.log10(q.numerator) - math.log10(q.denominator)


def _classify(schedule, K: int, t_start: Fraction, ss: Sequence[Fraction], y0: Fraction, digits: int,
              thr: Fraction) -> list[bool | None]:
    """Between (True), not (False) or undecided (None), per start (s, y0), in balls."""
    from flint import ctx

    from derivations.exact import to_arb

    run = run_sampler(TWO_ATOMS, [[s, y0] for s in ss], SamplerSpec(schedule, "euler", K, t_start),
                      digits=digits)
    out: list[bool | None] = []
    with ctx.workdps(digits):
        t = to_arb(thr)
        for row in run.endpoints:
            _, dist = nearest_sample_balls(TWO_ATOMS, row)
            out.append(True if dist > t else False if dist < t else None)
    return out


def band_width(schedule, K: int, *, y0: Fraction = TIE_START[1], rel: float = 0.01, points: int = 15,
               cap: Fraction = Fraction(1), min_digits: int = 30, max_runs: int = 24) -> BandWidth:
    r"""Certified bracket of the band half-width for :math:`K` Euler steps (see the module docstring).

    Starts :math:`(s,y_0)`, :math:`s>0` rational; the guess :math:`s\approx1/(2G)` from
    :func:`linearized_gain` sets the first bracket and the digits (:math:`-\log_{10}s+30`)."""
    started = time.perf_counter()
    t_start = start_time(schedule)
    thr = Fraction(1, 2)  # Delta_min / 4 for the two atoms at distance 2
    gain = linearized_gain(schedule, K, t_start)
    guess = -max(gain, 0.0) - math.log10(2)
    lo_l, hi_l = guess - 4, min(guess + 4, _log10(cap))
    runs, certified, monotone, everything = 0, True, True, False

    def digits_for(log_s: float) -> int:
        return max(min_digits, int(-log_s) + 30)

    def classify(logs: list[float], extra: int = 0) -> list[tuple[Fraction, bool | None]]:
        nonlocal runs
        ss = [_fraction_of_log10(v) for v in logs]
        runs += 1
        res = _classify(schedule, K, t_start, ss, y0, digits_for(min(logs)) + extra, thr)
        if any(r is None for r in res):
            runs += 1
            res = _classify(schedule, K, t_start, ss, y0, digits_for(min(logs)) + extra + 40, thr)
        return list(zip(ss, res, strict=True))

    lower = upper = None
    # bracket: the lower end must end between the atoms, the upper end must not
    while runs < max_runs:
        (s_lo, c_lo), (s_hi, c_hi) = classify([lo_l, hi_l])
        if c_lo is not True:
            lo_l -= 8
            continue
        if c_hi is not False:
            if hi_l >= _log10(cap) - 1e-12:
                everything, lower = True, s_hi
                break
            hi_l = min(hi_l + 4, _log10(cap))
            continue
        lower, upper = s_lo, s_hi
        break
    while lower is not None and upper is not None and upper / lower > 1 + rel and runs < max_runs:
        a, b = _log10(lower), _log10(upper)
        grid = [a + (b - a) * (i + 1) / (points + 1) for i in range(points)]
        res = classify(grid)
        seen_false = False
        for s, c in res:
            if c is None:
                certified = False
                continue
            if c and seen_false:
                monotone = False
            if c and not seen_false:
                lower = max(lower, s)
            if not c:
                seen_false = True
                upper = min(upper, s)
        if upper <= lower:
            monotone = False
            break
    h = t_start / K
    return BandWidth(schedule.name, K, h, lower, upper, digits_for(_log10(lower) if lower else guess),
                     gain, runs, certified, monotone, everything, time.perf_counter() - started)


# -- the exact tie ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExactTie:
    r"""Endpoint of the start :math:`(0,y_0)` on the tie set of the two atoms."""

    schedule: str
    method: str
    K: int
    h: Fraction
    t_start: Fraction
    x_zero: bool  # the first coordinate's ball is exactly 0 (radius 0)
    x_contains_zero: bool
    y_mid: str
    deviation_lower: float
    deviation: str  # ball


def exact_tie(schedule, K: int, *, start: tuple[Fraction, Fraction] = TIE_START,
              digits: int = 50) -> ExactTie:
    r"""Run Euler from ``start`` on :data:`TWO_ATOMS` in balls and certify the deviation."""
    t_start = start_time(schedule)
    from flint import ctx

    run = run_sampler(TWO_ATOMS, [list(start)], SamplerSpec(schedule, "euler", K, t_start), digits=digits)
    x, y = run.endpoints[0]
    with ctx.workdps(digits):
        _, dist = nearest_sample_balls(TWO_ATOMS, run.endpoints[0])
    return ExactTie(schedule.name, "euler", K, t_start / K, t_start, bool(x.is_exact() and x == 0),
                    bool(x.contains(0)), y.mid().str(12), float(dist.lower()), dist.str(15))
