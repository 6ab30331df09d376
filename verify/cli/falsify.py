r"""``memverify falsify``: search a claim's inequality for a counterexample, or re-check a replay file.

::

    memverify falsify --claim ID [--budget N] [--seed S] [--digits P] [--out FILE]
                      [--param KEY=VALUE ...] [--json]
    memverify falsify --replay FILE [--json]
    memverify falsify --list

The search (:func:`verify.falsify.falsify`) decides every example in python-flint balls at
``--digits`` and re-checks a shrunk violation at ``--digits + 30``. ``--out`` writes the replay
file (atomically) **only when the search found a violation** (status ``counterexample`` or
``unconfirmed``); when nothing was found nothing is written and the report says so. A search that
finds nothing reports its budget and coverage: it is not a proof. The examples that could not be
decided at ``--digits`` are counted and the first ones shown (text and ``--json``,
``undecided_examples``). ``--replay`` re-decides a stored example at its stored precisions; exit 0
whether or not the violation is reproduced.

Bad input (unknown claim id, ``--budget`` <= 0, a malformed ``--param``, an unwritable ``--out``,
a malformed or missing replay file) raises :class:`verify.cli.arguments.UsageError`: one line, exit 2,
nothing written.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import Any

from .arguments import UsageError, digits, output_file, positive_int, seed

__all__ = ["DEFAULT_BUDGET", "DEFAULT_DIGITS", "add_parser", "command"]

DEFAULT_BUDGET = 200
#: Largest --budget.
MAX_BUDGET = 100_000
DEFAULT_DIGITS = 50
DEFAULT_SEED = 0


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``falsify`` subcommand to ``subparsers`` (from ``add_subparsers``) and return it."""
    p = subparsers.add_parser(
        "falsify", help="search a claim's inequality for a counterexample (or re-check a replay file)",
        description=(
            "Search, with Hypothesis, over exact training sets, starts, schedules and step sizes for a "
            "violation of a claim's inequality; shrink it to a minimal example in exact rationals; "
            "re-check it at higher precision. Finding nothing is reported with the budget and the "
            "coverage: it is not a proof. --out writes a replay file only when a violation was found."),
        epilog="Exit codes: 0 completed (counterexample or not; replay reproduced or not), "
               "1 internal error, 2 bad input.")
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--claim", metavar="ID", help="claim id (see --list)")
    mode.add_argument("--replay", metavar="FILE", help="re-check the counterexample stored in FILE")
    mode.add_argument("--list", action="store_true", help="list the falsifiable claim ids")
    p.add_argument("--budget", type=positive_int("--budget", maximum=MAX_BUDGET), default=None,
                   help=f"examples to generate (default {DEFAULT_BUDGET}; shrinking gets as many more)")
    p.add_argument("--seed", type=seed, default=None, help=f"search seed (default {DEFAULT_SEED})")
    p.add_argument("--digits", type=digits, default=None,
                   help=f"working precision in decimal digits (default {DEFAULT_DIGITS}; the re-check "
                        "uses 30 more)")
    p.add_argument("--out", metavar="FILE", default=None,
                   help="write the replay file here when a violation is found (atomically)")
    p.add_argument("--param", action="append", default=None, metavar="KEY=VALUE",
                   help="an exact parameter of the inequality (e.g. C=1/2); repeatable")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=command)
    return p


# -- input checks --------------------------------------------------------------------------------

def _usage(message: str) -> Exception:
    return UsageError(message)


def _parse_params(items: list[str]) -> dict[str, Fraction]:
    from ..datasets import DataError, parse_number

    out: dict[str, Fraction] = {}
    for item in items:
        key, eq, value = item.partition("=")
        key = key.strip()
        if not eq or not key or not value.strip():
            raise _usage(f"--param {item!r}: expected KEY=VALUE with an exact rational VALUE")
        if key in out:
            raise _usage(f"--param {key} is given twice")
        try:
            out[key] = parse_number(value, f"--param {key}")
        except DataError as exc:
            raise _usage(str(exc)) from None
    return out


def _user_errors() -> tuple[type[BaseException], ...]:
    from hypothesis.errors import Unsatisfiable

    from ..falsify.claims import ExampleError, ParameterError
    from ..falsify.exact import ExactValueError
    from ..falsify.registry import UnknownInequality
    from ..falsify.replay_file import ReplayError
    from ..sampling import SamplerError

    return (UnknownInequality, ParameterError, ExampleError, ReplayError, ExactValueError, SamplerError,
            Unsatisfiable)


@contextlib.contextmanager
def _hypothesis_storage_elsewhere():
    """Hypothesis caches what it learns in ``./.hypothesis``; the command points it at a temporary
    directory (removed afterwards), so that it leaves nothing in the working directory."""
    import hypothesis.configuration as configuration

    previous = vars(configuration).get("__hypothesis_home_directory")  # None: not chosen yet
    with tempfile.TemporaryDirectory(prefix="memverify-hypothesis-") as tmp:
        configuration.set_hypothesis_home_dir(tmp)
        try:
            yield
        finally:
            configuration.set_hypothesis_home_dir(previous)


def _refuse_with_replay(args: argparse.Namespace) -> None:
    given = [flag for flag, value in (("--budget", args.budget), ("--seed", args.seed),
                                      ("--digits", args.digits), ("--out", args.out),
                                      ("--param", args.param)) if value is not None]
    if given:
        raise _usage(f"{', '.join(given)} cannot be combined with --replay (the file stores them)")


# -- the command ---------------------------------------------------------------------------------

def command(args: argparse.Namespace) -> int:
    """Run ``memverify falsify``; returns the exit code (0), raises ``UsageError`` on bad input."""
    try:
        if args.list:
            return _list(args)
        if args.replay is not None:
            _refuse_with_replay(args)
            return _replay(args)
        with _hypothesis_storage_elsewhere():
            return _search(args)
    except _user_errors() as exc:
        from hypothesis.errors import Unsatisfiable

        if isinstance(exc, Unsatisfiable):
            raise _usage(f"{args.claim}: no generated example met the inequality's condition "
                         "(are the --param values too strict?)") from None
        raise _usage(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None


def _list(args: argparse.Namespace) -> int:
    from ..falsify.registry import inequality_for, known_inequalities

    rows = [(cid, inequality_for(cid)) for cid in known_inequalities()]
    if args.json:
        print(json.dumps([{"claim": cid, "name": ineq.name, "description": ineq.description,
                           "params": {k: str(v) for k, v in ineq.params.items()}} for cid, ineq in rows],
                         indent=2))
        return 0
    for cid, ineq in rows:
        params = ", ".join(f"{k}={v}" for k, v in ineq.params.items()) or "no parameters"
        print(f"{cid}: {ineq.name} ({params})")
    return 0


def _search(args: argparse.Namespace) -> int:
    from ..falsify.engine import falsify
    from ..falsify.registry import inequality_for
    from ..falsify.replay_file import write_replay

    params = _parse_params(args.param or [])
    out = None if args.out is None else output_file(args.out, "--out")  # refused before searching
    ineq = inequality_for(args.claim, params)
    budget = DEFAULT_BUDGET if args.budget is None else args.budget
    seed = DEFAULT_SEED if args.seed is None else args.seed
    digits = DEFAULT_DIGITS if args.digits is None else args.digits

    def progress(line: str) -> None:
        print(f"memverify falsify: {line}", file=sys.stderr, flush=True)

    report = falsify(ineq, budget=budget, seed=seed, digits=digits,
                     progress=None if args.json else progress)
    written = None
    if out is not None and report.example is not None:
        try:
            written = write_replay(report, out)
        except OSError as exc:
            raise _usage(f"--out {out}: cannot write ({exc.strerror or type(exc).__name__})") from None
    if args.json:
        data = report.to_json() | {"description": ineq.description,
                                   "replay_file": None if written is None else str(written)}
        print(json.dumps(data, indent=2))
        return 0
    _print_report(report, ineq.description, out, written)
    return 0


def _field_line(key: str, info: dict[str, Any]) -> str:
    parts = [f"{info['distinct']} distinct"]
    if "strings" in info:
        parts.append(", ".join(info["strings"]))
    if "lengths" in info:
        lo, hi = info["lengths"]
        parts.append(f"length {lo}" if lo == hi else f"lengths {lo}..{hi}")
    if "min" in info:
        parts.append(f"numbers in [{info['min']}, {info['max']}]")
    return f"    {key}: " + "; ".join(parts)


def _print_report(report: Any, description: str, out: Path | None, written: Path | None) -> None:
    cov = report.coverage
    verdicts = cov.get("verdicts", {})
    rejected = report.examples_tried - sum(verdicts.values())
    print(f"falsify {report.claim}: {report.name}")
    print(f"  statement: {description}")
    if report.params:
        print("  params: " + ", ".join(f"{k} = {v}" for k, v in report.params.items()))
    print(f"  search: budget {report.budget}, seed {report.seed}, {report.digits} digits, "
          f"{report.examples_tried} examples evaluated in {report.seconds:.2f} s")
    line = (f"  verdicts: {verdicts.get('holds', 0)} hold, {verdicts.get('violated', 0)} violated, "
            f"{verdicts.get('undecided', 0)} undecided")
    if rejected:
        line += f"; {rejected} rejected by the inequality's condition"
    print(line)
    kept = getattr(report, "undecided_examples", ())
    if kept:
        print(f"  undecided examples ({len(kept)} of {report.undecided} shown; undecided at "
              f"{report.digits} digits, try a higher --digits):")
        for item in kept:
            example = ", ".join(f"{k} = {json.dumps(v).replace(chr(34), '')}"
                                for k, v in item["example"].items())
            print(f"    {example}: {item['reason'] or 'undecided'}; lhs - rhs = {item['lhs_minus_rhs']}")
    print("  coverage:")
    for key, info in cov.get("fields", {}).items():
        print(_field_line(key, info))
    extras = [f"{label} {cov[key]}" for key, label in (("max_lhs_over_rhs", "max lhs/rhs"),
                                                      ("min_margin", "min steering margin"))
              if key in cov]
    if extras:
        print("    " + ", ".join(extras))
    if report.status == "none-found":
        decided = sum(verdicts.values())
        print(f"  status: none-found: no counterexample among {decided} decided examples "
              f"(budget {report.budget}); this is not a proof")
    else:
        print(f"  status: {report.status}")
        print("  counterexample (exact):")
        for key, value in (report.counterexample or {}).items():
            print(f"    {key} = {json.dumps(value).replace(chr(34), '')}")
        for label, dec in (("search", report.evaluation), ("re-check", report.recheck)):
            print(f"  {label} at {dec['digits']} digits: {dec['verdict']}; lhs = {dec['lhs']}, "
                  f"rhs = {dec['rhs']}, lhs - rhs = {dec['lhs_minus_rhs']}")
        if report.status == "counterexample":
            print(f"  verdict: the inequality is violated (certain at {report.digits} and "
                  f"{report.recheck_digits} digits)")
        else:
            print(f"  verdict: violated at {report.digits} digits but NOT confirmed at "
                  f"{report.recheck_digits} digits")
    if written is not None:
        print(f"  replay file: wrote {written}")
    elif out is not None:
        print(f"  replay file: not written ({out}): no violation was found")


def _replay(args: argparse.Namespace) -> int:
    from ..falsify.replay_file import replay

    result = replay(Path(args.replay))
    if args.json:
        print(json.dumps(result.to_json() | {"file": args.replay}, indent=2))
        return 0
    print(f"replay {args.replay}: {result.claim or '(user bound)'}: {result.name}")
    print(f"  stored status: {result.stored_status or '?'}")
    for key, value in result.example.items():
        from ..falsify.exact import readable

        print(f"    {key} = {json.dumps(readable(value)).replace(chr(34), '')}")
    for precision, dec in ((result.digits, result.evaluation), (result.recheck_digits, result.recheck)):
        extra = f" ({dec['reason']})" if dec.get("reason") else ""
        print(f"  at {precision} digits: {dec['verdict']}{extra}; lhs = {dec['lhs']}, rhs = {dec['rhs']}, "
              f"lhs - rhs = {dec['lhs_minus_rhs']}")
    if result.reproduced:
        print(f"  REPRODUCED: the violation is certain at {result.digits} and {result.recheck_digits} digits")
    else:
        print("  NOT REPRODUCED: the stored example does not violate the inequality at both precisions")
    return 0
