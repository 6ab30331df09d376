r"""Whether a mutant was noticed: one row of the kill table.

A mutant is **killed** when at least one of its claims changes verdict against the unmutated
code *and* none of its claims is ``verified`` under it. How it was killed is recorded: a check
that failed or could not decide (``check``), a checker that crashed (``crash``: a weaker kill —
the tool noticed only because it broke), or a run that timed out or wrote no report
(``run failed``). A mutant whose snippet is no longer in the code is ``stale``: a fault of the
catalogue, never a kill.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .mutant import Mutant
from .sandbox import ClaimOutcome

__all__ = ["KillRow", "decide_kill", "stale_row", "tally", "render_text", "render_markdown"]


@dataclass(frozen=True)
class KillRow:
    """One mutant's outcome: verdicts per claim before and after, and the decision."""

    mutant: str
    area: str
    kind: str
    description: str
    claims: tuple[str, ...]
    before: dict[str, str]
    after: dict[str, str]
    status: str  # killed, survived, stale
    how: str  # check, crash, run failed, ...
    failing: dict[str, list[str]] = field(default_factory=dict)  # claim -> checks not passed
    seconds: float = 0.0

    @property
    def killed(self) -> bool:
        return self.status == "killed"

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["claims"] = list(self.claims)
        return out


def decide_kill(mutant: Mutant, before: Mapping[str, ClaimOutcome], after: Mapping[str, ClaimOutcome],
                seconds: float = 0.0) -> KillRow:
    """The kill-table row of ``mutant`` from the baseline and the mutated outcomes."""
    missing = ClaimOutcome("missing", ("not in the report",), True)
    b = {c: before.get(c, missing) for c in mutant.claims}
    a = {c: after.get(c, missing) for c in mutant.claims}
    moved = [c for c in mutant.claims if a[c].verdict != b[c].verdict]
    still_verified = [c for c in mutant.claims if a[c].verdict == "verified"]
    if moved and not still_verified:
        status = "killed"
        if any(a[c].verdict == "crashed" for c in moved):
            how = "run failed"
        elif all(a[c].checker_failed for c in moved):
            how = "crash"
        else:
            how = "check"
    else:
        status = "survived"
        how = (f"still verified: {', '.join(still_verified)}" if still_verified
               else "no verdict moved")
    failing = {c: ([f"{a[c].failing[0]}: {a[c].error}"] if a[c].error else list(a[c].failing))
               for c in moved}
    return KillRow(mutant.id, mutant.area, mutant.kind, mutant.description, tuple(mutant.claims),
                   {c: b[c].verdict for c in mutant.claims}, {c: a[c].verdict for c in mutant.claims},
                   status, how, failing, round(seconds, 1))


def stale_row(mutant: Mutant, reason: str) -> KillRow:
    """The row of a mutant whose snippet no longer occurs exactly once."""
    return KillRow(mutant.id, mutant.area, mutant.kind, mutant.description, tuple(mutant.claims),
                   {}, {}, "stale", reason)


def _verdicts(row: KillRow) -> str:
    if row.status == "stale":
        return "-"
    return "; ".join(f"{c}: {row.before[c]} -> {row.after[c]}" for c in row.claims)


def render_text(rows: Sequence[KillRow]) -> str:
    """A plain-text kill table with a closing tally."""
    head = ("mutant", "area", "kind", "verdicts (before -> after)", "result", "seconds")
    lines = [(r.mutant, r.area, r.kind, _verdicts(r),
              r.status if r.status != "killed" else f"killed ({r.how})", f"{r.seconds:.0f}") for r in rows]
    widths = [max(len(x[k]) for x in [head, *lines]) for k in range(len(head))]
    widths[3] = min(widths[3], 70)
    out = ["  ".join(v[:w].ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
           for row in [head, *lines]]
    return "\n".join(out) + "\n" + tally(rows) + "\n"


def tally(rows: Sequence[KillRow]) -> str:
    """``K of M mutants killed (...)``, with the crash kills and the failures named."""
    killed = [r for r in rows if r.killed]
    crash = [r for r in killed if r.how != "check"]
    bad = [r.mutant for r in rows if not r.killed]
    text = f"{len(killed)} of {len(rows)} mutants killed"
    if crash:
        text += f" ({len(crash)} by a crash or a failed run rather than a failing check)"
    if bad:
        text += f"; not killed: {', '.join(bad)}"
    return text + "."


def render_markdown(rows: Sequence[KillRow]) -> str:
    """The kill table as Markdown, grouped by area."""
    lines = ["| mutant | kind | what it breaks | claims: verdict before → after | result "
             "| how (failing checks) |", "|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: (r.area, r.mutant)):
        failing = "; ".join(f"{c}: {', '.join(checks[:2])}{' …' if len(checks) > 2 else ''}"
                            for c, checks in r.failing.items())
        lines.append(f"| `{r.mutant}` ({r.area}) | {r.kind} | {r.description.replace('|', '/')} | "
                     f"{_verdicts(r).replace('->', '→')} | **{r.status}** | {r.how}"
                     f"{': ' + failing.replace('|', '/') if failing else ''} |")
    return "\n".join(lines) + "\n\n" + tally(rows) + "\n"
