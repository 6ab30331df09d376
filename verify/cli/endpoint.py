"""``memverify endpoint``: certify where deterministic oracle generation from a start ends."""

from __future__ import annotations

import argparse
import json
from fractions import Fraction
from typing import Any

from .arguments import DIGITS_RANGE, EXIT_OK, UsageError, concrete_schedule, digits, output_file, positive_int

__all__ = ["add_parser", "command", "START_MAGNITUDE"]

#: Largest |entry| of --start (|Z_1| is a standard Gaussian draw; the centred tail lemma commits a
#: far start as soon as its own offsets favour an atom: |Z_1| = 10^6 certifies in a few steps)
START_MAGNITUDE = 10**6
#: Largest |entry| of the data: the engine recentres and rescales the data exactly, so offsets and
#: units cost nothing (measured: atoms 1e90 from the origin certify in 0.1 s); the limit only
#: keeps the exact rationals small
DATA_MAGNITUDE = Fraction(10) ** 100
#: Largest --max-steps (each step costs N p^2 ball operations; 10^6 steps is hours)
MAX_STEPS_LIMIT = 1_000_000


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``endpoint`` to ``subparsers`` and return it."""
    p = subparsers.add_parser(
        "endpoint", help="certify where deterministic oracle generation from a start ends",
        description="Integrate the oracle probability flow from Z_1 = START (t = 1) to t = 0 in "
                    "regular coordinates and certify the endpoint: a training sample, or a tie "
                    "(exact: the start lies on a tie set; unresolved: too close to one for the "
                    "requested precision).")
    p.add_argument("--data", required=True, metavar="FILE",
                   help="CSV (one sample per row; decimals or p/q, read exactly), .npy "
                        "(converted exactly) or builtin:NAME (triangle, square, line5, "
                        "duplicates)")
    p.add_argument("--start", required=True, metavar="X1,X2,...",
                   help="the start Z_1, comma-separated exact decimals (1e-30 allowed) or p/q")
    p.add_argument("--schedule", metavar="S", default="linear",
                   help="schedule for the commit time t (default: linear)")
    p.add_argument("--digits", type=digits, default=50, metavar="P",
                   help=f"working precision, {DIGITS_RANGE[0]}..{DIGITS_RANGE[1]} (default: 50)")
    p.add_argument("--max-steps", type=positive_int("--max-steps", maximum=MAX_STEPS_LIMIT), default=20000,
                   metavar="N", help=f"Taylor steps per pass before the run is reported undecided "
                                     f"(1..{MAX_STEPS_LIMIT}, default: 20000)")
    p.add_argument("--certificate", metavar="FILE", type=lambda t: output_file(t, "--certificate"),
                   help="write the proof (every validated step, exactly) to FILE when the endpoint is "
                        "certified; re-check it with 'memverify certificate check FILE'")
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.set_defaults(func=command)
    return p


def command(args: argparse.Namespace) -> int:
    """Certify the endpoint and print it (text or JSON)."""
    from ..datasets import load_dataset
    from ..inputs import check_magnitude, vector

    data = load_dataset(args.data)
    start = vector(args.start, "--start")
    if len(start) != len(data[0]):
        raise UsageError(f"--start has {len(start)} entries but the training samples have "
                         f"dimension {len(data[0])}")
    check_magnitude(data, f"--data {args.data}", DATA_MAGNITUDE,
                    "the exact arithmetic of the recentring (any offset and unit is carried exactly)")
    far = next((k for k, v in enumerate(start) if abs(v) > START_MAGNITUDE), None)
    if far is not None:
        raise UsageError(f"--start, entry {far + 1}: magnitude above {START_MAGNITUDE}, the largest start "
                         "the flow integration carries (Z_1 is a standard Gaussian draw)")
    schedule = concrete_schedule(args.schedule)
    from ..engine.endpoint import certify_endpoint

    result = certify_endpoint(data, start, digits=args.digits, schedule=schedule, max_steps=args.max_steps,
                              certificate=args.certificate is not None)
    written = None
    if args.certificate is not None and result.proof is not None:
        from ..engine.certfile import write_certificate

        written = write_certificate(result, args.certificate)
    if args.json:
        out = result.to_json()
        if args.certificate is not None:
            out["certificate"] = str(written) if written else None
        print(json.dumps(out, indent=2))
        return EXIT_OK
    if result.status == "training-sample":
        print(f"training sample: row {result.index} = ({', '.join(result.endpoint)})")
        print(f"  certified: Z_0 is exactly that row; after the commit |Z_t - alpha(t) X| <= "
              f"sigma(t) * {result.tail_radius}")
        print(f"  commit at SNR {result.commit_snr} (t = {result.commit_t} on {schedule.name})")
    elif result.tie_kind == "exact":
        print(f"exact tie between rows {result.tie_set}: endpoint ({', '.join(result.endpoint)}), "
              "not a training sample")
    elif result.status == "undecided":
        print(f"undecided ({result.outcome}): no commit within the limits of this run")
    else:
        print(f"tie (unresolved at {result.digits} digits) among rows {result.tie_set}")
    if result.detail:
        print(f"  {result.detail}")
    print(f"  {result.digits} digits, {result.steps} steps, {result.evaluations} evaluations, "
          f"{result.seconds:.2f} s")
    if written is not None:
        print(f"  certificate: {written} (re-check: memverify certificate check {written})")
    elif args.certificate is not None:
        print("  no certificate written: only a certified endpoint has a proof")
    return EXIT_OK
