"""Work groups of claims in worker processes (``memverify run --jobs N``).

Each worker is a forked process that runs whole groups, claim by claim, and sends back each
result as soon as it is done (and the progress notes of the claim it runs). The parent hands the
next group to the first idle worker, so the longest groups, given first, start first. Forking
keeps what the parent imported and registered (plugin claims too); the parent holds no running
thread when it forks (the progress display refreshes only when told to). A worker that dies
takes only its current claims with it: they become ``inconclusive`` with the exit code as
evidence, and the other workers finish the run.

Each worker's BLAS thread pool is cut to its share of the cores (:func:`blas_threads`): two
workers that each start one OpenBLAS thread per core on a two-core machine spend most of their
time waiting for each other (measured: the default run took 221 s with two workers and 115 s
with one BLAS thread each).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
from collections.abc import Callable, Sequence
from dataclasses import replace

from .claim import Claim, RunContext
from .runner import failure, run_claim
from .verdicts import ClaimResult

__all__ = ["run_groups", "blas_threads"]


def blas_threads(jobs: int) -> int:
    """BLAS threads per worker when ``jobs`` workers share the machine's cores (at least 1)."""
    return max(1, (os.cpu_count() or 1) // max(1, jobs))


def _worker(tasks: mp.Queue, results: mp.Queue, ctx: RunContext, worker: int, threads: int) -> None:
    from threadpoolctl import threadpool_limits

    threadpool_limits(threads)  # for the life of this process
    ctx = replace(ctx, progress=lambda message: results.put(("note", worker, message)))
    while True:
        group = tasks.get()
        if group is None:
            return
        for c in group:
            results.put(("start", worker, c.id))
            result, ok = run_claim(c, ctx)
            results.put(("done", worker, (c.id, result, ok)))


def run_groups(groups: Sequence[Sequence[Claim]], ctx: RunContext, jobs: int,
               on_start: Callable[[Claim], None],
               on_finish: Callable[[ClaimResult], None]) -> dict[str, tuple[ClaimResult, bool]]:
    """Run ``groups`` on ``jobs`` workers; each claim id -> (result, checker worked)."""
    fork = mp.get_context("fork")
    results: mp.Queue = fork.Queue()
    pending = [list(g) for g in groups]
    by_id = {c.id: c for g in pending for c in g}
    workers: dict[int, tuple[mp.Process, mp.Queue]] = {}
    holding: dict[int, list[Claim]] = {}  # worker -> claims of its group not yet reported
    done: dict[str, tuple[ClaimResult, bool]] = {}
    progress = ctx.progress

    def hand_out(worker: int | None) -> None:
        """The next group to ``worker``; None: no worker is left, the rest cannot run."""
        if worker is None:
            for c in (c for group in pending for c in group):
                result = failure(c, "could not run", RuntimeError("every worker process died"))
                done[c.id] = (result, False)
                on_finish(result)
            pending.clear()
            return
        group = pending.pop(0) if pending else None
        holding[worker] = list(group or [])
        workers[worker][1].put(group)

    try:
        count = min(jobs, len(pending))
        for worker in range(count):
            tasks: mp.Queue = fork.Queue()
            proc = fork.Process(target=_worker, args=(tasks, results, replace(ctx, progress=None), worker,
                                      blas_threads(count)),
                                daemon=True, name=f"memverify-worker-{worker}")
            proc.start()
            workers[worker] = (proc, tasks)
            hand_out(worker)
        while len(done) < len(by_id):
            try:
                kind, worker, payload = results.get(timeout=1.0)
            except queue.Empty:
                _reap_dead(workers, holding, done, on_finish, hand_out)
                continue
            if kind == "note":
                progress(payload)
            elif kind == "start":
                on_start(by_id[payload])
            else:
                cid, result, ok = payload
                done[cid] = (result, ok)
                holding[worker] = [c for c in holding[worker] if c.id != cid]
                on_finish(result)
                if not holding[worker]:
                    hand_out(worker)
    finally:
        for proc, tasks in workers.values():
            if proc.is_alive():
                tasks.put(None)
        for proc, _ in workers.values():
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join()
    return done


def _reap_dead(workers, holding, done, on_finish, hand_out) -> None:
    """Claims held by a worker that died become inconclusive; when no worker is left, so do the
    groups nobody took."""
    for worker, (proc, _tasks) in list(workers.items()):
        if proc.is_alive():
            continue
        for c in holding.get(worker, []):
            result = failure(c, "died with its worker process",
                             RuntimeError(f"worker exit code {proc.exitcode}"))
            done[c.id] = (result, False)
            on_finish(result)
        holding[worker] = []
        del workers[worker]
    if not workers:
        hand_out(None)
