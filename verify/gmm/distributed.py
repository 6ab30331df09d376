r"""The phase-transition sweep on a Dask cluster (``dask.distributed``).

Every (cell, :math:`M`) model is one task, :func:`verify.gmm.sweep.measure_point`: a pure function of
the cell, :math:`M` and the settings (its randomness is seeded by the cell), so it gives the same
record on any worker, and a task lost with its worker is simply run again (the scheduler does so).
The client submits a cell's first pass at once, its refinement when the first pass is back, and
writes every record atomically to ``OUT`` as it arrives: the workers need no shared file system, and
a rerun (after an interruption, or on another cluster) reuses what is written and submits only the
rest. Without an address the cluster is a ``LocalCluster`` of worker processes on this machine.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .data import GMMError, GMMSetting
from .sweep import (
    CellResult,
    SweepConfig,
    finish_cell,
    first_pass_sizes,
    load_point,
    measure_point,
    refinement_sizes,
    store_point,
)

__all__ = ["run_sweep_dask", "CONNECT_TIMEOUT"]

#: Seconds to wait for a scheduler given by address.
CONNECT_TIMEOUT = 10


@contextlib.contextmanager
def _client(scheduler: str | None, workers: int) -> Iterator[Any]:
    """The shared client of :func:`verify.sweeps.engine.dask_client` (a LocalCluster of ``workers``
    single-threaded processes, or the scheduler at ``scheduler``; each worker's BLAS pool limited to
    its share of the cores), its refusals as :class:`GMMError`."""
    from ..sweeps.engine import SweepError, dask_client

    try:
        with dask_client(scheduler, workers, CONNECT_TIMEOUT) as client:
            yield client
    except SweepError as exc:
        raise GMMError(str(exc)) from None


def run_sweep_dask(settings: Sequence[GMMSetting], config: SweepConfig | None = None, out: Path | None = None,
                   workers: int = 2, scheduler: str | None = None,
                   progress: Callable[[str], None] | None = None) -> list[CellResult]:
    """Every cell, in order, each model a Dask task (``scheduler``: an address such as
    ``tcp://host:8786``; None: a LocalCluster of ``workers`` processes). Records already in ``out``
    are reused, new ones written atomically as they arrive."""
    from dask.distributed import as_completed

    config = config or SweepConfig()
    if workers < 1:
        raise GMMError(f"workers must be a positive integer, got {workers}")
    say = progress or (lambda message: None)
    started = {i: time.perf_counter() for i in range(len(settings))}
    points: dict[int, dict[int, dict[str, Any]]] = {i: {} for i in range(len(settings))}
    reused = dict.fromkeys(range(len(settings)), 0)
    phase = dict.fromkeys(range(len(settings)), "first pass")
    results: dict[int, CellResult] = {}
    with _client(scheduler, workers) as client:
        queue = as_completed()
        outstanding = dict.fromkeys(range(len(settings)), 0)

        def submit(i: int, sizes: Sequence[int]) -> None:
            setting = settings[i]
            for M in sizes:
                record = load_point(out, setting, config, M)
                if record is not None:
                    points[i][M] = record
                    reused[i] += 1
                    continue
                key = f"memverify-point-{setting.key()}-{config.digest()}-M{M}"
                queue.add(client.submit(measure_point, setting, M, config, key=key, pure=False))
                outstanding[i] += 1
            if outstanding[i] == 0:
                advance(i)

        def advance(i: int) -> None:
            """The cell's current phase is complete: refine, or finish."""
            if phase[i] == "first pass" and config.refine:
                phase[i] = "refinement"
                Ms = sorted(points[i])
                sizes = refinement_sizes(Ms, [points[i][m]["ratio"] for m in Ms], config.coverage)
                submit(i, [M for M in sizes if M not in points[i]])
                return
            results[i] = finish_cell(settings[i], config, points[i], out, time.perf_counter() - started[i],
                                     reused[i])
            say(f"cell {len(results)}/{len(settings)} done: {settings[i].key()}")

        index = {s.key(): i for i, s in enumerate(settings)}
        for i in range(len(settings)):
            submit(i, first_pass_sizes(settings[i].N, config.fractions))
        for future in queue:
            record = future.result()
            future.release()
            s = record["setting"]
            i = index[GMMSetting(s["d"], s["K"], s["N"], s["var_star"], s["seed"]).key()]
            if out is not None:
                store_point(out, settings[i], config, record)
            points[i][int(record["M"])] = record
            outstanding[i] -= 1
            say(f"{settings[i].key()} {phase[i]}: M = {record['M']} ratio {record['ratio']:.2f}, "
                f"{record['train_seconds']:.1f} s")
            if outstanding[i] == 0:
                advance(i)
    missing = [settings[i].key() for i in range(len(settings)) if i not in results]
    if missing:
        raise GMMError(f"the sweep ended without cells {', '.join(missing)}")
    return [results[i] for i in range(len(settings))]
