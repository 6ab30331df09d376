"""``memverify separation``: the two subcommands are wired, print JSON, and refuse bad input with
one line and exit 2."""

from __future__ import annotations

import json

import pytest

from verify.cli import main


def test_lipschitz_json(capsys):
    code = main(["separation", "lipschitz", "--d", "2", "--n", "10", "--s", "0.1", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)


def test_gap_json(capsys):
    code = main(["separation", "gap", "--d", "2", "--n", "10", "--s", "0.1,1", "--datasets", "2",
                 "--draws", "32", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)


@pytest.mark.parametrize("argv", [
    ["separation", "gap", "--n", "0"],
    ["separation", "gap", "--s", "-1"],
    ["separation", "lipschitz", "--d", "0"],
    ["separation", "lipschitz", "--data", "no/such/file.csv"],
    ["separation"],
])
def test_bad_input_exits_2_with_one_line(argv, refuses):
    refuses(argv)
