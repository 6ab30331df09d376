"""memverify in your own test suite: certified endpoints, claims and falsification as pytest checks.

Installing memverify registers this module as a pytest plugin (entry point ``pytest11``, name
``memverify``), so every pytest session loads it. It imports only the standard library and pytest
when it loads; memverify's engine, SymPy, mpmath, python-flint and Hypothesis are imported the
first time a fixture or marker uses them.

Fixtures (each a callable; the defaults come from the ``--memverify-*`` options):

* ``memverify_endpoint(data, start, *, row=None, tie=None, digits=None, **options)`` certifies
  where the oracle flow from ``start`` ends (:func:`verify.engine.certify_endpoint`) and returns
  the :class:`~verify.engine.EndpointResult`; with ``row=`` or ``tie=`` it is :func:`assert_endpoint`;
* ``memverify_falsify(inequality, ...)`` is :func:`assert_no_counterexample`;
* ``memverify_claim(claim_id, *, accept=None, ...)`` runs a registered claim and returns its
  :class:`~verify.verdicts.ClaimResult` (once per session and settings); with ``accept=`` it is
  :func:`assert_claim`.

The marker ``@pytest.mark.memverify_claim("ID", accept=("verified",))`` runs the claim before the
test's body and fails the test, with the verdict and the evidence that is not a pass, unless the
verdict is accepted. Options: ``--memverify-plugin FILE_OR_MODULE`` (claims of your own, as
``memverify run --plugin``; installed plugins of the entry-point group ``memverify.claims`` load
on the first claim), ``--memverify-digits P``, ``--memverify-seed S``, ``--memverify-budget N``
(falsification examples) and ``--memverify-quick``. See ``docs/pytest-plugin.md``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from verify.engine import EndpointResult
    from verify.falsify import FalsificationReport, Inequality
    from verify.verdicts import ClaimResult, Evidence

__all__ = [
    "DEFAULT_BUDGET",
    "DEFAULT_DIGITS",
    "UndecidedWarning",
    "assert_claim",
    "assert_endpoint",
    "assert_no_counterexample",
]

#: working precision (decimal digits) unless ``--memverify-digits`` or an argument says otherwise
DEFAULT_DIGITS = 50
#: examples a falsification search draws unless ``--memverify-budget`` or ``budget=`` says otherwise
DEFAULT_BUDGET = 200

#: the limits of the options (the command line's: ``memverify run --digits``, ``falsify --budget``)
_DIGITS_RANGE = (20, 2000)
_MAX_BUDGET = 100_000
_MAX_SEED = 2**63 - 1
#: the evidence lines a failed claim lists (the others are counted)
_MAX_EVIDENCE_LINES = 20
_INTEGER = re.compile(r"[+-]?[0-9]{1,40}")
_VERDICTS = ("verified", "refuted", "conditional", "inconclusive", "out-of-scope")
_MARKER_OPTIONS = ("accept", "digits", "seed", "quick", "schedules")


class UndecidedWarning(UserWarning):
    """A falsification search that found no counterexample, but left examples undecided."""


@dataclass(frozen=True)
class _Settings:
    digits: int = DEFAULT_DIGITS
    seed: int = 0
    budget: int = DEFAULT_BUDGET
    quick: bool = False


_SETTINGS = pytest.StashKey[_Settings]()
_CLAIM_CACHE = pytest.StashKey[dict]()
#: claim plugins imported in this process, by spec (a second session in one process reuses them)
_PLUGINS: dict[str, ModuleType] = {}
_entry_points_loaded = False


# -- pytest hooks ---------------------------------------------------------------------------------

def pytest_addoption(parser: pytest.Parser) -> None:
    """The ``--memverify-*`` options (parsed and checked in :func:`pytest_configure`)."""
    group = parser.getgroup("memverify", "memverify: certified endpoints, claims, falsification")
    group.addoption("--memverify-plugin", action="append", default=[], metavar="FILE_OR_MODULE",
                    help="import a module (a .py file or a dotted name) that registers claims of "
                         "its own, as 'memverify run --plugin' (repeatable)")
    group.addoption("--memverify-digits", default=None, metavar="P",
                    help=f"working precision in decimal digits, {_DIGITS_RANGE[0]}..{_DIGITS_RANGE[1]} "
                         f"(default {DEFAULT_DIGITS})")
    group.addoption("--memverify-seed", default=None, metavar="S",
                    help="seed of claims and falsification searches (default 0)")
    group.addoption("--memverify-budget", default=None, metavar="N",
                    help=f"examples per falsification search, 1..{_MAX_BUDGET:,} (default {DEFAULT_BUDGET})")
    group.addoption("--memverify-quick", action="store_true", default=False,
                    help="run claims with fewer sample points and steps (memverify run --quick)")


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker, check the options (:class:`pytest.UsageError` for a bad value) and
    import the ``--memverify-plugin`` modules."""
    config.addinivalue_line(
        "markers", "memverify_claim(claim_id, accept=('verified',), digits=None, seed=None, quick=None, "
                   "schedules=()): run a registered memverify claim before the test; fail unless its "
                   "verdict is accepted")
    config.stash[_SETTINGS] = _Settings(
        digits=_int_option(config, "digits", *_DIGITS_RANGE, DEFAULT_DIGITS),
        seed=_int_option(config, "seed", 0, _MAX_SEED, 0),
        budget=_int_option(config, "budget", 1, _MAX_BUDGET, DEFAULT_BUDGET),
        quick=bool(config.getoption("memverify_quick")))
    config.stash[_CLAIM_CACHE] = {}
    for spec in config.getoption("memverify_plugin") or []:
        _load_plugin(spec)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    """Run the test's ``memverify_claim`` markers before its body; fail it on a verdict not accepted."""
    for marker in item.iter_markers("memverify_claim"):
        _run_marker(item, marker)


def _int_option(config: pytest.Config, name: str, lo: int, hi: int, default: int) -> int:
    text = config.getoption(f"memverify_{name}")
    if text is None:
        return default
    s = str(text).strip()
    if not _INTEGER.fullmatch(s):
        raise pytest.UsageError(f"--memverify-{name} must be an integer, got {str(text)[:60]!r}")
    value = int(s)
    if not lo <= value <= hi:
        raise pytest.UsageError(f"--memverify-{name} must be between {lo:,} and {hi:,}, got {value:,}")
    return value


def _load_plugin(spec: str) -> None:
    from verify.plugins import PluginError, load_plugin

    text = str(spec).strip()
    key = str(Path(text).resolve()) if text.endswith(".py") else text
    if key in _PLUGINS:
        return
    try:
        _PLUGINS[key] = load_plugin(text)
    except PluginError as exc:
        message = str(exc)
        if message.startswith("--plugin"):
            message = "--memverify-plugin" + message.removeprefix("--plugin")
        raise pytest.UsageError(message) from None


def _settings(config: pytest.Config) -> _Settings:
    return config.stash.get(_SETTINGS, _Settings())


# -- claims ---------------------------------------------------------------------------------------

def _accepted(accept: str | Iterable[str]) -> tuple[str, ...]:
    items = (accept,) if isinstance(accept, str) else tuple(accept)
    if not items:
        raise ValueError("accept: give at least one verdict")
    for a in items:
        if a not in _VERDICTS:
            raise ValueError(f"accept: unknown verdict {a!r} (choose from {', '.join(_VERDICTS)})")
    return items


def _schedules(schedules: str | Iterable[str]) -> tuple[str, ...]:
    names = (schedules,) if isinstance(schedules, str) else tuple(schedules)
    if names:
        from derivations.schedules import builtin_schedule

        for name in names:
            builtin_schedule(name)  # ScheduleError (a ValueError) names an unknown schedule
    return names


def _result(claim_id: str, digits: int, seed: int, quick: bool, schedules: tuple[str, ...],
            cache: dict | None) -> ClaimResult:
    __tracebackhide__ = True
    global _entry_points_loaded
    from verify.plugins import PluginError, load_entry_points
    from verify.registry import RunContext, UnknownClaimPattern, claim
    from verify.runner import run_claim

    if not _entry_points_loaded:
        try:
            load_entry_points()
        except PluginError as exc:
            broken = str(exc)
        else:
            broken = ""
        if broken:
            pytest.fail(f"memverify: an installed claim plugin failed to load: {broken}", pytrace=False)
        _entry_points_loaded = True
    try:
        c = claim(claim_id)
    except UnknownClaimPattern as exc:
        unknown = str(exc)
    else:
        unknown = ""
    if unknown:
        pytest.fail(f"memverify: {unknown} (built-in ids: 'memverify claims'; claims of your own: "
                    "--memverify-plugin FILE_OR_MODULE)", pytrace=False)
    key = (c.id, digits, seed, quick, schedules)
    if cache is not None and key in cache:
        return cache[key]
    result, _ = run_claim(c, RunContext(digits=digits, seed=seed, quick=quick, schedules=schedules))
    if cache is not None:
        cache[key] = result
    return result


def _exact_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "(" + ", ".join(_exact_text(v) for v in value) + ")"
    return str(value)


def _evidence_line(e: Evidence) -> list[str]:
    label = {True: "passed", False: "FAILED", None: "undecided"}[e.passed]
    parts = [f"  [{label}] {e.check}: {e.detail}"]
    if e.bound_text:
        parts.append(f"bound {e.bound_text} {e.tolerance_text}".rstrip())
    if e.counterexample:
        parts.append("counterexample " + ", ".join(f"{k} = {_exact_text(v)}"
                                                   for k, v in e.counterexample.items()))
    lines = ["; ".join(parts)]
    trace = e.data.get("traceback") if isinstance(e.data, dict) else None
    if isinstance(trace, str):
        lines += ["      " + line for line in trace.rstrip().splitlines()]
    return lines


def _claim_message(result: ClaimResult, accepted: tuple[str, ...]) -> str:
    verdict = str(result.status.value)
    lines = [f"memverify claim {result.id}: verdict {verdict}, accepted {' or '.join(accepted)}",
             f"  summary: {result.summary}"]
    if result.condition:
        lines.append(f"  condition: {result.condition}")
    counts = {label: sum(e.passed is value for e in result.evidence)
              for label, value in (("passed", True), ("failed", False), ("undecided", None))}
    lines.append(f"  evidence: {len(result.evidence)} checks, " +
                 ", ".join(f"{n} {label}" for label, n in counts.items()))
    shown = [e for e in result.evidence if e.passed is not True]
    for e in shown[:_MAX_EVIDENCE_LINES]:
        lines += _evidence_line(e)
    if len(shown) > _MAX_EVIDENCE_LINES:
        lines.append(f"  ... and {len(shown) - _MAX_EVIDENCE_LINES} more that did not pass")
    return "\n".join(lines)


def _check_verdict(result: ClaimResult, accepted: tuple[str, ...]) -> ClaimResult:
    __tracebackhide__ = True
    if str(result.status.value) not in accepted:
        pytest.fail(_claim_message(result, accepted))
    return result


def assert_claim(claim_id: str, accept: str | Iterable[str] = ("verified",), *,
                 digits: int = DEFAULT_DIGITS, seed: int = 0, quick: bool = False,
                 schedules: str | Iterable[str] = ()) -> ClaimResult:
    """Run the registered claim ``claim_id`` and return its result; fail the test with the
    verdict, the summary and every piece of evidence that did not pass (counterexamples exact)
    unless the verdict is one of ``accept``. An unknown id fails the test too."""
    __tracebackhide__ = True
    accepted = _accepted(accept)
    result = _result(claim_id, digits, seed, quick, _schedules(schedules), None)
    return _check_verdict(result, accepted)


def _run_marker(item: pytest.Item, marker: pytest.Mark) -> None:
    __tracebackhide__ = True
    where = f"@pytest.mark.memverify_claim on {item.nodeid}"
    s = _settings(item.config)
    try:
        if len(marker.args) != 1 or not isinstance(marker.args[0], str):
            raise ValueError("give exactly one claim id, a string, e.g. memverify_claim('CONV-MAP')")
        unknown = sorted(set(marker.kwargs) - set(_MARKER_OPTIONS))
        if unknown:
            raise ValueError(f"unknown keyword {unknown[0]!r} (allowed: {', '.join(_MARKER_OPTIONS)})")
        kw = marker.kwargs
        accepted = _accepted(kw.get("accept", ("verified",)))
        digits = _int_argument(kw.get("digits"), "digits", *_DIGITS_RANGE, s.digits)
        seed = _int_argument(kw.get("seed"), "seed", 0, _MAX_SEED, s.seed)
        quick = s.quick if kw.get("quick") is None else bool(kw["quick"])
        schedules = _schedules(kw.get("schedules", ()))
    except (TypeError, ValueError) as exc:
        bad = str(exc)
    else:
        bad = ""
    if bad:
        pytest.fail(f"{where}: {bad}", pytrace=False)
    cache = item.config.stash.get(_CLAIM_CACHE, None)
    result = _result(marker.args[0], digits, seed, quick, schedules, cache)
    if str(result.status.value) not in accepted:
        pytest.fail(_claim_message(result, accepted), pytrace=False)


def _int_argument(value: Any, name: str, lo: int, hi: int, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError(f"{name}={value!r} must be an int between {lo:,} and {hi:,}")
    return value


# -- endpoints ------------------------------------------------------------------------------------

def _rows(data: str | Sequence[Sequence[Any]]) -> list[list[Any]]:
    if isinstance(data, str):
        from verify.datasets import load_dataset

        return load_dataset(data)
    return [list(row) for row in data]


def _point(start: str | Sequence[Any]) -> list[Any]:
    if isinstance(start, str):
        from verify.datasets import parse_vector

        return parse_vector(start, "start")
    return list(start)


def _vector_text(values: Sequence[Any]) -> str:
    return "(" + ", ".join(str(Fraction(v)) if isinstance(v, int | Fraction) else str(v)
                           for v in values) + ")"


def _certify(data: list[list[Any]], start: list[Any], digits: int,
             options: Mapping[str, Any]) -> EndpointResult:
    from verify.engine import certify_endpoint

    return certify_endpoint(data, start, digits=digits, **options)


def _outcome_text(result: EndpointResult, data: list[list[Any]]) -> str:
    if result.status == "training-sample" and result.index is not None:
        text = f"training sample row {result.index} = {_vector_text(data[result.index])}"
        return text + (f" ({result.detail})" if result.detail else "")
    if result.status == "tie" and result.tie_kind == "exact":
        return (f"an exact tie of rows {', '.join(map(str, result.tie_set))}: the endpoint is their "
                f"centre {_vector_text(result.endpoint or [])}")
    if result.status == "tie":
        return (f"a tie the precision cannot separate (rows {', '.join(map(str, result.tie_set))}) at "
                f"{result.digits} digits: {result.detail}")
    return f"undecided ({result.outcome}): {result.detail}"


def assert_endpoint(data: str | Sequence[Sequence[Any]], start: str | Sequence[Any], *,
                    row: int | None = None, tie: Iterable[int] | None = None,
                    digits: int = DEFAULT_DIGITS, **options: Any) -> EndpointResult:
    """Certify where the oracle flow from ``start`` ends and fail the test unless it is training
    sample ``row`` (0-based; of duplicated rows, the first) or an exact tie of exactly the rows
    ``tie``. Give one of ``row`` and ``tie``.

    ``data`` is a list of rows of exact numbers (ints, Fractions, strings ``"p/q"`` or decimals;
    a float is refused with :class:`~verify.engine.EngineError`) or ``"builtin:NAME"`` / a data
    file; ``start`` a sequence of exact numbers or ``"x1,x2,..."``. ``options`` go to
    :func:`verify.engine.certify_endpoint` (``max_steps``, ``schedule``, ``recheck``, ...).
    Returns the :class:`~verify.engine.EndpointResult`."""
    __tracebackhide__ = True
    if (row is None) == (tie is None):
        raise TypeError("assert_endpoint: give exactly one of row= and tie=")
    rows, point = _rows(data), _point(start)
    if row is not None and (isinstance(row, bool) or not isinstance(row, int) or not 0 <= row < len(rows)):
        raise ValueError(f"row={row!r} is not a row of the data (0..{len(rows) - 1})")
    wanted = None if tie is None else sorted(set(tie))
    if wanted is not None and (len(wanted) < 2 or not all(
            isinstance(k, int) and not isinstance(k, bool) and 0 <= k < len(rows) for k in wanted)):
        raise ValueError(f"tie={tie!r} must name at least two rows of the data (0..{len(rows) - 1})")
    result = _certify(rows, point, digits, options)
    given = ("(" + ", ".join(p.strip() for p in start.split(",")) + ")" if isinstance(start, str)
             else _vector_text(point))
    if row is not None:
        ok = result.status == "training-sample" and result.index == row
        expected = f"training sample row {row} = {_vector_text(rows[row])}"
    else:
        ok = result.status == "tie" and result.tie_kind == "exact" and sorted(result.tie_set) == wanted
        expected = f"an exact tie of rows {', '.join(map(str, wanted or []))}"
    if not ok:
        pytest.fail(f"memverify endpoint from start {given} ({result.digits} digits, "
                    f"{result.steps} steps): expected {expected}, got {_outcome_text(result, rows)}")
    return result


# -- falsification --------------------------------------------------------------------------------

def _falsification_message(report: FalsificationReport) -> str:
    example = ", ".join(f"{k} = {_exact_text(v)}" for k, v in (report.counterexample or {}).items())
    searched = (f"  search: {report.examples_tried} examples ({report.undecided} undecided), "
                f"budget {report.budget}, seed {report.seed}, {report.digits} digits")
    if report.status == "counterexample":
        check = report.recheck or {}
        exact = (check.get("detail") or {}).get("exact")
        if isinstance(exact, dict):
            values = (f"lhs = {exact.get('lhs')}, rhs = {exact.get('rhs')}, "
                      f"lhs - rhs = {exact.get('lhs_minus_rhs')} > 0 (exact)")
        else:
            values = (f"lhs = {check.get('lhs')}, rhs = {check.get('rhs')}, lhs - rhs = "
                      f"{check.get('lhs_minus_rhs')} > 0 (certain at {report.recheck_digits} digits, "
                      f"{check.get('method')})")
        return f"memverify falsify {report.name!r}: counterexample {example}\n  {values}\n{searched}"
    first = report.evaluation or {}
    again = report.recheck or {}
    return (f"memverify falsify {report.name!r}: violated at {report.digits} digits by {example} "
            f"(lhs - rhs = {first.get('lhs_minus_rhs')}), but not confirmed at {report.recheck_digits} "
            f"digits ({again.get('verdict')}: lhs - rhs = {again.get('lhs_minus_rhs')}"
            + (f"; {again['reason']}" if again.get("reason") else "")
            + "): not a certified counterexample, and not a pass\n" + searched)


def assert_no_counterexample(inequality: Inequality | str, *, params: Mapping[str, Any] | None = None,
                             budget: int = DEFAULT_BUDGET, seed: int = 0, digits: int = DEFAULT_DIGITS,
                             max_undecided: int | None = None) -> FalsificationReport:
    """Search ``inequality`` (a :class:`~verify.falsify.Inequality`, or the id of a registered one,
    built with ``params``) for a violation with :func:`verify.falsify.falsify` and fail the test
    with the exact counterexample and both sides when one is found. A violation not confirmed at
    higher precision fails too (it is no pass). Finding nothing returns the report; examples left
    undecided are reported with an :class:`UndecidedWarning`, or fail the test when there are more
    than ``max_undecided``."""
    __tracebackhide__ = True
    return _no_counterexample(inequality, params, budget, seed, digits, max_undecided, 3)


def _no_counterexample(inequality: Inequality | str, params: Mapping[str, Any] | None, budget: int,
                       seed: int, digits: int, max_undecided: int | None,
                       stacklevel: int) -> FalsificationReport:
    __tracebackhide__ = True
    from verify.falsify import falsify, inequality_for

    if isinstance(inequality, str):
        inequality = inequality_for(inequality, params)
    elif params is not None:
        raise TypeError("params= is for an inequality given by its registered id")
    report = falsify(inequality, budget=budget, seed=seed, digits=digits)
    if report.status != "none-found":
        pytest.fail(_falsification_message(report))
    if report.undecided:
        message = (f"memverify falsify {report.name!r}: no counterexample, but {report.undecided} of "
                   f"{report.examples_tried} examples undecided at {report.digits} digits (seed "
                   f"{report.seed}); those examples are neither violations nor passes")
        if max_undecided is not None and report.undecided > max_undecided:
            pytest.fail(f"{message}; more than max_undecided={max_undecided}")
        warnings.warn(UndecidedWarning(message), stacklevel=stacklevel)
    return report


# -- fixtures -------------------------------------------------------------------------------------

@pytest.fixture
def memverify_endpoint(request: pytest.FixtureRequest) -> Callable[..., EndpointResult]:
    """``memverify_endpoint(data, start, *, row=None, tie=None, digits=None, **options)``: the
    certified :class:`~verify.engine.EndpointResult`; with ``row=`` or ``tie=``, asserted as by
    :func:`assert_endpoint`."""
    settings = _settings(request.config)

    def certify(data: str | Sequence[Sequence[Any]], start: str | Sequence[Any], *,
                row: int | None = None, tie: Iterable[int] | None = None, digits: int | None = None,
                **options: Any) -> EndpointResult:
        __tracebackhide__ = True
        digits = settings.digits if digits is None else digits
        if row is None and tie is None:
            return _certify(_rows(data), _point(start), digits, options)
        return assert_endpoint(data, start, row=row, tie=tie, digits=digits, **options)

    return certify


@pytest.fixture
def memverify_falsify(request: pytest.FixtureRequest) -> Callable[..., FalsificationReport]:
    """``memverify_falsify(inequality, *, params=None, budget=None, seed=None, digits=None,
    max_undecided=None)``: :func:`assert_no_counterexample` with the session's defaults."""
    settings = _settings(request.config)

    def search(inequality: Inequality | str, *, params: Mapping[str, Any] | None = None,
               budget: int | None = None, seed: int | None = None, digits: int | None = None,
               max_undecided: int | None = None) -> FalsificationReport:
        __tracebackhide__ = True
        return _no_counterexample(
            inequality, params, settings.budget if budget is None else budget,
            settings.seed if seed is None else seed, settings.digits if digits is None else digits,
            max_undecided, 3)

    return search


@pytest.fixture
def memverify_claim(request: pytest.FixtureRequest) -> Callable[..., ClaimResult]:
    """``memverify_claim(claim_id, *, accept=None, digits=None, seed=None, quick=None,
    schedules=())``: the claim's :class:`~verify.verdicts.ClaimResult`, computed once per session
    and settings (a ``memverify_claim`` marker's run is reused); with ``accept=``, asserted as by
    :func:`assert_claim`."""
    settings = _settings(request.config)
    cache = request.config.stash.get(_CLAIM_CACHE, None)

    def run(claim_id: str, *, accept: str | Iterable[str] | None = None, digits: int | None = None,
            seed: int | None = None, quick: bool | None = None,
            schedules: str | Iterable[str] = ()) -> ClaimResult:
        __tracebackhide__ = True
        accepted = None if accept is None else _accepted(accept)
        result = _result(claim_id, settings.digits if digits is None else digits,
                         settings.seed if seed is None else seed,
                         settings.quick if quick is None else bool(quick), _schedules(schedules), cache)
        return result if accepted is None else _check_verdict(result, accepted)

    return run
