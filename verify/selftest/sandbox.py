"""Run claims over a mutated temporary copy of the package, never touching the working tree.

:func:`mutated_copy` copies ``derivations/`` and ``verify/`` into a temporary directory and
applies one mutant there; :func:`run_verdicts` runs ``python -m verify run`` in a subprocess
whose ``PYTHONPATH`` puts that copy first, and returns each claim's verdict. The copy is removed
on every exit path.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .mutant import Mutant

__all__ = ["PACKAGES", "repository_root", "snapshot", "mutated_copy", "run_verdicts", "ClaimOutcome"]

#: the top-level packages a mutant may patch and that the copy holds
PACKAGES = ("derivations", "verify")


def repository_root() -> Path:
    """The directory that holds the ``derivations`` and ``verify`` packages being tested."""
    return Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def snapshot(root: Path | None = None) -> Iterator[Path]:
    """A temporary copy of the packages as they are now (later edits of the tree do not reach it)."""
    with mutated_copy(None, root) as copy:
        yield copy


@contextlib.contextmanager
def mutated_copy(mutant: Mutant | None, root: Path | None = None) -> Iterator[Path]:
    """A temporary copy of the packages with ``mutant`` applied (none: the code as it is)."""
    root = root or repository_root()
    tmp = Path(tempfile.mkdtemp(prefix="memverify-selftest-"))
    try:
        for package in PACKAGES:
            shutil.copytree(root / package, tmp / package,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        if mutant is not None:
            target = tmp / mutant.path
            if mutant.path.split("/")[0] not in PACKAGES or not target.is_file():
                raise ValueError(f"mutant {mutant.id}: {mutant.path} is not a file of {PACKAGES}")
            target.write_text(mutant.apply(target.read_text(encoding="utf-8")), encoding="utf-8")
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@dataclass(frozen=True)
class ClaimOutcome:
    """One claim's verdict in a sandboxed run, with the checks that did not pass."""

    verdict: str
    failing: tuple[str, ...]  # checks with passed False or None
    checker_failed: bool
    error: str = ""  # why the checker failed, or the end of stderr when the run wrote no report


def run_verdicts(copy: Path, claims: Sequence[str], *, seed: int = 0, digits: int | None = None,
                 quick: bool = False, jobs: int = 1, timeout: float = 1800.0) -> dict[str, ClaimOutcome]:
    """Run ``claims`` on the package in ``copy`` and return each claim's outcome.

    A run that times out or writes no report gives every claim the verdict ``crashed`` (the
    mutant broke the tool itself, which counts as noticed only if the caller says so).
    """
    out = copy / "report"
    cmd = [sys.executable, "-m", "verify", "run", "--claims", ",".join(claims), "--out", str(out),
           "--seed", str(seed), "--jobs", str(jobs)]
    if digits is not None:
        cmd += ["--digits", str(digits)]
    if quick:
        cmd.append("--quick")
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(copy), os.environ.get("PYTHONPATH", "")]),
                        "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg"}
    try:
        proc = subprocess.run(cmd, cwd=copy, env=env, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {c: ClaimOutcome("crashed", ("timeout",), True, f"no report within {timeout:.0f} s")
                for c in claims}
    try:
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        return {c: ClaimOutcome("crashed", ("no report",), True, tail[0][:300]) for c in claims}
    failed = set(report.get("checker_failed", []))
    outcomes = {}
    for c in report["claims"]:
        open_checks = tuple(e["check"] for e in c["evidence"] if e.get("passed") is not True)
        error = next((e.get("detail", "") for e in c["evidence"] if e["check"] == "checker failed"), "")
        outcomes[c["id"]] = ClaimOutcome(c["status"], open_checks, c["id"] in failed, error[:300])
    return outcomes
