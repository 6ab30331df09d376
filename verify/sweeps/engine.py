r"""The generic sweep engine: pure tasks, one JSON record each, resumable, on a Dask cluster.

A sweep is a list of :class:`Task` s, each a stable ``name`` and the arguments of one *pure*
function (its randomness seeded by its arguments), and a JSON-able ``settings`` mapping that fixes
every number a record depends on. Its digest

.. math:: \mathrm{digest}=\mathrm{sha256}\big(\mathrm{json}(\text{sweep kind},\ \text{record version},\
    \text{settings})\big)

is written to ``OUT/manifest.json`` with the settings before the first record, and into every
record ``OUT/records/<name>.json`` (written atomically as it arrives). A rerun on the same ``OUT``
reuses the records it finds and submits only the rest; an ``OUT`` whose manifest or records carry
another digest is refused with one line (:class:`SweepError`) before anything runs or is written.

Where the tasks run: ``workers=0`` in this process (no Dask), ``workers=W`` a ``LocalCluster`` of
``W`` single-threaded worker processes, ``scheduler=ADDRESS`` a running Dask scheduler (connect
timeout :data:`CONNECT_TIMEOUT`). Each worker process limits its BLAS pool to its share of its
machine's cores (:func:`verify.parallel.blas_threads`, as ``memverify run --jobs`` does).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["CONNECT_TIMEOUT", "RECORD_VERSION", "SweepError", "Task", "SweepRun", "settings_digest",
           "dask_client", "run_tasks", "default_workers", "record_path", "read_manifest"]

#: Seconds to wait for a scheduler given by address.
CONNECT_TIMEOUT = 10
#: Version of the record layout (part of the digest).
RECORD_VERSION = 1
MANIFEST = "manifest.json"
RECORDS = "records"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,150}")


class SweepError(ValueError):
    """Bad input to a sweep (an unreachable scheduler, an ``OUT`` of other settings): one line,
    exit code 2."""


@dataclass(frozen=True)
class Task:
    """One unit of work: its record's ``name`` (letters, digits, ``.``, ``_``, ``-``) and the
    positional arguments of the sweep's function."""

    name: str
    args: tuple = ()

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ValueError(f"task name {self.name!r} is not a file name of letters, digits, . _ -")


@dataclass
class SweepRun:
    """The records of every task (in task order), which were computed and which reused."""

    kind: str
    digest: str
    records: dict[str, dict[str, Any]]
    computed: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cluster: str = ""


def default_workers() -> int:
    """The cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def settings_digest(kind: str, settings: Mapping[str, Any]) -> str:
    """Short hash of the sweep kind, the record version and the settings."""
    payload = json.dumps({"sweep": kind, "version": RECORD_VERSION, "settings": settings}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def record_path(out: Path, name: str) -> Path:
    """Where the record of task ``name`` lives in ``out``."""
    return Path(out) / RECORDS / f"{name}.json"


def read_manifest(out: Path) -> dict[str, Any] | None:
    """The manifest of ``out`` (None when there is none)."""
    path = Path(out) / MANIFEST
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SweepError(f"{path}: not a readable sweep manifest ({type(exc).__name__}); "
                         "use another --out or remove it") from None
    if not isinstance(manifest, dict) or "digest" not in manifest:
        raise SweepError(f"{path}: not a memverify sweep manifest; use another --out or remove it")
    return manifest


def _differences(old: Any, new: Mapping[str, Any]) -> str:
    if not isinstance(old, dict):
        return "settings"
    keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    return ", ".join(keys) or "record version"


def _check_out(out: Path, kind: str, digest: str, settings: Mapping[str, Any],
               names: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Refuse an ``out`` of other settings; return the usable records already there."""
    manifest = read_manifest(out)
    if manifest is not None and (manifest.get("sweep") != kind or manifest.get("digest") != digest):
        if manifest.get("sweep") != kind:
            what = f"a {manifest.get('sweep')!r} sweep"
        else:
            differing = _differences(manifest.get("settings"), settings)
            what = f"records of other settings (differing: {differing})"
        raise SweepError(f"{out} holds {what}; use another --out, or remove it to start again")
    found: dict[str, dict[str, Any]] = {}
    folder = Path(out) / RECORDS
    if not folder.is_dir():
        return found
    wanted = set(names)
    for path in sorted(folder.glob("*.json")):
        try:
            stored = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError, UnicodeDecodeError):
            continue  # unreadable (not ours to judge): recomputed and overwritten if it is a task's
        if not isinstance(stored, dict):
            continue
        if stored.get("digest") != digest or stored.get("sweep") != kind:
            raise SweepError(f"{path}: a record made with other settings (digest {stored.get('digest')}, "
                             f"this sweep {digest}); use another --out, or remove it to start again")
        name = path.name[:-5]
        if name in wanted and stored.get("task") == name and isinstance(stored.get("record"), dict):
            found[name] = stored["record"]
    return found


def _write_record(out: Path, kind: str, digest: str, name: str, record: dict[str, Any]) -> None:
    from derivations.printing import write_text_atomic

    path = record_path(out, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps({"sweep": kind, "version": RECORD_VERSION, "digest": digest,
                                        "task": name, "record": record}, sort_keys=True) + "\n")


def _write_manifest(out: Path, kind: str, digest: str, settings: Mapping[str, Any]) -> None:
    from derivations.printing import write_text_atomic

    Path(out).mkdir(parents=True, exist_ok=True)
    write_text_atomic(Path(out) / MANIFEST, json.dumps({"sweep": kind, "version": RECORD_VERSION,
                                                        "digest": digest, "settings": settings},
                                                       indent=1, sort_keys=True) + "\n")


# -- the Dask client ---------------------------------------------------------------------------------

def _host(address: str) -> str:
    from urllib.parse import urlparse

    return urlparse(address).hostname or address


@contextlib.contextmanager
def dask_client(scheduler: str | None = None, workers: int = 2,
                timeout: float | None = None) -> Iterator[Any]:
    """A ``dask.distributed`` client: a LocalCluster of ``workers`` single-threaded processes, or the
    scheduler at ``scheduler`` (:class:`SweepError` in one line when none answers within ``timeout``
    seconds, default :data:`CONNECT_TIMEOUT`). Every worker, also one that joins later, limits its
    BLAS pool to its share of its machine's cores. Closed (with the cluster) on exit."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise SweepError(f"the sweeps need dask.distributed ({exc})") from None
    timeout = CONNECT_TIMEOUT if timeout is None else timeout
    cluster = None
    if scheduler is None:
        if workers < 1:
            raise SweepError(f"workers must be a positive integer, got {workers}")
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout=timeout)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise SweepError(f"no Dask scheduler at {scheduler!r} within {timeout:g} s: "
                             f"{' '.join(str(exc).split()) or type(exc).__name__}") from None
    try:
        from .workers import BlasLimit

        if cluster is not None:
            share: dict[str, int] = {}
            default = workers
        else:  # worker slots per host: the BLAS pool of each is the host's cores over them
            share = {}
            for address, info in client.scheduler_info().get("workers", {}).items():
                host = _host(address)
                share[host] = share.get(host, 0) + int(info.get("nthreads", 1) or 1)
            default = 0
        client.register_plugin(BlasLimit(share, default), name="memverify-blas-limit")
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _cluster_text(scheduler: str | None, workers: int) -> str:
    if scheduler is not None:
        return f"Dask scheduler {scheduler}"
    return "this process" if workers == 0 else f"LocalCluster({workers} workers)"


def _progress_every(total: int) -> int:
    return max(1, math.ceil(total / 100))


# -- running -----------------------------------------------------------------------------------------

def run_tasks(kind: str, function: Callable[..., dict[str, Any]], tasks: Sequence[Task],
              settings: Mapping[str, Any], out: Path | None = None, *,
              shared: Mapping[str, Any] | None = None,
              workers: int = 0, scheduler: str | None = None, client: Any = None,
              progress: Callable[[str], None] | None = None, timeout: float | None = None) -> SweepRun:
    """Run every task ``function(*task.args, **shared)`` (a JSON-able dict) and return the records.

    ``out``: records already there are reused, new ones written atomically as they arrive (and
    the manifest before the first); ``None`` keeps nothing. ``shared``: large arguments common to
    all tasks, sent once to every worker. ``workers=0``: in this process; ``workers=W``: a
    LocalCluster of ``W`` processes; ``scheduler``: a running Dask scheduler; ``client``: an open
    ``dask.distributed`` client (the caller keeps it)."""
    begin = time.perf_counter()
    names = [t.name for t in tasks]
    if len(set(names)) != len(names):
        raise ValueError("task names must be distinct")
    if workers < 0:
        raise SweepError(f"workers must be a non-negative integer, got {workers}")
    settings = json.loads(json.dumps(dict(settings), sort_keys=True))  # JSON-able, plain types
    digest = settings_digest(kind, settings)
    shared = dict(shared or {})
    say = progress or (lambda message: None)
    found = _check_out(Path(out), kind, digest, settings, names) if out is not None else {}
    todo = [t for t in tasks if t.name not in found]
    cluster = "a given client" if client is not None else _cluster_text(scheduler, workers)
    run = SweepRun(kind, digest, {}, [], [t.name for t in tasks if t.name in found], cluster=cluster)
    if found:
        say(f"{kind}: {len(found)} of {len(tasks)} records reused from {out}")
    computed: dict[str, dict[str, Any]] = {}
    every = _progress_every(len(todo))

    def arrived(name: str, record: dict[str, Any]) -> None:
        if not isinstance(record, dict):
            raise TypeError(f"task {name} returned {type(record).__name__}, not a record (dict)")
        record = json.loads(json.dumps(record))  # what the file holds, whichever way it ran
        if out is not None:
            _write_record(Path(out), kind, digest, name, record)
        computed[name] = record
        run.computed.append(name)
        n = len(computed)
        if n % every == 0 or n == len(todo):
            say(f"{kind}: {n}/{len(todo)} tasks done ({name}), {time.perf_counter() - begin:.1f} s")

    if todo:
        if client is None and scheduler is None and workers == 0:
            if out is not None:
                _write_manifest(Path(out), kind, digest, settings)
            for task in todo:
                arrived(task.name, function(*task.args, **shared))
        elif client is not None:
            _run_dask(client, kind, digest, function, todo, shared, out, settings, arrived)
        else:
            with dask_client(scheduler, workers, timeout) as own:
                _run_dask(own, kind, digest, function, todo, shared, out, settings, arrived)
    elif out is not None and read_manifest(Path(out)) is None:
        _write_manifest(Path(out), kind, digest, settings)
    run.records = {name: found[name] if name in found else computed[name] for name in names}
    run.seconds = time.perf_counter() - begin
    return run


def _run_dask(client: Any, kind: str, digest: str, function: Callable[..., dict[str, Any]],
              todo: Sequence[Task], shared: Mapping[str, Any], out: Path | None,
              settings: Mapping[str, Any], arrived: Callable[[str, dict[str, Any]], None]) -> None:
    from dask.distributed import as_completed

    if out is not None:  # connected (or the cluster is up): the sweep will run
        _write_manifest(Path(out), kind, digest, settings)
    # each shared value once to every worker, as one object (a list would be scattered by element),
    # under keys of this submission: a rerun on the same client never meets a key being released
    scattered = {k: client.scatter([v], broadcast=True, hash=False)[0] for k, v in shared.items()}
    token = uuid.uuid4().hex[:8]
    futures = {}
    for task in todo:
        future = client.submit(function, *task.args, key=f"memverify-{kind}-{task.name}-{digest}-{token}",
                               pure=False, **scattered)
        futures[future.key] = (future, task.name)
    try:
        for future in as_completed([f for f, _ in futures.values()]):
            name = futures[future.key][1]
            record = future.result()
            future.release()
            arrived(name, record)
    finally:
        for future, _ in futures.values():
            if not future.done():
                future.cancel()
