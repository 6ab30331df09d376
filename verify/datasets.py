"""Training sets: the built-in ones, and exact readers for CSV and ``.npy`` files.

Every coordinate is an exact :class:`fractions.Fraction`: CSV decimals (``0.1``, ``1e-30``) and
``p/q`` rationals are read exactly, and a float64 array is converted bit for bit (MATH.md §5).

A file is checked before and while it is read (each refusal a one-line :class:`DataError`): at
most :data:`MAX_FILE_BYTES` bytes, :data:`MAX_ROWS` rows, :data:`MAX_DIMENSION` columns and
:data:`MAX_ENTRIES` entries; a CSV is UTF-8 (a byte-order mark, as spreadsheet programs write
it, is skipped); a ``.npy`` array is 1-D or 2-D of integers or float16/32/64, finite.
"""

from __future__ import annotations

import csv
import math
from fractions import Fraction
from importlib import resources
from pathlib import Path

from .inputs import InputError, number, shorten, vector

__all__ = ["DataError", "BUILTIN_DATASETS", "MAX_FILE_BYTES", "MAX_ROWS", "MAX_DIMENSION", "MAX_ENTRIES",
           "load_dataset", "parse_number", "parse_vector"]

Dataset = list[list[Fraction]]

#: Largest data file (bytes).
MAX_FILE_BYTES = 64 * 2**20
#: Most training samples (rows).
MAX_ROWS = 100_000
#: Largest dimension (columns).
MAX_DIMENSION = 10_000
#: Most entries (rows x columns).
MAX_ENTRIES = 1_000_000


class DataError(InputError):
    """Training data or a point could not be read."""


BUILTIN_DATASETS: dict[str, str] = {
    "triangle": "three atoms in the plane, no symmetry",
    "square": "the four vertices (+-1, 0), (0, +-1): ties at the origin and on the diagonals",
    "line5": "five atoms on the real line, unevenly spaced",
    "duplicates": "three atoms in the plane, one of them twice",
}


def parse_number(text: str, where: str = "value") -> Fraction:
    """An exact rational from a decimal (scientific notation allowed) or ``p/q``, within the limits
    of :mod:`verify.inputs`."""
    try:
        return number(text, where)
    except InputError as exc:
        raise DataError(str(exc)) from None


def parse_vector(text: str, where: str = "vector") -> list[Fraction]:
    """Comma-separated exact numbers."""
    try:
        return vector(text, where)
    except InputError as exc:
        raise DataError(str(exc)) from None


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


def _check_size(rows: int, columns: int, source: str) -> None:
    if rows > MAX_ROWS:
        raise DataError(f"{source}: more than {MAX_ROWS:,} rows (the limit)")
    if columns > MAX_DIMENSION:
        raise DataError(f"{source}: {columns:,} columns exceed the limit of {MAX_DIMENSION:,}")
    if rows * columns > MAX_ENTRIES:
        raise DataError(f"{source}: {rows:,} x {columns:,} entries exceed the limit of {MAX_ENTRIES:,}")


def _read_csv(path: Path) -> Dataset:
    rows: Dataset = []
    lineno = 0
    try:
        # utf-8-sig: a byte-order mark, as spreadsheet programs write it, is not part of the data
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            for lineno, raw in enumerate(reader, start=1):
                if not raw or all(not c.strip() for c in raw) or raw[0].lstrip().startswith("#"):
                    continue
                _check_size(len(rows) + 1, len(raw), str(path))
                rows.append([parse_number(c, f"{path}: line {lineno}, column {j + 1}")
                             for j, c in enumerate(raw)])
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a UTF-8 text CSV file") from None
    except csv.Error as exc:
        reason = str(exc)
        if "field larger than field limit" in reason:
            reason = f"a field longer than {csv.field_size_limit():,} characters"
        raise DataError(f"{path}: line {lineno + 1}: {reason}") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or type(exc).__name__})") from None
    return _check_rows(rows, str(path))


_NPY_KINDS = {"i": "integers", "u": "unsigned integers", "f": "floats", "b": "booleans"}


def _read_npy(path: Path) -> Dataset:
    import numpy as np

    try:
        with path.open("rb") as fh:
            version = np.lib.format.read_magic(fh)
            reader = {(1, 0): np.lib.format.read_array_header_1_0,
                      (2, 0): np.lib.format.read_array_header_2_0}.get(version)
            if reader is None:
                raise ValueError(f"unsupported .npy format version {version}")
            shape, _, dtype = reader(fh)
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or type(exc).__name__})") from None
    except Exception as exc:  # noqa: BLE001 - numpy raises many kinds of errors for a bad header
        raise DataError(f"{path}: not a readable .npy array ({type(exc).__name__})") from None
    if dtype.kind not in "iufb" or dtype.fields is not None or dtype.subdtype is not None:
        raise DataError(f"{path}: expected a numeric array, got dtype {dtype}")
    if dtype.kind == "f" and dtype.itemsize > 8:
        raise DataError(f"{path}: dtype {dtype} (long double) is not supported; save the array as float64")
    if len(shape) not in (1, 2):
        raise DataError(f"{path}: expected a 2-D array (samples x dimensions), got {len(shape)}-D")
    rows, cols = (shape[0], 1) if len(shape) == 1 else shape
    if rows == 0 or cols == 0:
        raise DataError(f"{path}: the array is empty (shape {tuple(shape)})")
    _check_size(rows, cols, str(path))
    try:
        arr = np.load(path, allow_pickle=False)
    except Exception as exc:  # noqa: BLE001 - a truncated file, among others
        raise DataError(f"{path}: not a readable .npy array ({type(exc).__name__})") from None
    arr = arr.reshape(rows, cols)
    if arr.dtype.kind == "f":
        bad = np.argwhere(~np.isfinite(arr))
        if len(bad):
            i, j = (int(v) for v in bad[0])
            raise DataError(f"{path}: entry ({i + 1}, {j + 1}) is {arr[i, j]}")
        arr = arr.astype(np.float64)  # exact: float16 and float32 embed in float64
    out: Dataset = []
    for row in arr.tolist():
        out.append([Fraction(v) if not isinstance(v, float) or math.isfinite(v) else Fraction(0)
                    for v in row])  # exact: a float64 is a dyadic rational
    return _check_rows(out, str(path))


def load_dataset(spec: str) -> Dataset:
    """``builtin:NAME``, a ``.csv`` file or a ``.npy`` file, as exact rationals."""
    if not isinstance(spec, str) or not spec.strip():
        raise DataError("--data: empty file name")
    if spec.startswith("builtin:"):
        name = spec.split(":", 1)[1]
        if name not in BUILTIN_DATASETS:
            raise DataError(f"unknown built-in data set {shorten(name)} "
                            f"(choose from {', '.join(BUILTIN_DATASETS)})")
        text = resources.files("verify").joinpath(f"data/{name}.csv").read_text()
        rows = [[parse_number(c, f"builtin:{name}") for c in line.split(",")]
                for line in text.splitlines() if line.strip() and not line.startswith("#")]
        return _check_rows(rows, spec)
    path = Path(spec)
    try:
        if path.is_dir():
            raise DataError(f"{spec}: is a directory, not a data file")
        if not path.is_file():
            raise DataError(f"{spec}: no such file")
        size = path.stat().st_size
    except OSError as exc:
        raise DataError(f"{spec}: cannot read ({exc.strerror or type(exc).__name__})") from None
    if size > MAX_FILE_BYTES:
        raise DataError(f"{spec}: {size:,} bytes exceed the limit of {MAX_FILE_BYTES:,} for a data file")
    if path.suffix.lower() == ".npy":
        return _read_npy(path)
    return _read_csv(path)
