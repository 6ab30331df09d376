r"""``memverify sweep endpoints``: where oracle generation ends, for many seeded Gaussian starts.

**Starts.** Start :math:`i` is :math:`Z_1^{(i)}=` ``default_rng([seed, 0x57A27, i]).standard_normal(d)``
(each float64 draw is an exact dyadic rational): a function of the seed and :math:`i` alone, so a
start is the same whatever the chunking, the number of starts or the worker.

**Tasks.** A task is a chunk of ``chunk`` consecutive starts. It runs the float64 batch mode of
the endpoint engine (:func:`verify.engine.batch.batch_endpoints`) on aligned engine batches of
``batch`` starts (``[jB, (j+1)B)``: the batch engine's error estimate follows a tangent vector
seeded by the position in its batch, so a start's numbers are reproducible only within the same
batch; aligned batches make them independent of the chunking), and re-runs every row the float64
screen does not trust with the certified engine (:func:`verify.engine.endpoint.certify_endpoint`,
exact rationals at ``digits`` digits, ``recheck="auto"`` without a cap).

**Verdict per start.** ``sample`` (row ``index``; ``how`` = ``float64``: trusted by the float64
screen, an estimate; ``certified``: proved by the exact re-run), ``tie`` (exact, or unresolved at
``digits``) or ``undecided`` (the re-run's step budget or SNR cap ran out). The flow in the SNR
:math:`\ell=\alpha/\sigma` is the same for every schedule (CONV-SNR), so the schedule does not
enter the records: it only maps the commit SNR to the commit time :math:`t` in the summary.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from .engine import SweepError, SweepRun, Task, run_tasks

__all__ = ["KIND", "START_TAG", "DEFAULT_BATCH", "DEFAULT_CHUNK", "gaussian_starts", "plan", "settings",
           "measure_chunk", "summarize", "run_endpoint_sweep", "data_digest"]

KIND = "endpoints"
#: Tag of the start streams (``default_rng([seed, START_TAG, i])``).
START_TAG = 0x57A27
#: Starts per engine call (the batch engine's unit; measured: 0.18 ms per start on builtin:square at
#: 1024, 0.44 ms at 256, 1.6 ms at 64).
DEFAULT_BATCH = 1024
#: Starts per task.
DEFAULT_CHUNK = 4096


def gaussian_starts(seed: int, first: int, stop: int, d: int) -> np.ndarray:
    """Starts ``first .. stop - 1`` (rows), each from its own seeded stream."""
    out = np.empty((stop - first, d))
    for k, i in enumerate(range(first, stop)):
        out[k] = np.random.default_rng([seed, START_TAG, i]).standard_normal(d)
    return out


def data_digest(rows: Sequence[Sequence[Any]]) -> str:
    """Hash of a training set, exactly (each entry as the rational it is)."""
    h = hashlib.sha256()
    for row in rows:
        h.update((",".join(str(Fraction(v)) for v in row) + "\n").encode())
    return h.hexdigest()[:16]


def settings(data: Sequence[Sequence[Fraction]], starts: int, seed: int, chunk: int, batch: int,
             digits: int) -> dict[str, Any]:
    """Everything a record depends on (the manifest of ``OUT``)."""
    return {"data": data_digest(data), "N": len(data), "d": len(data[0]), "starts": starts, "seed": seed,
            "chunk": chunk, "batch": batch, "digits": digits,
            "engine": {"rtol": 1e-10, "max_snr": 1e6, "recheck": "auto, every untrusted row"}}


def plan(starts: int, chunk: int, batch: int) -> list[Task]:
    """One task per chunk of starts; ``chunk`` must be a multiple of ``batch``."""
    if starts < 1 or chunk < 1 or batch < 1:
        raise SweepError("starts, chunk and batch must be positive integers")
    if chunk % batch:
        raise SweepError(f"--chunk {chunk} must be a multiple of --batch {batch} (the engine's batch: a "
                         "start's numbers depend on its batch, so batches are aligned across chunkings)")
    width = len(str(starts))
    return [Task(f"starts-{a:0{width}d}-{min(a + chunk, starts):0{width}d}", (a, min(a + chunk, starts)))
            for a in range(0, starts, chunk)]


def measure_chunk(first: int, stop: int, *, data: Sequence[Sequence[Fraction]], seed: int, batch: int,
                  digits: int) -> dict[str, Any]:
    """The record of starts ``first .. stop - 1``: per start the verdict (see the module docstring),
    the commit SNR and the float64 screen's reason. A pure function of its arguments."""
    from ..engine.batch import batch_endpoints

    d = len(data[0])
    record: dict[str, list] = {"index": [], "status": [], "how": [], "commit_snr": [], "reason": [],
                               "tie": []}
    for a in range(first, stop, batch):
        b = min(a - a % batch + batch, stop)  # aligned engine batches
        res = batch_endpoints(data, gaussian_starts(seed, a, b, d), recheck="auto", digits=digits)
        for row in range(b - a):
            again = res.rechecked.get(row)
            if again is None:  # trusted by the float64 screen
                record["index"].append(int(res.index[row]))
                record["status"].append("sample")
                record["how"].append("float64")
                record["commit_snr"].append(float(res.commit_snr[row]))
                record["tie"].append(None)
            else:
                sample = again.status == "training-sample"
                record["index"].append(int(again.index) if sample else -1)
                record["status"].append("sample" if sample else again.status)
                record["how"].append("certified" if sample else again.tie_kind or again.outcome)
                record["commit_snr"].append(float(again.commit_snr) if again.commit_snr else None)
                record["tie"].append(list(again.tie_set) if again.status == "tie" else None)
            record["reason"].append(res.reason[row])
    return {"first": first, "stop": stop, **record}


def _commit_times(schedule: Any, snr: Sequence[float]) -> list[float]:
    r""":math:`t` with :math:`\alpha(t)/\sigma(t)=\ell` for each :math:`\ell` (bisection in float64;
    the SNR of a validated schedule decreases strictly on (0, 1))."""
    import sympy as sp

    from derivations.schedules import T

    f = sp.lambdify(T, schedule.snr, modules="numpy")
    target = np.asarray(snr, dtype=float)
    lo, hi = np.zeros_like(target), np.ones_like(target)
    with np.errstate(all="ignore"):
        for _ in range(80):
            mid = (lo + hi) / 2
            above = np.asarray(f(mid), dtype=float) > target
            lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    return [float(v) for v in (lo + hi) / 2]


def summarize(run: SweepRun, data: Sequence[Sequence[Fraction]], schedule: Any = None) -> dict[str, Any]:
    """Counts per training sample, ties, undecided; the float64 / certified split; commit SNR (and,
    with a schedule, commit time) quantiles; one line per chunk record."""
    counts: dict[int, int] = {}
    ties = {"exact": 0, "unresolved": 0}
    undecided = trusted = certified = 0
    snr: list[float] = []
    chunks = []
    for name, rec in run.records.items():
        n = len(rec["index"])
        per = {"sample": 0, "tie": 0, "undecided": 0}
        for idx, status, how, ell in zip(rec["index"], rec["status"], rec["how"], rec["commit_snr"],
                                         strict=True):
            per[status] = per.get(status, 0) + 1
            if status == "sample":
                counts[idx] = counts.get(idx, 0) + 1
                trusted += how == "float64"
                certified += how == "certified"
                if ell is not None:
                    snr.append(ell)
            elif status == "tie":
                ties[how if how in ties else "unresolved"] += 1
            else:
                undecided += 1
        chunks.append({"record": name, "first": rec["first"], "stop": rec["stop"], "starts": n, **per,
                       "rechecked": sum(h != "float64" for h in rec["how"])})
    total = sum(c["starts"] for c in chunks)
    out: dict[str, Any] = {
        "starts": total, "N": len(data), "d": len(data[0]),
        "per_sample": [{"index": i, "sample": [str(v) for v in data[i]], "count": counts[i],
                        "share": counts[i] / total} for i in sorted(counts)],
        "ties": sum(ties.values()), "tie_kinds": ties, "undecided": undecided,
        "float64_trusted": trusted, "certified_on_recheck": certified, "chunks": chunks}
    if snr:
        q = [float(v) for v in np.quantile(np.array(snr), [0.0, 0.5, 1.0])]
        out["commit_snr"] = {"min": q[0], "median": q[1], "max": q[2]}
        if schedule is not None:
            # t decreases with the SNR: the quantiles map over in reverse order
            t = _commit_times(schedule, q)
            out["commit_t"] = {"schedule": schedule.name, "min": t[2], "median": t[1], "max": t[0]}
    return out


def run_endpoint_sweep(data: Sequence[Sequence[Any]], *, starts: int, seed: int = 0,
                       chunk: int = DEFAULT_CHUNK, batch: int = DEFAULT_BATCH, digits: int = 50,
                       out: Path | None = None, workers: int = 0, scheduler: str | None = None,
                       client: Any = None, progress: Callable[[str], None] | None = None,
                       timeout: float | None = None) -> SweepRun:
    """Certify ``starts`` seeded Gaussian starts on ``data`` (exact rows), chunk by chunk, as tasks of
    :func:`.engine.run_tasks` (``workers=0``: in this process)."""
    exact = [[v if isinstance(v, Fraction) else Fraction(v) for v in row] for row in data]
    if not exact or not exact[0]:
        raise SweepError("the training set is empty")
    if not math.isfinite(sum(float(v) for row in exact for v in row)):
        raise SweepError("the training set must be finite in float64")
    tasks = plan(starts, chunk, batch)
    return run_tasks(KIND, measure_chunk, tasks, settings(exact, starts, seed, chunk, batch, digits), out,
                     shared={"data": exact, "seed": seed, "batch": batch, "digits": digits},
                     workers=workers, scheduler=scheduler, client=client, progress=progress, timeout=timeout)
