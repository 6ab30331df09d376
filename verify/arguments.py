"""Option parsers shared by every ``memverify`` subcommand: each returns the value or raises
:class:`argparse.ArgumentTypeError` with one line naming the option (exit 2, nothing written)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["positive_int", "seed", "positive_float", "int_list", "float_list", "add_group"]


def positive_int(option: str, minimum: int = 1) -> Callable[[str], int]:
    """An integer ``>= minimum`` (default 1)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{option} must be a positive integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(
                f"{option} must be a positive integer, got {value}" if minimum == 1
                else f"{option} must be an integer >= {minimum}, got {value}")
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


def add_group(subparsers: Any, name: str, help_text: str, description: str,
              children: Sequence[tuple[str, str, Callable[[argparse.ArgumentParser], None],
                                       Callable[[argparse.Namespace], int]]]) -> argparse.ArgumentParser:
    """A subcommand with its own subcommands: each child is (name, help, add_arguments, handler)."""
    from .cli import _Parser

    p = subparsers.add_parser(name, help=help_text, description=description)
    sub = p.add_subparsers(dest=f"{name}_command", metavar="SUBCOMMAND", parser_class=_Parser)
    sub.required = True
    for child_name, child_help, add_arguments, handler in children:
        child = sub.add_parser(child_name, help=child_help,
                               description=child_help[0].upper() + child_help[1:] + ".")
        add_arguments(child)
        child.set_defaults(func=handler)
    return p
