r"""The phase-transition experiment: memorization ratio of trained :math:`M`-component denoisers
against :math:`M/N`, the transition and its window, and the predicted crossover :math:`M^\star`.

Per cell :math:`(d,K,N,\text{seed})` (research note §5c):

1. first pass :math:`M\in\{N/10,2N/10,\dots,N\}`; each model trained by
   :func:`verify.gmm.training.train`, 50 samples drawn by deterministic DDIM from the same seeded
   starts (common random numbers across :math:`M`), memorization ratio by Definition 2.2;
2. the authors' window: ``start`` = the last :math:`M` with ratio :math:`<0.1` before the ratio
   first reaches 0.1, ``end`` = the first :math:`M` with ratio :math:`\ge0.9`; refinement on
   ``range(start, end + 1, max((end - start) // 10, 1))``;
3. the transition :math:`M_{1/2}` = first upward crossing of 1/2 by linear interpolation of the
   merged curve, the window = the crossings of 0.1 and 0.9; a 95 % interval for :math:`M_{1/2}`
   resamples each ratio from its Jeffreys posterior :math:`\mathrm{Beta}(k+\frac12,n-k+\frac12)`
   (sampling noise of the ratios only, not the training randomness);
4. the prediction :math:`M^\star/N` of :func:`verify.gmm.crossover.predicted_mstar` (uniform weights
   over the grid in :math:`x_0` units, :math:`C=2` and :math:`C=1`) and the paper's 4/5.

Resumable: every finished (cell, M) result is one JSON file written atomically in
``OUT/<cell>-<settings hash>/M0040.json``; a rerun with the same settings loads it instead of
training. :mod:`verify.gmm.distributed` runs the models as tasks on a Dask cluster.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .data import GMMError, GMMSetting, generate
from .sampling import DEFAULT_SAMPLES, ddim, memorized
from .training import TRAINING_BLAS_THREADS, TrainingConfig, train

__all__ = ["GRIDS", "SweepConfig", "Transition", "CellResult", "first_pass_sizes", "refinement_sizes",
           "locate_transition", "predictions", "run_point", "run_cell", "run_sweep", "grid_settings",
           "cell_line", "SWEEP_STEPS", "RESULT_VERSION", "measure_point", "load_point", "store_point",
           "finish_cell"]

#: Cell grids: the reduced default and the authors' 64 cells (research note §5a).
GRIDS: dict[str, dict[str, tuple[int, ...]]] = {
    "reduced": {"d": (30, 60), "K": (3, 12), "N": (50, 100)},
    "paper": {"d": (30, 40, 50, 60), "K": (3, 6, 9, 12), "N": (50, 100, 150, 200)},
}
#: Training steps per model in the sweep (compressed schedule standing for the authors' 50 000).
SWEEP_STEPS = 5000
#: Version of a stored (cell, M) record; 2: :func:`verify.gmm.training.train` sums in another order
#: (issue 14), and the training amplifies rounding, so version-1 records are not reused.
RESULT_VERSION = 2
LOW, HALF, HIGH = 0.1, 0.5, 0.9

Progress = Callable[[str], None]


@dataclass(frozen=True)
class SweepConfig:
    """Training, sampling and refinement settings shared by every cell."""

    training: TrainingConfig = field(default_factory=lambda: TrainingConfig.compressed(SWEEP_STEPS))
    samples: int = DEFAULT_SAMPLES
    refine: bool = True
    coverage: int = 10  # the authors' num_models_coverage
    fractions: tuple[float, ...] = tuple(k / 10 for k in range(1, 11))
    resamples: int = 2000

    def __post_init__(self) -> None:
        if self.samples < 2:
            raise GMMError(f"at least two samples are needed, got {self.samples}")
        if not self.fractions or not all(0 < f for f in self.fractions):
            raise GMMError("first-pass fractions of N must be positive")

    def digest(self) -> str:
        """Short hash of everything that changes a (cell, M) result."""
        payload = json.dumps({"training": self.training.to_json(), "samples": self.samples,
                              "version": RESULT_VERSION}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:10]


@dataclass(frozen=True)
class Transition:
    r""":math:`M_{1/2}/N` with its 95 % interval, the 0.1 → 0.9 window (interpolated, as fractions of
    :math:`N`) and the authors' discrete window (``start``, ``end`` sizes). ``status``: ``ok``, or
    ``below`` (ratio already :math:`\ge1/2` at the smallest size), ``above`` (never reaches 1/2)."""

    half: float
    half_ci: tuple[float, float]
    window: tuple[float, float]
    start: int | None
    end: int | None
    status: str

    def to_json(self) -> dict[str, Any]:
        return {"half": _num(self.half), "half_ci": [_num(v) for v in self.half_ci],
                "window": [_num(v) for v in self.window], "start": self.start, "end": self.end,
                "status": self.status}


@dataclass
class CellResult:
    """One cell: its points (sorted by M), the transition, the predictions and the timings."""

    setting: GMMSetting
    points: list[dict[str, Any]]
    transition: Transition
    predicted: dict[str, float]
    seconds: float
    reused: int
    directory: str

    @property
    def sizes(self) -> np.ndarray:
        return np.array([p["M"] for p in self.points])

    @property
    def ratios(self) -> np.ndarray:
        return np.array([p["ratio"] for p in self.points])

    def to_json(self) -> dict[str, Any]:
        s = self.setting
        return {"setting": {"d": s.d, "K": s.K, "N": s.N, "var_star": s.var_star, "seed": s.seed},
                "points": [{k: p[k] for k in ("M", "ratio", "memorized", "samples", "std", "train_seconds")}
                           for p in self.points],
                "transition": self.transition.to_json(), "predicted": self.predicted,
                "seconds": self.seconds, "reused": self.reused, "directory": self.directory}


def _num(v: float) -> float | None:
    return None if v is None or not math.isfinite(v) else float(v)


# -- sizes and the transition ---------------------------------------------------------------------------

def first_pass_sizes(N: int, fractions: Sequence[float] = tuple(k / 10 for k in range(1, 11))) -> list[int]:
    """``round(f N)`` for each fraction, at least 1, distinct and sorted."""
    return sorted({max(1, int(round(f * N))) for f in fractions})


def _authors_window(Ms: Sequence[int], ratios: Sequence[float]) -> tuple[int | None, int | None]:
    """(start, end): the last M with ratio < 0.1 before the first ratio >= 0.1; the first M with
    ratio >= 0.9 (None where the curve gives none)."""
    order = np.argsort(Ms)
    M, r = np.asarray(Ms)[order], np.asarray(ratios, dtype=float)[order]
    start = end = None
    for j in range(len(M)):
        if r[j] >= LOW:
            start = int(M[j - 1]) if j > 0 else None
            break
    hits = np.nonzero(r >= HIGH)[0]
    if len(hits):
        end = int(M[hits[0]])
    return start, end


def refinement_sizes(Ms: Sequence[int], ratios: Sequence[float], coverage: int = 10) -> list[int]:
    """The authors' refinement ``range(start, end + 1, max((end - start) // coverage, 1))`` (start
    defaults to the smallest size, end to the largest), minus the sizes already trained."""
    if not len(Ms):
        return []
    start, end = _authors_window(Ms, ratios)
    start = int(min(Ms)) if start is None else start
    end = int(max(Ms)) if end is None else end
    if end <= start:
        return []
    step = max((end - start) // coverage, 1)
    done = {int(m) for m in Ms}
    return [m for m in range(start, end + 1, step) if m not in done]


def _crossings(M: np.ndarray, R: np.ndarray, level: float) -> np.ndarray:
    """First upward crossing of ``level`` per row of R (rows of ratios at sorted sizes M), by linear
    interpolation; -inf when the first point is already at the level, +inf when none reaches it."""
    R = np.atleast_2d(R)
    hit = R >= level
    any_hit = hit.any(axis=1)
    j = np.argmax(hit, axis=1)
    out = np.full(len(R), np.inf)
    out[any_hit & (j == 0)] = -np.inf
    ok = any_hit & (j > 0)
    rows = np.nonzero(ok)[0]
    jj = j[ok]
    r0, r1 = R[rows, jj - 1], R[rows, jj]
    out[rows] = M[jj - 1] + (level - r0) / (r1 - r0) * (M[jj] - M[jj - 1])
    return out


def locate_transition(Ms: Sequence[int], memorized_counts: Sequence[int], samples: Sequence[int] | int,
                      N: int, resamples: int = 2000, seed: int = 0) -> Transition:
    """The transition of a measured curve (see the module docstring)."""
    order = np.argsort(Ms)
    M = np.asarray(Ms, dtype=float)[order]
    k = np.asarray(memorized_counts, dtype=float)[order]
    n = np.broadcast_to(np.asarray(samples, dtype=float), k.shape)[order] if np.ndim(samples) else \
        np.full(k.shape, float(samples))
    if len(M) == 0:
        raise GMMError("no measured sizes")
    r = k / n
    half = float(_crossings(M, r, HALF)[0])
    lo, hi = float(_crossings(M, r, LOW)[0]), float(_crossings(M, r, HIGH)[0])
    status = "ok" if math.isfinite(half) else ("below" if half < 0 else "above")
    rng = np.random.default_rng([seed, 0xC1])
    draws = rng.beta(k + 0.5, n - k + 0.5, size=(resamples, len(M)))
    boot = _crossings(M, draws, HALF)
    ci = (math.nan, math.nan)
    if resamples:  # order statistics: the crossings may be +-inf
        ci = (float(np.percentile(boot, 2.5, method="lower")),
              float(np.percentile(boot, 97.5, method="higher")))
    start, end = _authors_window(M.astype(int), r)

    def frac(v: float) -> float:
        return v / N if math.isfinite(v) else math.nan

    return Transition(frac(half), (frac(ci[0]), frac(ci[1])), (frac(lo), frac(hi)), start, end, status)


def predictions(N: int, var: float = 1.0, schedule: str = "vp-linear-sigma") -> dict[str, float]:
    r"""Predicted :math:`M^\star/N`: :func:`verify.gmm.crossover.predicted_mstar` with uniform
    weights over the paper's grid in :math:`x_0` units at :math:`C=2` and :math:`C=1`, and the
    paper's 4/5."""
    from .crossover import predicted_mstar

    return {"uniform-x0, C=2": predicted_mstar(N, "uniform-x0", 2.0, var, schedule=schedule) / N,
            "uniform-x0, C=1": predicted_mstar(N, "uniform-x0", 1.0, var, schedule=schedule) / N,
            "paper 4/5": 0.8}


# -- one point, one cell, a grid -------------------------------------------------------------------------

def _cell_dir(out: Path, setting: GMMSetting, config: SweepConfig) -> Path:
    return Path(out) / f"{setting.key()}-{config.digest()}"


def _starts(setting: GMMSetting, samples: int) -> np.ndarray:
    return np.random.default_rng([setting.seed, setting.d, setting.K, setting.N, 0xDD1]).standard_normal(
        (samples, setting.d))


def _point_path(out: Path, setting: GMMSetting, config: SweepConfig, M: int) -> Path:
    return _cell_dir(out, setting, config) / f"M{M:04d}.json"


def load_point(out: Path | None, setting: GMMSetting, config: SweepConfig, M: int) -> dict[str, Any] | None:
    """The stored record of (cell, M) in ``out``, or None (absent, unreadable or of another version)."""
    if out is None:
        return None
    path = _point_path(out, setting, config, M)
    if not path.exists():
        return None
    try:
        record = json.loads(path.read_text())
    except (json.JSONDecodeError, OSError):
        return None  # unreadable: recompute and overwrite
    return record if record.get("version") == RESULT_VERSION and record.get("M") == M else None


def store_point(out: Path, setting: GMMSetting, config: SweepConfig, record: dict[str, Any]) -> None:
    """Write a (cell, M) record atomically."""
    from derivations.printing import write_text_atomic

    path = _point_path(out, setting, config, int(record["M"]))
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(record, indent=1))


def _blas_threads(threads: int):
    """A context limiting the BLAS pool to ``threads`` (a no-op without threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a core dependency
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(limits=threads, user_api="blas")


def measure_point(setting: GMMSetting, M: int, config: SweepConfig, data=None) -> dict[str, Any]:
    """Train one model, sample, measure: the (cell, M) record. A pure function of its arguments (all
    randomness is seeded by the cell), so it may run in any process or on any machine."""
    data = data if data is not None else generate(setting)
    with _blas_threads(TRAINING_BLAS_THREADS):
        result = train(data, M, config.training, seed=setting.seed)
        t0 = time.perf_counter()
        samples = ddim(result.denoiser, _starts(setting, config.samples), config.training.grid(),
                       config.training.schedule)
        flags = memorized(samples, data.train)
    tail = max(1, len(result.history) // 10)
    return {"version": RESULT_VERSION, "setting": {"d": setting.d, "K": setting.K, "N": setting.N,
                                                   "var_star": setting.var_star, "seed": setting.seed},
            "M": int(M), "memorized": int(flags.sum()), "samples": int(len(flags)),
            "ratio": float(flags.mean()), "std": float(result.std),
            "final_loss": float(np.mean(result.history[-tail:])), "train_seconds": result.seconds,
            "sample_seconds": time.perf_counter() - t0, "config": config.training.to_json()}


def run_point(setting: GMMSetting, M: int, config: SweepConfig, out: Path | None = None,
              data=None) -> tuple[dict[str, Any], bool]:
    """Train one model, sample, measure; (record, reused). With ``out`` the record is read from / written
    atomically to ``OUT/<cell>-<hash>/M%04d.json``."""
    record = load_point(out, setting, config, M)
    if record is not None:
        return record, True
    record = measure_point(setting, M, config, data)
    if out is not None:
        store_point(out, setting, config, record)
    return record, False


def finish_cell(setting: GMMSetting, config: SweepConfig, points: dict[int, dict[str, Any]],
                out: Path | None, seconds: float, reused: int) -> CellResult:
    """The transition and predictions of a cell from its measured points (written as cell.json)."""
    Ms = sorted(points)
    pts = [points[m] for m in Ms]
    transition = locate_transition(Ms, [p["memorized"] for p in pts], [p["samples"] for p in pts], setting.N,
                                   config.resamples, setting.seed)
    predicted = predictions(setting.N, setting.var_star, config.training.schedule)
    directory = _cell_dir(out, setting, config) if out is not None else None
    result = CellResult(setting, pts, transition, predicted, seconds, reused, str(directory or ""))
    if directory is not None:
        from derivations.printing import write_text_atomic

        directory.mkdir(parents=True, exist_ok=True)
        write_text_atomic(directory / "cell.json", json.dumps(result.to_json(), indent=1))
    return result


def run_cell(setting: GMMSetting, config: SweepConfig | None = None, out: Path | None = None,
             progress: Progress | None = None) -> CellResult:
    """First pass, refinement, transition and predictions of one cell (resumable with ``out``)."""
    config = config or SweepConfig()
    say = progress or (lambda message: None)
    started = time.perf_counter()
    data = generate(setting)
    points: dict[int, dict[str, Any]] = {}
    reused = 0

    def measure(sizes: Sequence[int], phase: str) -> None:
        nonlocal reused
        for i, M in enumerate(sizes):
            record, again = run_point(setting, M, config, out, data)
            points[M] = record
            reused += again
            how = " (reused)" if again else f", {record['train_seconds']:.1f} s"
            say(f"{setting.key()} {phase} {i + 1}/{len(sizes)}: M = {M} (M/N = {M / setting.N:.2f}) "
                f"ratio {record['ratio']:.2f}{how}")

    measure(first_pass_sizes(setting.N, config.fractions), "first pass")
    if config.refine:
        Ms = sorted(points)
        measure(refinement_sizes(Ms, [points[m]["ratio"] for m in Ms], config.coverage), "refinement")
    return finish_cell(setting, config, points, out, time.perf_counter() - started, reused)


def grid_settings(grid: str | dict[str, Sequence[int]], seed: int = 0,
                  var_star: float = 1.0) -> list[GMMSetting]:
    """The cells of a named grid (``reduced``, ``paper``) or of explicit lists."""
    spec = GRIDS.get(grid) if isinstance(grid, str) else grid
    if spec is None:
        raise GMMError(f"unknown grid {grid!r} (known: {', '.join(GRIDS)})")
    return [GMMSetting(d, K, N, var_star, seed) for d in spec["d"] for K in spec["K"] for N in spec["N"]]


def run_sweep(settings: Sequence[GMMSetting], config: SweepConfig | None = None, out: Path | None = None,
              progress: Progress | None = None) -> list[CellResult]:
    """Every cell, in order, in this process (the reference of :func:`verify.gmm.distributed.run_sweep_dask`,
    which spreads the models over a Dask cluster)."""
    config = config or SweepConfig()
    say = progress or (lambda message: None)
    results = []
    for i, s in enumerate(settings):
        results.append(run_cell(s, config, out, progress))
        say(f"cell {i + 1}/{len(settings)} done: {cell_line(results[-1])}")
    return results


def _fmt(v: float | None) -> str:
    return "  -  " if v is None or not math.isfinite(v) else f"{v:.3f}"


def cell_line(c: CellResult) -> str:
    """One line of a finished cell: the transition, its interval and window, the prediction."""
    t, s = c.transition, c.setting
    pred = c.predicted["uniform-x0, C=2"]
    return (f"d={s.d:<3} K={s.K:<3} N={s.N:<4} M_1/2/N = {_fmt(t.half)} [{_fmt(t.half_ci[0])}, "
            f"{_fmt(t.half_ci[1])}]  window {_fmt(t.window[0])}..{_fmt(t.window[1])}  "
            f"predicted {pred:.3f}  ({len(c.points)} models, {c.reused} reused, {c.seconds:.0f} s)")
