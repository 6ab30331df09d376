"""Long sweeps as pure, resumable tasks on a Dask cluster (``memverify sweep``).

:mod:`.engine` is the generic part (tasks, records, manifest, resume, the Dask client);
:mod:`.endpoints` certifies many seeded Gaussian starts with the endpoint engine, :mod:`.sqrt_h`
measures the :math:`\\sqrt h` laws of LLY26-T2/T3 over schedules and step counts. Only the engine is
imported here; the two sweeps are imported where they are used.
"""

from __future__ import annotations

from .engine import (
    CONNECT_TIMEOUT,
    RECORD_VERSION,
    SweepError,
    SweepRun,
    Task,
    dask_client,
    default_workers,
    read_manifest,
    record_path,
    run_tasks,
    settings_digest,
)

__all__ = ["CONNECT_TIMEOUT", "RECORD_VERSION", "SweepError", "SweepRun", "Task", "dask_client",
           "default_workers", "read_manifest", "record_path", "run_tasks", "settings_digest"]
