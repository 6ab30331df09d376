"""What the sweep engine installs on every Dask worker: the BLAS thread limit.

Kept apart from :mod:`.engine` because it imports ``distributed`` (a second or so) at import time.
"""

from __future__ import annotations

from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

__all__ = ["BlasLimit"]


class BlasLimit(WorkerPlugin):
    """Limit the worker process's BLAS pool to :func:`verify.parallel.blas_threads` of the worker
    slots on its host (or to its current size, if smaller): ``share`` maps a host to its slots (a
    cluster given by address), ``default`` is used for a host not listed (a LocalCluster: its worker
    count; 0: the worker's own threads)."""

    def __init__(self, share: dict[str, int], default: int) -> None:
        self.share = dict(share)
        self.default = int(default)
        self.threads: int | None = None

    def setup(self, worker: Any) -> None:
        from threadpoolctl import threadpool_info, threadpool_limits

        from ..parallel import blas_threads
        from .engine import _host

        slots = self.share.get(_host(worker.address)) or self.default or int(getattr(worker, "nthreads", 1))
        # a limit, never a raise: a worker started from memverify inherits OPENBLAS_NUM_THREADS=1
        pools = [p["num_threads"] for p in threadpool_info() if p.get("user_api") == "blas"]
        self.threads = min([blas_threads(slots), *pools])
        threadpool_limits(self.threads, user_api="blas")  # for the life of this worker process
