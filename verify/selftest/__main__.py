"""``python -m verify.selftest MUTANT_ID [...]``: run mutants' claims before and after (a developer's
tool until ``memverify selftest`` exists)."""

from __future__ import annotations

import sys

from .catalogue import all_mutants
from .sandbox import mutated_copy, run_verdicts


def main(argv: list[str]) -> int:
    wanted = set(argv)
    mutants = [m for m in all_mutants() if not wanted or m.id in wanted]
    for m in mutants:
        with mutated_copy(None) as clean:
            before = run_verdicts(clean, m.claims)
        with mutated_copy(m) as copy:
            after = run_verdicts(copy, m.claims)
        for cid in m.claims:
            b, a = before[cid], after.get(cid)
            moved = a is None or a.verdict != b.verdict
            print(f"{m.id:<28} {cid:<13} {b.verdict:>13} -> {a.verdict if a else 'missing':<13} "
                  f"{'KILLED' if moved else 'survived'}  {', '.join(a.failing[:3]) if a else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
