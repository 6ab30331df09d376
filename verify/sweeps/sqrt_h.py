r"""``memverify sweep sqrt-h``: the :math:`\sqrt h` grid of LLY26-T2 (Euler) / LLY26-T3
(Euler–Maruyama) as tasks.

**Grid.** Schedules (the claim's: the four built-ins and the quarter-power schedule
:math:`\sigma=t^{1/4}`, :func:`verify.sampling.laws.sweep_schedule`) :math:`\times` step counts
:math:`K` :math:`\times` chunks of starts; a task runs the float64 batch sampler
(:func:`verify.sampling.samplers.run_sampler`) from :math:`t_{\rm start}`
(:func:`verify.sampling.laws.start_time`) with :math:`h=t_{\rm start}/K` and records per start the
deviation :math:`\min_i\lVert\hat Z_0-X_i\rVert`, the nearest sample and the last-step logit
margin, as :func:`verify.sampling.laws.run_sweep` does.

**Randomness.** Start :math:`i` is ``default_rng([seed, 0x57A7, i]).standard_normal(d)``; its
Brownian path is ``default_rng([seed, 0x5EED, i]).standard_normal((K_max, d))`` on the finest grid
(:math:`K_{\max}` steps), and a coarser grid of :math:`K` steps uses the normalised sums of
:math:`K_{\max}/K` consecutive fine draws (:class:`verify.sampling.noise.BrownianPaths`): paths
are coupled across :math:`K` as in the claim, and each start's numbers depend on nothing but the
seed and :math:`i` (not on the chunking or the worker). The claim draws all its starts and paths
as one array instead, so its numbers are other draws of the same law.

**Summary.** Per schedule, the records are assembled into a :class:`verify.sampling.laws.Sweep`
and fitted exactly as the claim fits them: :func:`~verify.sampling.laws.fit_exponent` (median and
0.9 quantile, :data:`BOOT` bootstrap resamples seeded by ``seed``), the constant
:func:`~verify.sampling.laws.sqrt_h_constant`, against
:func:`~verify.sampling.laws.predicted_exponents` (Euler: the deterministic exponent,
Euler–Maruyama: the total).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from ..sampling.laws import DEFAULT_STEPS, SWEEP_SCHEDULES
from ..sampling.noise import BrownianPaths
from .engine import SweepError, SweepRun, Task, run_tasks

__all__ = ["KIND", "METHODS", "START_TAG", "PATH_TAG", "BOOT", "DEFAULT_CHUNK", "DEFAULT_STEPS",
           "SWEEP_SCHEDULES", "StartPaths", "gaussian_starts", "settings", "plan", "measure_cell",
           "assemble", "summarize", "run_sqrt_h_sweep", "max_distance"]

KIND = "sqrt-h"
METHODS = ("euler", "euler-maruyama")
START_TAG = 0x57A7
PATH_TAG = 0x5EED
#: Bootstrap resamples of the exponent fits (the claim's full run).
BOOT = 400
#: Starts per task.
DEFAULT_CHUNK = 1000


def gaussian_starts(seed: int, first: int, stop: int, d: int) -> np.ndarray:
    """Starts ``first .. stop - 1`` (rows), each from its own seeded stream."""
    out = np.empty((stop - first, d))
    for k, i in enumerate(range(first, stop)):
        out[k] = np.random.default_rng([seed, START_TAG, i]).standard_normal(d)
    return out


@dataclass
class StartPaths(BrownianPaths):
    r""":class:`~verify.sampling.noise.BrownianPaths` whose path :math:`p` is that of start
    ``first + p``, drawn from its own stream (the fine draws of a chunk, independent of the
    chunking)."""

    first: int = 0

    @property
    def draws(self) -> np.ndarray:
        if self._draws is None:
            key = (self.seed, self.first, self.paths, self.d, self.fine_steps)
            draws = _RECENT.pop(key, None)
            if draws is None:
                draws = np.empty((self.fine_steps, self.paths, self.d))
                for p in range(self.paths):
                    rng = np.random.default_rng([self.seed, PATH_TAG, self.first + p])
                    draws[:, p, :] = rng.standard_normal((self.fine_steps, self.d))
                draws.flags.writeable = False
            if draws.nbytes <= RECENT_BYTES:  # the next tasks of a chunk (other K) draw them again
                _RECENT[key] = draws
                while len(_RECENT) > RECENT_DRAWS:
                    del _RECENT[next(iter(_RECENT))]
            self._draws = draws
        return self._draws


#: Fine draws of the most recent chunks in this process (at most this many, each up to this size).
_RECENT: dict[tuple, np.ndarray] = {}
RECENT_DRAWS, RECENT_BYTES = 2, 2**28


def max_distance(X: np.ndarray) -> float:
    """Largest pairwise distance of the rows: the pair found blockwise by the Gram form (no
    N x N x d array), its distance recomputed from the difference."""
    sq = np.einsum("ij,ij->i", X, X)
    best, pair = -np.inf, (0, 0)
    rows = max(1, (1 << 22) // max(1, len(X)))
    for s in range(0, len(X), rows):
        d2 = sq[s:s + rows, None] + sq[None, :] - 2 * (X[s:s + rows] @ X.T)
        k = int(np.argmax(d2))
        if d2.flat[k] > best:
            best, pair = float(d2.flat[k]), (s + k // len(X), k % len(X))
    diff = X[pair[0]] - X[pair[1]]
    return float(np.sqrt(diff @ diff))


def settings(X: np.ndarray, data_label: str, method: str, schedules: Sequence[str], steps: Sequence[int],
             starts: int, seed: int, chunk: int) -> dict[str, Any]:
    """Everything a record depends on (the manifest of ``OUT``)."""
    from .endpoints import data_digest

    return {"data": data_digest(X.tolist()), "data_label": data_label, "N": int(X.shape[0]),
            "d": int(X.shape[1]), "sampler": method, "schedules": list(schedules), "steps": list(steps),
            "starts": starts, "seed": seed, "chunk": chunk}


def plan(schedules: Sequence[str], steps: Sequence[int], starts: int, chunk: int) -> list[Task]:
    """One task per (schedule, K, chunk of starts), the step counts of a chunk one after the other
    (a worker that runs them in a row draws the chunk's Brownian paths once)."""
    width = len(str(starts))
    return [Task(f"{name}-K{K:05d}-{a:0{width}d}-{min(a + chunk, starts):0{width}d}",
                 (name, K, a, min(a + chunk, starts)))
            for name in schedules for a in range(0, starts, chunk) for K in steps]


def measure_cell(name: str, K: int, first: int, stop: int, *, data: np.ndarray, method: str, seed: int,
                 fine_steps: int, dmax: float) -> dict[str, Any]:
    """The record of one (schedule, K, chunk) cell: per start the deviation, the nearest sample, the
    last-step logit margin and the divergence flag, and the margin :math:`G(h)` of the cell, as in
    :func:`verify.sampling.laws.run_sweep`. A pure function of its arguments."""
    from ..sampling.coefficients import compiled_schedule
    from ..sampling.laws import last_margin, start_time, sweep_schedule
    from ..sampling.samplers import SamplerSpec, run_sampler

    schedule = sweep_schedule(name)
    X = np.asarray(data, dtype=float)
    t_start = start_time(schedule, method)
    spec = SamplerSpec(schedule, method, K, t_start)
    starts = gaussian_starts(seed, first, stop, X.shape[1])
    noise = StartPaths(seed, stop - first, X.shape[1], fine_steps, first=first) if spec.stochastic else None
    run = run_sampler(X, starts, spec, noise=noise, record=("Z",))
    Z = np.asarray(run.endpoints)
    D2 = ((Z[:, None, :] - X[None]) ** 2).sum(-1)
    with np.errstate(invalid="ignore"):
        nearest = np.where(np.isfinite(D2).all(1), np.nan_to_num(D2, nan=np.inf).argmin(1), -1)
        dev = np.sqrt(np.nan_to_num(D2, nan=np.inf).min(1))
    h = spec.h
    co = compiled_schedule(schedule, method).floats([h])
    margin, _ = last_margin(run.trace["Z"][-1], X, co["alpha"][0], co["sigma"][0])
    # G(h) of verify.sampling.laws.run_sweep (the neglected weights move the last step <= sqrt h)
    needed = math.log(max(1.0, float(h) * abs(co["c"][0])) * max(len(X) - 1, 1) * max(dmax, 1e-300)
                      / math.sqrt(float(h)))
    return {"schedule": name, "K": K, "first": first, "stop": stop, "t_start": str(t_start), "h": str(h),
            "dev": [float(v) for v in dev], "nearest": [int(v) for v in nearest],
            "margin": [float(v) for v in margin], "diverged": [bool(v) for v in run.diverged],
            "margin_needed": needed}


def assemble(run: SweepRun, X: np.ndarray, method: str, name: str, steps: Sequence[int]):
    """The :class:`verify.sampling.laws.Sweep` of one schedule from its records (starts in order)."""
    from ..sampling.laws import Sweep

    rows = {K: [] for K in steps}
    for rec in run.records.values():
        if rec["schedule"] == name:
            rows[rec["K"]].append(rec)
    for K in steps:
        rows[K].sort(key=lambda r: r["first"])

    def stack(key: str, dtype: Any) -> np.ndarray:
        return np.array([[v for r in rows[K] for v in r[key]] for K in steps], dtype=dtype)

    t_start = Fraction(rows[steps[0]][0]["t_start"])
    dev = stack("dev", float)
    return Sweep(name, method, t_start, tuple(steps), dev, stack("nearest", int), stack("margin", float),
                 np.array([rows[K][0]["margin_needed"] for K in steps]), np.empty(dev.shape + (0,)),
                 float(np.sqrt((X * X).sum(1)).max()), len(X), 0.0, stack("diverged", bool))


def _fit_json(fit) -> dict[str, Any]:
    return {"slope": fit.slope, "ci": list(fit.ci) if fit.ci else None, "text": fit.text(),
            "values": list(fit.values), "used": list(fit.used), "at_floor": list(fit.at_floor),
            "local": list(fit.local)}


def summarize(run: SweepRun, X: np.ndarray, method: str, schedules: Sequence[str], steps: Sequence[int],
              seed: int, boot: int = BOOT) -> list[dict[str, Any]]:
    """Per schedule: the fitted exponents (median, 0.9 quantile) and the constant, as the claim
    fits them, against the derived prediction."""
    import sympy as sp

    from ..checks.discretization import exponent_agrees
    from ..sampling.laws import fit_exponent, predicted_exponents, sqrt_h_constant, sweep_schedule

    key = "deterministic" if method == "euler" else "total"
    out = []
    for name in schedules:
        sw = assemble(run, X, method, name, steps)
        med = fit_exponent(sw.h, sw.dev, "median", floor=sw.floor, seed=seed, boot=boot)
        q90 = fit_exponent(sw.h, sw.dev, "q90", floor=sw.floor, seed=seed, boot=boot)
        const = sqrt_h_constant(sw)
        pred = predicted_exponents(sweep_schedule(name), method)
        out.append({"schedule": name, "t_start": str(sw.t_start), "h": [float(v) for v in sw.h],
                    "predicted": sp.sstr(pred[key]), "p_sigma": sp.sstr(pred["p"]),
                    "agrees": bool(exponent_agrees(med, pred[key])),
                    "median": _fit_json(med), "q90": _fit_json(q90),
                    "C": const.C, "C_all": const.C_all, "C_per_h": list(const.per_h),
                    "below_margin": list(const.excluded), "diverged": int(sw.diverged.sum())})
    return out


def run_sqrt_h_sweep(X: np.ndarray, *, method: str = "euler", schedules: Sequence[str] = SWEEP_SCHEDULES,
                     steps: Sequence[int] = DEFAULT_STEPS, starts: int = 1000, seed: int = 0,
                     chunk: int = DEFAULT_CHUNK, data_label: str = "", out: Path | None = None,
                     workers: int = 0, scheduler: str | None = None, client: Any = None,
                     progress: Callable[[str], None] | None = None,
                     timeout: float | None = None) -> SweepRun:
    """Run the grid as tasks of :func:`.engine.run_tasks` (``workers=0``: in this process)."""
    if method not in METHODS:
        raise SweepError(f"unknown sampler {method!r} (choose from {', '.join(METHODS)})")
    unknown = [s for s in schedules if s not in SWEEP_SCHEDULES]
    if unknown:
        raise SweepError(f"unknown sweep schedule {unknown[0]!r} (choose from {', '.join(SWEEP_SCHEDULES)})")
    steps = sorted(set(int(k) for k in steps))
    if len(steps) < 2 or steps[0] < 1:
        raise SweepError("--steps needs at least two distinct positive step counts")
    if method == "euler-maruyama" and any(steps[-1] % k for k in steps):
        bad = next(k for k in steps if steps[-1] % k)
        raise SweepError(f"--steps: {bad} does not divide the largest K = {steps[-1]} (Euler-Maruyama "
                         "couples the Brownian paths on the finest grid)")
    X = np.ascontiguousarray(X, dtype=float)
    if X.ndim != 2 or not len(X) or not np.isfinite(X).all():
        raise SweepError("the training set must be a non-empty finite (N, d) array")
    tasks = plan(list(schedules), steps, starts, chunk)
    return run_tasks(KIND, measure_cell, tasks,
                     settings(X, data_label, method, schedules, steps, starts, seed, chunk), out,
                     shared={"data": X, "method": method, "seed": seed, "fine_steps": steps[-1],
                             "dmax": max_distance(X)},
                     workers=workers, scheduler=scheduler, client=client, progress=progress, timeout=timeout)
