"""Training sets are read exactly; bad files are named errors."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from verify.datasets import BUILTIN_DATASETS, DataError, load_dataset, parse_vector


def test_builtins_load_exactly():
    for name in BUILTIN_DATASETS:
        rows = load_dataset(f"builtin:{name}")
        assert rows and all(isinstance(v, Fraction) for row in rows for v in row)
    assert load_dataset("builtin:line5")[1] == [Fraction(-1, 2)]


def test_csv_decimals_and_rationals_are_exact(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text("0.1, 1e-30\n2/3, -5\n")
    assert load_dataset(str(f)) == [[Fraction(1, 10), Fraction(1, 10**30)],
                                    [Fraction(2, 3), Fraction(-5)]]


def test_npy_is_converted_bit_for_bit(tmp_path):
    f = tmp_path / "d.npy"
    np.save(f, np.array([[0.1, 2.0]]))
    rows = load_dataset(str(f))
    assert rows[0][0] == Fraction(0.1) != Fraction(1, 10)


@pytest.mark.parametrize(("content", "needle"), [
    ("", "no training samples"),
    ("1,2\n3\n", "row 2 has 1 entries"),
    ("1,abc\n", "not a decimal"),
    ("1,nan\n", "not a decimal"),
    ("1,1/0\n", "not a decimal"),
])
def test_bad_csv(tmp_path, content, needle):
    f = tmp_path / "d.csv"
    f.write_text(content)
    with pytest.raises(DataError, match=needle):
        load_dataset(str(f))


def test_bad_specs(tmp_path):
    with pytest.raises(DataError, match="unknown built-in"):
        load_dataset("builtin:nope")
    with pytest.raises(DataError, match="no such file"):
        load_dataset(str(tmp_path / "missing.csv"))
    np.save(tmp_path / "n.npy", np.array([[np.nan]]))
    with pytest.raises(DataError, match="nan"):
        load_dataset(str(tmp_path / "n.npy"))
    assert parse_vector("1e-30, 1/3") == [Fraction(1, 10**30), Fraction(1, 3)]
