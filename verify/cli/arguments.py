"""The bottom of the ``memverify`` command line: exit codes, :class:`UsageError`, the parser class
and the option types shared by every subcommand.

Each option type returns the value or raises :class:`argparse.ArgumentTypeError` with one line
naming the option (exit 2, nothing written). This module imports nothing else from
:mod:`verify.cli`; every subcommand module imports from it.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["EXIT_OK", "EXIT_INTERNAL", "EXIT_USAGE", "EXIT_NO_ENGINE", "EXIT_CHECKER_FAILED",
           "DIGITS_RANGE", "DEFAULT_OUT", "UsageError", "CommandParser", "digits", "positive_int", "seed",
           "positive_float", "int_list", "float_list", "add_group", "resolve_schedule",
           "concrete_schedule", "check_out_dir"]

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_NO_ENGINE, EXIT_CHECKER_FAILED = 0, 1, 2, 3, 4
DIGITS_RANGE = (20, 2000)
DEFAULT_OUT = "memverify-report"


class UsageError(Exception):
    """Bad input: reported in one line, exit code 2."""


class CommandParser(argparse.ArgumentParser):
    """An argument parser that raises :class:`UsageError` instead of printing usage and exiting."""

    def error(self, message: str):  # noqa: D401 - argparse hook
        raise UsageError(message)


# -- option types --------------------------------------------------------------------------------

def digits(text: str) -> int:
    """A working precision in decimal digits, within :data:`DIGITS_RANGE`."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--digits must be an integer, got {text!r}") from None
    lo, hi = DIGITS_RANGE
    if not lo <= value <= hi:
        raise argparse.ArgumentTypeError(f"--digits must be between {lo} and {hi}, got {value}")
    return value


def positive_int(option: str, minimum: int = 1, maximum: int | None = None) -> Callable[[str], int]:
    """An integer ``>= minimum`` (default 1) and, if given, ``<= maximum``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{option} must be a positive integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(
                f"{option} must be a positive integer, got {value}" if minimum == 1
                else f"{option} must be an integer >= {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(
                f"{option} must be at most {maximum:,} (the limit), got {value:,}")
        return value

    return parse


def seed(text: str) -> int:
    """A non-negative integer seed."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seed must be an integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"--seed must be non-negative, got {value}")
    return value


def positive_float(option: str) -> Callable[[str], float]:
    """A positive finite number."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{option} must be a positive number, got {text!r}") from None
        if not (math.isfinite(value) and value > 0):
            raise argparse.ArgumentTypeError(f"{option} must be a positive number, got {text}")
        return value

    return parse


def int_list(option: str, minimum: int = 1) -> Callable[[str], list[int]]:
    """Comma-separated integers, each ``>= minimum``."""
    def parse(text: str) -> list[int]:
        try:
            values = [int(v) for v in text.split(",") if v.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{option} must be comma-separated integers, got {text!r}") from None
        if not values or min(values) < minimum:
            raise argparse.ArgumentTypeError(
                f"{option} must be positive integers, got {text!r}" if minimum == 1
                else f"{option}: every value must be an integer >= {minimum}, got {text!r}")
        return values

    return parse


def float_list(option: str) -> Callable[[str], list[float]]:
    """Comma-separated positive finite numbers."""
    def parse(text: str) -> list[float]:
        try:
            values = [float(v) for v in text.split(",") if v.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{option}: expected numbers separated by commas, got {text!r}") from None
        if not values or any(not math.isfinite(v) or v <= 0 for v in values):
            raise argparse.ArgumentTypeError(f"{option}: every value must be a positive finite number")
        return values

    return parse


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
    parent = out.resolve().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK):
        raise UsageError(f"{option} {out}: cannot create a directory under {parent}")
