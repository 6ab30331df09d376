"""Progress display for long runs: a rich bar on a terminal, one plain line per claim otherwise."""

from __future__ import annotations

import sys
import time
from types import TracebackType

from .verdicts import ClaimResult

__all__ = ["RunProgress"]


class RunProgress:
    """Reports claim-by-claim progress on stderr."""

    def __init__(self, total: int, enabled: bool = True):
        self.total = total
        self.enabled = enabled
        self.done = 0
        self._rich = None
        self._task = None
        self._started = time.perf_counter()

    def __enter__(self) -> RunProgress:
        if self.enabled and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._rich = Progress(TextColumn("{task.description}"), BarColumn(),
                                  TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                                  console=Console(stderr=True), transient=True,
                                  auto_refresh=False)  # no refresh thread: workers are forked
            self._rich.__enter__()
            self._task = self._rich.add_task("memverify run", total=self.total)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._rich is not None:
            self._rich.__exit__(exc_type, exc, tb)

    def start(self, claim_id: str) -> None:
        if self._rich is not None:
            self._rich.update(self._task, description=f"{claim_id}", refresh=True)

    def note(self, message: str) -> None:
        """A sub-step of the current claim (shown on a terminal only)."""
        if self._rich is not None:
            self._rich.update(self._task, description=message[:70], refresh=True)

    def finish(self, result: ClaimResult) -> None:
        self.done += 1
        if self._rich is not None:
            self._rich.advance(self._task)
            self._rich.refresh()
            self._rich.console.print(f"{result.id:<14} {result.status:<13} {result.seconds:7.2f} s")
        elif self.enabled:
            print(f"[{self.done}/{self.total}] {result.id}: {result.status} ({result.seconds:.2f} s)",
                  file=sys.stderr, flush=True)
