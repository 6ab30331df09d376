"""The bottom of the ``memverify`` command line: exit codes, :class:`UsageError`, the parser class
and the option types shared by every subcommand.

Each option type returns the value or raises :class:`argparse.ArgumentTypeError` with one line
naming the option (exit 2, nothing written). This module imports nothing else from
:mod:`verify.cli`; every subcommand module imports from it.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..inputs import MAX_LIST_LENGTH, InputError, number, seed_value, shorten

__all__ = ["EXIT_OK", "EXIT_INTERNAL", "EXIT_USAGE", "EXIT_NO_ENGINE", "EXIT_CHECKER_FAILED",
           "DIGITS_RANGE", "DEFAULT_OUT", "MAX_COUNT", "UsageError", "CommandParser", "digits",
           "positive_int", "integer", "seed", "positive_float", "int_list", "float_list",
           "check_work", "add_group", "resolve_schedule", "concrete_schedule", "check_out_dir", "output_dir",
           "output_file", "load_array", "number_list"]

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_NO_ENGINE, EXIT_CHECKER_FAILED = 0, 1, 2, 3, 4
#: ``memverify certificate check``: the file does not prove its statement
EXIT_REJECTED = 6
DIGITS_RANGE = (20, 2000)
DEFAULT_OUT = "memverify-report"
#: Default upper limit of a count option (steps, draws, samples, sizes) unless the option names its own.
MAX_COUNT = 1_000_000

_INTEGER = re.compile(r"[+-]?[0-9]+")
# A value that starts with "-" but is not an option of ours: a negative number or vector
# (-1,0.5), a negative rational (-1/2), an expression (-t+1). Short options (-o, -h) are single
# letters and never match.
_NEGATIVE_VALUE = re.compile(r"^-(?!-)(?![A-Za-z](?:$|=))")


class UsageError(Exception):
    """Bad input: reported in one line, exit code 2."""


class CommandParser(argparse.ArgumentParser):
    """An argument parser that raises :class:`UsageError` instead of printing usage and exiting,
    and reads a value that starts with ``-`` (``--start -1,0.5``) as a value, not as an option."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # argparse's own test accepts only -5 and -.5; ours every value an option could take
        self._negative_number_matcher = _NEGATIVE_VALUE

    def error(self, message: str):  # noqa: D401 - argparse hook
        raise UsageError(message)


# -- option types --------------------------------------------------------------------------------
# Each parses one option's text with the input layer (verify.inputs): exact numbers, bounded
# counts and lists; a refusal is an ArgumentTypeError whose message argparse prints as is.

def _type_error(exc: Exception) -> argparse.ArgumentTypeError:
    return argparse.ArgumentTypeError(str(exc))


def _integer_text(text: str) -> int | None:
    s = text.strip()
    if len(s) > 40 or not _INTEGER.fullmatch(s):
        return None
    return int(s)


def digits(text: str) -> int:
    """A working precision in decimal digits, within :data:`DIGITS_RANGE`."""
    value = _integer_text(text)
    if value is None:
        raise argparse.ArgumentTypeError(f"--digits must be an integer, got {shorten(text)}")
    lo, hi = DIGITS_RANGE
    if not lo <= value <= hi:
        raise argparse.ArgumentTypeError(f"--digits must be between {lo} and {hi}, got {value}")
    return value


def positive_int(option: str, minimum: int = 1, maximum: int = MAX_COUNT) -> Callable[[str], int]:
    """An integer in ``[minimum, maximum]`` (default 1 .. :data:`MAX_COUNT`)."""
    def parse(text: str) -> int:
        value = _integer_text(text)
        if value is None:
            raise argparse.ArgumentTypeError(f"{option} must be a positive integer, got {shorten(text)}")
        if value < minimum:
            raise argparse.ArgumentTypeError(
                f"{option} must be a positive integer, got {value}" if minimum == 1
                else f"{option} must be an integer >= {minimum}, got {value}")
        if value > maximum:
            raise argparse.ArgumentTypeError(
                f"{option} must be at most {maximum:,} (the limit), got {value:,}")
        return value

    return parse


def integer(option: str) -> Callable[[str], int]:
    """Any integer of at most 40 digits (the handler checks its range and names the limit)."""
    def parse(text: str) -> int:
        value = _integer_text(text)
        if value is None:
            raise argparse.ArgumentTypeError(f"{option} must be an integer, got {shorten(text)}")
        return value

    return parse


def seed(text: str) -> int:
    """A non-negative integer seed, at most ``2**63 - 1``."""
    try:
        return seed_value(text, "--seed")
    except InputError as exc:
        raise _type_error(exc) from None


def positive_float(option: str, smallest: float = 1e-100, largest: float = 1e100) -> Callable[[str], float]:
    """A positive number in ``[smallest, largest]``, read exactly and rounded to float64."""
    def parse(text: str) -> float:
        try:
            value = number(text, option)
        except InputError:
            raise argparse.ArgumentTypeError(
                f"{option} must be a positive number, got {shorten(text)}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(
                f"{option} must be a positive number, got {shorten(text.strip())}")
        if not smallest <= value <= largest:
            raise argparse.ArgumentTypeError(
                f"{option} must lie in [{smallest:g}, {largest:g}] (the limits), got {shorten(text.strip())}")
        return float(value)

    return parse


def int_list(option: str, minimum: int = 1, maximum: int = MAX_COUNT,
             max_items: int = MAX_LIST_LENGTH) -> Callable[[str], list[int]]:
    """Comma-separated integers, each in ``[minimum, maximum]``, at most ``max_items``."""
    def parse(text: str) -> list[int]:
        parts = [v for v in text.split(",", max_items) if v.strip()]
        if len(parts) > max_items:
            raise argparse.ArgumentTypeError(f"{option}: more than {max_items:,} values (the limit)")
        values = [_integer_text(v) for v in parts]
        if any(v is None for v in values):
            raise argparse.ArgumentTypeError(
                f"{option} must be comma-separated integers, got {shorten(text)}")
        if not values or min(values) < minimum:
            raise argparse.ArgumentTypeError(
                f"{option} must be positive integers, got {shorten(text)}" if minimum == 1
                else f"{option}: every value must be an integer >= {minimum}, got {shorten(text)}")
        if max(values) > maximum:
            raise argparse.ArgumentTypeError(
                f"{option}: every value must be at most {maximum:,} (the limit), got {max(values):,}")
        return values

    return parse


def float_list(option: str, smallest: float = 1e-100, largest: float = 1e100,
               max_items: int = MAX_LIST_LENGTH) -> Callable[[str], list[float]]:
    """Comma-separated positive numbers in ``[smallest, largest]``, at most ``max_items``."""
    def parse(text: str) -> list[float]:
        parts = [v for v in text.split(",", max_items) if v.strip()]
        if len(parts) > max_items:
            raise argparse.ArgumentTypeError(f"{option}: more than {max_items:,} values (the limit)")
        try:
            values = [number(v, option) for v in parts]
        except InputError:
            raise argparse.ArgumentTypeError(
                f"{option}: expected numbers separated by commas, got {shorten(text)}") from None
        if not values or any(v <= 0 for v in values):
            raise argparse.ArgumentTypeError(f"{option}: every value must be a positive finite number")
        if any(not smallest <= v <= largest for v in values):
            raise argparse.ArgumentTypeError(
                f"{option}: every value must lie in [{smallest:g}, {largest:g}] (the limits)")
        return [float(v) for v in values]

    return parse


def load_array(spec: str, what: str, max_rows: int | None = None, purpose: str = "float64 arithmetic"):
    """A data file (or built-in data set) as a float64 (rows, columns) array, its entries within the
    float64 limits of :mod:`verify.inputs`; refusals are one-line :class:`UsageError`."""
    import numpy as np

    from ..datasets import DataError, load_dataset
    from ..inputs import FLOAT_MAGNITUDE, check_magnitude

    try:
        rows = load_dataset(spec)
        check_magnitude(rows, f"{what} {spec}", FLOAT_MAGNITUDE, purpose)
    except (DataError, InputError) as exc:
        raise UsageError(f"{what}: {exc}") from None
    if max_rows is not None and len(rows) > max_rows:
        raise UsageError(f"{what} {spec}: {len(rows):,} rows exceed the limit of {max_rows:,} here")
    return np.array([[float(v) for v in row] for row in rows], dtype=float)


def number_list(spec: str, what: str):
    """A comma list of plain numbers as a float64 array, or None when ``spec`` is not one (a file)."""
    import numpy as np

    parts = [p.strip() for p in spec.split(",")]
    if not all(p and (p[0].isdigit() or p[0] in "+-.") for p in parts):
        return None
    try:
        return np.array([float(number(p, what)) for p in parts], dtype=float)
    except (InputError, ValueError, OverflowError) as exc:
        raise UsageError(f"{what}: {exc}") from None


def check_work(work: int, limit: int, what: str, advice: str) -> None:
    """Refuse a request whose size ``work`` exceeds ``limit`` (the message names both)."""
    if work > limit:
        raise UsageError(f"{what} = {work:,} exceeds the limit of {limit:,}; {advice}")


# -- parser building -----------------------------------------------------------------------------

def add_group(subparsers: Any, name: str, help_text: str, description: str,
              children: Sequence[tuple[str, str, Callable[[argparse.ArgumentParser], None],
                                       Callable[[argparse.Namespace], int]]]) -> argparse.ArgumentParser:
    """A subcommand with its own subcommands: each child is (name, help, add_arguments, handler)."""
    p = subparsers.add_parser(name, help=help_text, description=description)
    sub = p.add_subparsers(dest=f"{name}_command", metavar="SUBCOMMAND", parser_class=CommandParser)
    sub.required = True
    for child_name, child_help, add_arguments, handler in children:
        child = sub.add_parser(child_name, help=child_help,
                               description=child_help[0].upper() + child_help[1:] + ".")
        add_arguments(child)
        child.set_defaults(func=handler)
    return p


# -- values shared by several subcommands --------------------------------------------------------

def resolve_schedule(spec: str):
    """A schedule option: ``generic``, a built-in name, or expressions in ``t``."""
    from derivations.schedules import generic_schedule
    from derivations.schedules import resolve_schedule as resolve

    return generic_schedule() if spec.strip() == "generic" else resolve(spec)


def concrete_schedule(spec: str):
    """A schedule with a time axis (not ``generic``)."""
    schedule = resolve_schedule(spec)
    if schedule.generic:
        raise UsageError("--schedule generic has no time axis; name a concrete schedule")
    return schedule


def check_out_dir(out: Path, option: str = "--out") -> None:
    """Refuse, before any work, an output directory that could not be created or written."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"{option} {out}: exists and is not a directory")
    if out.is_dir() and not os.access(out, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {out}: the directory is not writable")
    parent = out.resolve().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {out}: cannot create a directory under {parent}")


def output_dir(text: str, option: str = "--out") -> Path:
    """A directory to write into (created later): not empty, not an existing file, writable."""
    if not text.strip():
        raise UsageError(f"{option}: empty directory name")
    out = Path(text)
    check_out_dir(out, option)
    return out


def output_file(text: str, option: str) -> Path:
    """A file to write (atomically, later): not empty, not a directory, in a writable directory."""
    if not text.strip():
        raise UsageError(f"{option}: empty file name")
    path = Path(text)
    if path.is_dir():
        raise UsageError(f"{option} {path}: is a directory")
    parent = path.resolve().parent
    if not parent.is_dir():
        raise UsageError(f"{option} {path}: the directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"{option} {path}: not writable")
    return path


def add_plugin_option(p: argparse.ArgumentParser) -> None:
    """``--plugin FILE_OR_MODULE`` (repeatable): import a module that registers claims of its own."""
    p.add_argument("--plugin", metavar="FILE_OR_MODULE", action="append", default=[],
                   help="a .py file or module that registers claims of its own (repeatable; "
                        "installed plugins of the entry-point group memverify.claims load always)")


def load_plugins(specs: list[str]) -> None:
    """Import the entry-point plugins and each ``--plugin``; a failure is bad input (exit 2)."""
    from ..plugins import PluginError, load_entry_points, load_plugin

    try:
        load_entry_points()
        for spec in specs:
            load_plugin(spec)
    except PluginError as exc:
        raise UsageError(str(exc)) from None
