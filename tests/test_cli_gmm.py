"""``memverify gmm``: the three subcommands are wired, print JSON, and refuse bad input with one
line and exit 2."""

from __future__ import annotations

import json

import pytest

from verify.cli import main


def test_gmm_subcommands_are_listed(capsys):
    assert main(["gmm", "--help"]) == 0
    out = capsys.readouterr().out
    for name in ("losses", "crossover", "sweep"):
        assert name in out


def test_losses_json_on_a_tiny_cell(capsys):
    code = main(["gmm", "losses", "--d", "4", "--K", "2", "--N", "12", "--draws", "4", "--M", "6", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    report = json.loads(out)
    text = json.dumps(report)
    assert "generalizing" in text and "memorizing" in text


def test_crossover_json_reports_four_fifths(capsys):
    code = main(["gmm", "crossover", "--weighting", "uniform-x0", "--C", "2", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "0.83" in out  # 1 - mean(t^2)/2 on the paper's grid, C = 2


@pytest.mark.parametrize("argv", [
    ["gmm", "losses", "--d", "0"],
    ["gmm", "losses", "--N", "1", "--M", "5"],
    ["gmm", "crossover", "--weighting", "nope"],
    ["gmm", "sweep", "--d", "2,x"],
    ["gmm", "sweep", "--steps", "-1"],
    ["gmm"],
])
def test_bad_input_exits_2_with_one_line(argv, refuses):
    refuses(argv)
