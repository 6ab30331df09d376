"""Run catalogued mutants and decide each one (the engine of ``memverify selftest``).

The unmutated code is run once over the union of the selected mutants' claims (the baseline);
then each mutant runs its own claims on its own mutated copy, ``jobs`` of them side by side
(each a subprocess with one worker, so ``jobs`` cores are used).
"""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from .catalogue import all_mutants
from .kill import KillRow, decide_kill, stale_row
from .mutant import Mutant, StaleMutant
from .sandbox import mutated_copy, repository_root, run_verdicts, snapshot

__all__ = ["select_mutants", "run_selftest", "UnknownMutantPattern"]


class UnknownMutantPattern(ValueError):
    """A ``--mutants`` pattern matched no catalogued mutant."""


def select_mutants(patterns: Sequence[str] | None = None, ci: bool = False) -> list[Mutant]:
    """The catalogued mutants whose id matches one of ``patterns`` (shell globs, any case), or all;
    with ``ci`` only those of the CI subset."""
    pool = [m for m in all_mutants() if m.ci or not ci]
    if not patterns:
        return pool
    chosen: dict[str, Mutant] = {}
    for pattern in patterns:
        hits = [m for m in pool if fnmatch.fnmatchcase(m.id.lower(), pattern.lower())]
        if not hits:
            raise UnknownMutantPattern(f"--mutants: '{pattern}' matches no mutant (see --list)")
        chosen.update((m.id, m) for m in hits)
    return [m for m in pool if m.id in chosen]


def _stale(m: Mutant, root: Path) -> str | None:
    try:
        m.apply((root / m.path).read_text(encoding="utf-8"))
    except (StaleMutant, OSError) as exc:
        return str(exc)
    return None


def run_selftest(mutants: Sequence[Mutant], *, jobs: int = 1, seed: int = 0, quick: bool = False,
                 timeout: float = 1800.0,
                 progress: Callable[[str], None] = lambda message: None) -> list[KillRow]:
    """Every mutant's kill-table row, in the order given (on a snapshot of the code taken first)."""
    with snapshot(repository_root()) as root:
        return _run(mutants, root, jobs, seed, quick, timeout, progress)


def _run(mutants, root, jobs, seed, quick, timeout, progress) -> list[KillRow]:
    rows: dict[str, KillRow] = {}
    live = []
    for m in mutants:
        reason = _stale(m, root)
        if reason:
            rows[m.id] = stale_row(m, reason)
        else:
            live.append(m)
    if live:
        claims = list(dict.fromkeys(c for m in live for c in m.claims))
        progress(f"baseline: {len(claims)} claims on the unmutated code")
        with mutated_copy(None, root) as clean:
            baseline = run_verdicts(clean, claims, seed=seed, quick=quick, jobs=jobs, timeout=timeout)

        def one(m: Mutant) -> KillRow:
            started = time.perf_counter()
            with mutated_copy(m, root) as copy:
                after = run_verdicts(copy, m.claims, seed=seed, quick=quick, jobs=1, timeout=timeout)
            return decide_kill(m, baseline, after, time.perf_counter() - started)

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {pool.submit(one, m): m for m in live}
            for done, future in enumerate(as_completed(futures), 1):
                row = future.result()
                rows[row.mutant] = row
                progress(f"[{done}/{len(live)}] {row.mutant}: {row.status}"
                         + (f" ({row.how})" if row.status == "killed" else f": {row.how}"))
    return [rows[m.id] for m in mutants]
