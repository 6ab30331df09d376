r"""The shared numeric study of the estimation-error claims (LLY25-T3, C1..C3, LLY26-T4..T7).

Gaussian starts on ``builtin:triangle`` are run by Euler (and Euler–Maruyama with coupled noise)
for every error family at once: one stacked error field, one block of rows per family plus an
oracle block with the same starts, at a ladder of step sizes. The study is computed once per run
settings and shared by the claims of the family (their catalogue ``group``).
``vp-linear-sigma`` is singular at :math:`t=1` and starts at :math:`t=63/64`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from derivations.schedules import BUILTIN_SCHEDULES, Schedule, builtin_schedule

from ...datasets import load_dataset
from ...registry import RunContext
from ...sampling import BrownianPaths, FieldState, SamplerError, SamplerSpec, parse_error, run_sampler
from ...sampling.errors import ConstantDirectionError, InverseDensityError, RandomSmoothError
from ...sampling.fitting import (
    accumulated_error,
    error_ratio,
)
from ...verdicts import ClaimResult, Evidence, Verdict, decide

__all__ = ["FAMILIES", "FAMILY_KEYS", "KAPPA", "PROFILE", "PROFILE_TEXT", "COMMIT", "DATASET", "ORACLE",
           "VP_START", "Study", "Runs", "Settings", "shared_study", "settings_for", "stacked_error",
           "schedule_names", "schedule_named", "start_time", "family_rows", "derived_limits",
           "distance_to_limit", "shift_unit", "sigma_order", "error_direction", "random_field",
           "estimation_vector", "run_schedule", "finish_claim", "format_number", "rate_text"]


#: The error families studied (key -> spec of :func:`verify.sampling.parse_error`).
FAMILIES: dict[str, str] = {
    "bounded": "bounded:eps=1/2",
    "critical": "critical:lambda=1/4",
    "growing": "growing:lambda=1/10,kappa=1/2",
    "inverse-density": "inverse-density:lambda=1/2",
    "random-bounded": "random:eps=1/2,modes=8,seed=1,profile=bounded",
    "random-critical": "random:eps=1/4,modes=8,seed=1,profile=critical",
}
#: Exponent of the growing family.
KAPPA = sp.Rational(1, 2)
#: Time profile of each family (:data:`derivations.estimation.PROFILES`).
PROFILE = {"bounded": "bounded", "random-bounded": "bounded", "critical": "critical",
           "random-critical": "critical", "growing": "growing", "inverse-density": None}
DATASET = "builtin:triangle"
VP_START = Fraction(63, 64)
COMMIT = "the trajectory commits to one training sample (lim m(Z_t, t) exists; no exact tie)"


# -- the stacked error field and the tiled noise --------------------------------------------------------

#: Error fields whose ``floats`` read no per-row entry of the state (``m``, ``log_kernel_sum``).
_STATE_FREE = (ConstantDirectionError, RandomSmoothError)
#: Error fields that can write their values into a slice (``floats_into``, the same bits as ``floats``).
_INTO = (*_STATE_FREE, InverseDensityError)


@dataclass
class _Stacked:
    """Row block ``i`` (``block`` rows) gets error field ``fields[i]`` (None: no error)."""

    fields: list[Any]
    block: int
    label: str = "stacked"
    family: str = "stacked"
    needs_density: bool = True

    def _sub(self, s: FieldState, i: int) -> tuple[slice, FieldState]:
        sl = slice(i * self.block, (i + 1) * self.block)
        return sl, FieldState(s.t, s.alpha, s.sigma, s.dsigma, None if s.m is None else s.m[sl],
                              None if s.log_kernel_sum is None else s.log_kernel_sum[sl], s.precise)

    def floats(self, Z: np.ndarray, state: FieldState) -> np.ndarray:
        out = np.empty_like(Z)
        for i, f in enumerate(self.fields):
            sl = slice(i * self.block, (i + 1) * self.block)
            if f is None:
                out[sl] = 0.0
            elif type(f) in _STATE_FREE:  # reads t and the schedule values only: no per-row slices
                f.floats_into(out[sl], Z[sl], state)
            elif type(f) in _INTO:
                f.floats_into(out[sl], Z[sl], self._sub(state, i)[1])
            else:
                out[sl] = f.floats(Z[sl], self._sub(state, i)[1])
        return out

    def balls(self, rows, state):
        from flint import arb

        out: list = []
        for i, f in enumerate(self.fields):
            sl, st = self._sub(state, i)
            part = rows[sl]
            out.extend([[arb(0) for _ in r] for r in part] if f is None else f.balls(part, st))
        return out

    def sup_norm(self, state: FieldState) -> float | None:
        return None


def stacked_error(specs: list[str | None], block: int) -> _Stacked:
    """One error field for a batch made of ``len(specs)`` blocks of ``block`` rows each (None: the
    oracle), so that every family runs in one batch with the same starts."""
    return _Stacked([None if s is None else parse_error(s) for s in specs], block)


@dataclass
class _Tiled(BrownianPaths):
    """Brownian paths of ``paths // copies`` starts repeated ``copies`` times (coupled blocks)."""

    copies: int = 1

    @property
    def draws(self) -> np.ndarray:
        if self._draws is None:
            base = BrownianPaths(self.seed, self.paths // self.copies, self.d, self.fine_steps).draws
            self._draws = np.tile(base, (1, self.copies, 1))
        return self._draws

    def normals(self, steps: int) -> np.ndarray:
        """The coarse normals of the ``paths // copies`` starts, repeated: the same values as summing
        the repeated fine draws (each entry is the same sum of the same terms), 1/copies of the work."""
        self._ratio(steps)
        base = BrownianPaths(self.seed, self.paths // self.copies, self.d, self.fine_steps)
        return np.tile(base.normals(steps), (1, self.copies, 1))


# -- settings and the shared study ----------------------------------------------------------------------

@dataclass(frozen=True)
class Settings:
    starts: int
    steps: tuple[int, ...]
    em_steps: tuple[int, ...]
    ball_steps: int
    one_atom: int
    one_atom_steps: tuple[int, ...]


def settings_for(ctx: RunContext) -> Settings:
    if ctx.quick:
        return Settings(40, (32, 64, 128, 256, 512), (64, 256, 1024), 32, 500, (256, 1024))
    return Settings(100, (16, 32, 64, 128, 256, 512, 1024, 2048), (64, 256, 1024, 4096), 64, 2000,
                     (256, 1024, 4096))


def schedule_names(ctx: RunContext) -> tuple[str, ...]:
    return ctx.schedules or BUILTIN_SCHEDULES


def schedule_named(name: str) -> Schedule:
    from derivations.schedules import resolve_schedule

    return builtin_schedule(name) if name in BUILTIN_SCHEDULES else resolve_schedule(name)


def start_time(schedule: Schedule) -> Fraction:
    """1, or 63/64 where a sampler coefficient is singular at t = 1 (vp-linear-sigma)."""
    from ...sampling import compiled_schedule

    try:
        compiled_schedule(schedule, "euler-maruyama").floats([Fraction(1)])
        compiled_schedule(schedule, "euler").floats([Fraction(1)])
        return Fraction(1)
    except SamplerError:
        return VP_START


@dataclass
class Runs:
    """Everything measured on one schedule (float64 ladders, balls, Euler–Maruyama)."""

    name: str
    t_start: Fraction
    steps: tuple[int, ...]
    ends: dict[int, np.ndarray] = field(default_factory=dict)
    eacc: dict[int, np.ndarray] = field(default_factory=dict)
    ratio_t: np.ndarray | None = None
    ratio: np.ndarray | None = None  # (blocks, times): max over the block's paths
    ball: dict[str, Any] = field(default_factory=dict)
    em_ends: dict[int, np.ndarray] = field(default_factory=dict)
    em_eacc: dict[int, np.ndarray] = field(default_factory=dict)
    est: dict[int, np.ndarray] = field(default_factory=dict)  # h sum_k P_k e_k per row
    em_est: dict[int, np.ndarray] = field(default_factory=dict)
    seconds: float = 0.0

    def h(self, K: int) -> float:
        return float(self.t_start) / K


@dataclass
class Study:
    data: list[list[Fraction]]
    X: np.ndarray
    starts: np.ndarray
    settings: Settings
    runs: dict[str, Runs]
    tol: float


_CACHE: dict[tuple, Study] = {}
FAMILY_KEYS = tuple(FAMILIES)
ORACLE = len(FAMILY_KEYS)  # index of the oracle block


def family_rows(i: int, M: int) -> slice:
    return slice(i * M, (i + 1) * M)


def estimation_vector(run: Any) -> np.ndarray:
    r"""The estimation term :math:`h\sum_kP_ke_k` per row (:math:`P_k=\prod_{j>k}(1-ha_j)`): exactly,
    :math:`\hat Z_0+h\sum_kP_ke_k` is what the same scheme, driven by the same denoiser values (and
    noise), would have produced without the error."""
    from ...sampling import compiled_schedule
    from ...sampling.fitting import _later_products

    spec = run.spec
    co = compiled_schedule(spec.schedule, spec.method, spec.zeta).floats(run.trace["times"])
    h = float(spec.h)
    P = _later_products(1 - h * co["a"])
    with np.errstate(invalid="ignore", over="ignore"):
        return h * np.einsum("k,krd->rd", P, run.trace["e"])


def run_schedule(name: str, data, starts: np.ndarray, s: Settings, ctx: RunContext) -> Runs:
    schedule = schedule_named(name)
    t_start = start_time(schedule)
    M, d = starts.shape
    B = len(FAMILY_KEYS) + 1
    field_ = stacked_error([*FAMILIES.values(), None], M)
    rows = np.tile(starts, (B, 1))
    runs = Runs(name, t_start, s.steps)
    began = time.perf_counter()
    ctx.progress(f"estimation: Euler ladder on {name} ({len(s.steps)} step sizes x {B * M} paths)")
    for K in s.steps:
        run = run_sampler(data, rows, SamplerSpec(schedule, "euler", K, t_start, error=field_), record=("e",))
        runs.ends[K] = run.endpoints
        runs.eacc[K] = accumulated_error(run)
        runs.est[K] = estimation_vector(run)
        if K == s.steps[-1]:
            times, ratio = error_ratio(run)
            picks = [K // 2**j for j in range(4, 40) if K % 2**j == 0 and K // 2**j >= 1]
            picks = sorted(set(picks) | {1})
            idx = [K - k for k in picks]  # step index of grid time t_start * k / K
            runs.ratio_t = times[idx]
            runs.ratio = np.array([ratio[idx][:, family_rows(i, M)].max(axis=1) for i in range(B)])
        del run
    # balls: the first start of every block at ball_steps, against the float run at the same K
    ctx.progress(f"estimation: ball spot check on {name} ({ctx.digits} digits)")
    one = stacked_error([*FAMILIES.values(), None], 1)
    exact_start = [[Fraction(float(v)) for v in starts[0]]] * B
    Kb = s.ball_steps
    ball = run_sampler(data, exact_start, SamplerSpec(schedule, "euler", Kb, t_start, error=one),
                       digits=ctx.digits)
    float_rows = run_sampler(data, np.tile(starts[:1], (B, 1)),
                             SamplerSpec(schedule, "euler", Kb, t_start, error=one)).endpoints
    finite = [all(v.is_finite() for v in row) for row in ball.endpoints]
    runs.ball = {"K": Kb, "endpoints": ball.endpoints, "finite": finite, "float": float_rows,
                 "radius": max(
                     (float(v.rad()) for row, ok in zip(ball.endpoints, finite, strict=True) if ok
                      for v in row), default=math.nan), "seconds": ball.seconds}
    # Euler-Maruyama with noise coupled across step sizes and shared by the blocks of one start
    ctx.progress(f"estimation: Euler-Maruyama on {name} ({len(s.em_steps)} step sizes, coupled noise)")
    noise = _Tiled(ctx.seed, B * M, d, max(s.em_steps), copies=B)
    for K in s.em_steps:
        run = run_sampler(data, rows, SamplerSpec(schedule, "euler-maruyama", K, t_start, error=field_),
                          noise=noise, record=("e",))
        runs.em_ends[K] = run.endpoints
        runs.em_eacc[K] = accumulated_error(run)
        runs.em_est[K] = estimation_vector(run)
        del run
    runs.seconds = time.perf_counter() - began
    return runs


def shared_study(ctx: RunContext) -> Study:
    key = (ctx.digits, ctx.seed, ctx.quick, ctx.schedules)
    if key not in _CACHE:
        s = settings_for(ctx)
        data = load_dataset(DATASET)
        X = np.array([[float(v) for v in row] for row in data])
        starts = np.random.default_rng([ctx.seed, 0xE57]).standard_normal((s.starts, X.shape[1]))
        gaps = [float(np.linalg.norm(X[i] - X[j])) for i in range(len(X)) for j in range(i)]
        runs = {name: run_schedule(name, data, starts, s, ctx) for name in schedule_names(ctx)}
        _CACHE.clear()
        _CACHE[key] = Study(data, X, starts, s, runs, min(gaps) / 20)
    return _CACHE[key]


# -- derived limits -------------------------------------------------------------------------------------

def shift_unit(schedule: Schedule, profile: str) -> sp.Expr:
    from derivations.estimation import error_shift

    return error_shift(schedule, profile, KAPPA if profile == "growing" else None).limit


def error_direction(err: Any, d: int) -> np.ndarray:
    v = np.zeros(d)
    if getattr(err, "direction", None) is None:
        v[0] = 1.0
    else:
        v[:] = [float(q) for q in err.direction]
    return v


def random_field(err: Any, d: int):
    a, w, phi = (np.array(v, dtype=float) for v in err.features(d))
    lip = float(np.mean(np.linalg.norm(a, axis=1) * np.linalg.norm(w, axis=1)))
    return (lambda z: (np.cos(z @ w.T + phi) @ a) / err.modes), lip


def derived_limits(schedule: Schedule, family: str, X: np.ndarray) -> tuple[np.ndarray | None, str]:
    """Candidate limit points (one per atom) of a family's endpoints, and how they were derived."""
    err = parse_error(FAMILIES[family])
    d = X.shape[1]
    prof = PROFILE[family]
    if family in ("bounded", "random-bounded", "inverse-density"):
        return X.copy(), "X_k (shift 0)"
    unit = shift_unit(schedule, prof) if prof is not None else sp.S.Zero
    if family in ("critical", "random-critical") and not (unit.is_real and unit.is_finite):
        return None, f"derived shift per unit lim -g sigma/sigma' = {unit} is not finite"
    if family == "critical":
        u = float(unit)
        shift = u * float(err.scale) * error_direction(err, d)
        return X + shift, f"X_k + ({sp.sstr(unit)}) * lambda v = X_k + {shift.tolist()}"
    if family == "random-critical":
        u = float(unit)
        f, lip = random_field(err, d)
        eps = float(err.scale)
        pts = []
        worst = 0.0
        for x in X:
            z = x.copy()
            for _ in range(200):
                z_new = x + u * eps * f(z[None, :])[0]
                step = float(np.linalg.norm(z_new - z))
                z = z_new
                if step < 1e-16:
                    break
            L = eps * lip
            worst = max(worst, L / (1 - L) * step if L < 1 else math.inf)
            pts.append(z)
        return np.array(pts), (f"fixed points Z = X_k + ({sp.sstr(unit)}) eps f(Z) "
                               f"(contraction, Lipschitz <= {eps * lip:.3f}; Banach error <= {worst:.1e})")
    return None, "diverges"


def distance_to_limit(ends: np.ndarray, limits: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", over="ignore"):
        D = np.sqrt(((ends[:, None, :] - limits[None, :, :]) ** 2).sum(axis=2))
    D = np.where(np.isfinite(D), D, np.inf)
    return D.min(axis=1)


def sigma_order(schedule: Schedule) -> sp.Expr:
    from derivations.estimation import order_at_zero

    return order_at_zero(schedule.sigma, "sigma")


def format_number(x: float) -> str:
    return "inf" if math.isinf(x) else "nan" if math.isnan(x) else f"{x:.3g}"


def rate_text(fit: tuple[float, float] | None) -> str:
    return "n/a" if fit is None else f"{fit[0]:.3f} +- {fit[1]:.3f}"


# -- numeric evidence per family ------------------------------------------------------------------------


PROFILE_TEXT = {"bounded": "1", "critical": "sigma'/sigma", "growing": f"(sigma'/sigma) sigma^-{KAPPA}"}




def finish_claim(claim: str, evidence: list[Evidence], started: float, condition: str, summary: str,
            figures: dict[str, bytes] | None = None) -> ClaimResult:
    status, text = decide(evidence, claim)
    result = ClaimResult(claim, status, text, evidence, time.perf_counter() - started,
                         figures=figures or {})
    if status is Verdict.VERIFIED:
        result.status = Verdict.CONDITIONAL
        result.condition = condition
        result.summary = f"{summary} ({len(evidence)} checks passed; statement reconstructed)"
    return result
