"""Per-claim times of a run next to the times before issue 14 (one table, CI prints it).

    python benchmarks/claim_table.py [REPORT_DIR]   (default: memverify-report)

Reads REPORT_DIR/timings.json (written by every ``memverify run``) and
benchmarks/timings-before.json (the full default run at revision 8ac6333, before the derivation
cache and the faster denoiser, measured by ``benchmarks/bench_run.py``), and prints both columns
and their ratio, the slowest claim first, with the two wall times. Times depend on the machine and
its load: the ratio is the comparison, on the same machine only.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

BEFORE = Path(__file__).with_name("timings-before.json")


def main(argv: list[str]) -> int:
    directory = Path(argv[0]) if argv else Path("memverify-report")
    try:
        now = json.loads((directory / "timings.json").read_text())
    except (OSError, json.JSONDecodeError) as exc:
        print(f"claim_table: cannot read {directory / 'timings.json'}: {exc}", file=sys.stderr)
        return 2
    before = json.loads(BEFORE.read_text())
    print(f"{'claim':<14}{'before':>9}{'now':>9}{'now/before':>12}")
    claims = now["claims"]
    for cid in sorted(claims, key=lambda c: -before["claims"].get(c, 0.0)):
        b, n = before["claims"].get(cid), claims[cid]
        ratio = f"{n / b:12.2f}" if b and b > 0.05 else f"{'-':>12}"
        shown = f"{b:9.2f}" if b is not None else f"{'-':>9}"
        print(f"{cid:<14}{shown}{n:9.2f}{ratio}")
    wall_before, wall_now = before["seconds"], now["seconds"]
    print(f"{'wall':<14}{wall_before:9.1f}{wall_now:9.1f}{wall_now / wall_before:12.2f}")
    print(f"(before: {before['note']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
