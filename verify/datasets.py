"""Training sets: the built-in ones, and exact readers for CSV and ``.npy`` files.

Every coordinate is an exact :class:`fractions.Fraction`: CSV decimals (``0.1``, ``1e-30``) and
``p/q`` rationals are read exactly, and a float64 array is converted bit for bit (MATH.md §5).
"""

from __future__ import annotations

import csv
import math
from fractions import Fraction
from importlib import resources
from pathlib import Path

__all__ = ["DataError", "BUILTIN_DATASETS", "load_dataset", "parse_number", "parse_vector"]

Dataset = list[list[Fraction]]


class DataError(ValueError):
    """Training data or a point could not be read."""


BUILTIN_DATASETS: dict[str, str] = {
    "triangle": "three atoms in the plane, no symmetry",
    "square": "the four vertices (+-1, 0), (0, +-1): ties at the origin and on the diagonals",
    "line5": "five atoms on the real line, unevenly spaced",
    "duplicates": "three atoms in the plane, one of them twice",
}


def parse_number(text: str, where: str = "value") -> Fraction:
    """An exact rational from a decimal (scientific notation allowed) or ``p/q``."""
    s = text.strip()
    if not s:
        raise DataError(f"{where}: empty entry")
    try:
        q = Fraction(s)
    except (ValueError, ZeroDivisionError):
        raise DataError(f"{where}: {s!r} is not a decimal or p/q rational") from None
    return q


def parse_vector(text: str, where: str = "vector") -> list[Fraction]:
    """Comma-separated exact numbers."""
    parts = text.split(",")
    return [parse_number(p, f"{where}, entry {k + 1}") for k, p in enumerate(parts)]


def _check_rows(rows: Dataset, source: str) -> Dataset:
    if not rows:
        raise DataError(f"{source}: no training samples")
    d = len(rows[0])
    for k, row in enumerate(rows):
        if len(row) != d:
            raise DataError(f"{source}: row {k + 1} has {len(row)} entries, row 1 has {d}")
    if d == 0:
        raise DataError(f"{source}: rows have no entries")
    return rows


def _read_csv(path: Path) -> Dataset:
    rows: Dataset = []
    try:
        with path.open(newline="") as fh:
            for lineno, raw in enumerate(csv.reader(fh), start=1):
                cells = [c for c in raw]
                if not cells or all(not c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
                    continue
                rows.append([parse_number(c, f"{path}: line {lineno}, column {j + 1}")
                             for j, c in enumerate(cells)])
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a text CSV file") from None
    return _check_rows(rows, str(path))


def _read_npy(path: Path) -> Dataset:
    import numpy as np

    try:
        arr = np.load(path, allow_pickle=False)
    except Exception as exc:  # noqa: BLE001 - numpy raises many kinds of errors
        raise DataError(f"{path}: not a readable .npy array ({type(exc).__name__})") from None
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise DataError(f"{path}: expected a 2-D array (samples x dimensions), got {arr.ndim}-D")
    if arr.dtype.kind not in "iuf":
        raise DataError(f"{path}: expected a numeric array, got dtype {arr.dtype}")
    rows: Dataset = []
    for i, row in enumerate(arr.tolist()):
        out = []
        for j, v in enumerate(row):
            if isinstance(v, float) and not math.isfinite(v):
                raise DataError(f"{path}: entry ({i + 1}, {j + 1}) is {v}")
            out.append(Fraction(v))  # exact: a float64 is a dyadic rational
        rows.append(out)
    return _check_rows(rows, str(path))


def load_dataset(spec: str) -> Dataset:
    """``builtin:NAME``, a ``.csv`` file or a ``.npy`` file, as exact rationals."""
    if spec.startswith("builtin:"):
        name = spec.split(":", 1)[1]
        if name not in BUILTIN_DATASETS:
            raise DataError(f"unknown built-in data set '{name}' "
                            f"(choose from {', '.join(BUILTIN_DATASETS)})")
        text = resources.files("verify").joinpath(f"data/{name}.csv").read_text()
        rows = [[parse_number(c, f"builtin:{name}") for c in line.split(",")]
                for line in text.splitlines() if line.strip() and not line.startswith("#")]
        return _check_rows(rows, spec)
    path = Path(spec)
    if not path.is_file():
        raise DataError(f"{spec}: no such file")
    if path.suffix.lower() == ".npy":
        return _read_npy(path)
    return _read_csv(path)
