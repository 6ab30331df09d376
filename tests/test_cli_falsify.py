"""``memverify falsify``: exit codes, JSON, replay files, and every bad-input path."""

from __future__ import annotations

import argparse
import json

import pytest

import verify.cli as cli
from verify.cli.falsify import add_parser as add_falsify_parser
from verify.cli.falsify import command as cmd_falsify


@pytest.fixture
def run(capsys):
    """``memverify falsify ARGS`` through ``verify.cli.main``: (exit code, stdout, stderr)."""

    def call(*argv: str) -> tuple[int, str, str]:
        code = cli.main(["falsify", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return call


def test_json_search_and_replay_round_trip(run, tmp_path):
    path = tmp_path / "t2.json"
    code, out, _ = run("--claim", "LLY26-T2", "--budget", "40", "--seed", "0", "--digits", "30",
                       "--out", str(path), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["status"] == "counterexample" and data["claim"] == "LLY26-T2"
    assert data["replay_file"] == str(path) and path.exists()
    assert data["recheck"]["digits"] == 60 and data["recheck"]["verdict"] == "violated"
    assert data["budget"] == 40 and data["coverage"]["evaluations"] == data["examples_tried"]
    code, out, _ = run("--replay", str(path), "--json")
    replayed = json.loads(out)
    assert code == 0 and replayed["reproduced"] is True
    assert replayed["example"] == data["counterexample"]
    code, out, _ = run("--replay", str(path))
    assert code == 0 and "REPRODUCED" in out and "NOT" not in out

    stored = json.loads(path.read_text())
    stored["params"] = {"C": {"q": "1000"}}  # a looser bound: the stored example now satisfies it
    path.write_text(json.dumps(stored))
    code, out, _ = run("--replay", str(path))
    assert code == 0 and "NOT REPRODUCED" in out


def test_text_report_and_nothing_written_when_nothing_found(run, tmp_path):
    path = tmp_path / "none.json"
    code, out, _ = run("--claim", "LLY26-T2-margin", "--budget", "8", "--out", str(path),
                       "--param", "gap=3")
    assert code == 0
    assert "none-found" in out and "not a proof" in out and "verified" not in out
    assert "rejected by the inequality's condition" in out and "gap = 3" in out
    assert "coverage:" in out and "schedule:" in out
    assert not path.exists() and list(tmp_path.iterdir()) == []


def test_list(run):
    code, out, _ = run("--list")
    assert code == 0
    assert {line.split(":")[0] for line in out.splitlines()} >= {"LLY26-T2", "LLY26-T3", "LLY25-C1",
                                                                 "LLY26-T4", "LLY26-T2-margin"}


@pytest.mark.parametrize("argv, message", [
    (["--claim", "LLY99-NOPE"], "known: LLY25-C1"),
    (["--claim", "LLY26-T2", "--budget", "0"], "--budget must be a positive integer"),
    (["--claim", "LLY26-T2", "--budget", "-3"], "--budget must be a positive integer"),
    (["--claim", "LLY26-T2", "--budget", "many"], "--budget must be a positive integer"),
    (["--claim", "LLY26-T2", "--param", "C"], "expected KEY=VALUE"),
    (["--claim", "LLY26-T2", "--param", "C=abc"], "not a decimal or p/q"),
    (["--claim", "LLY26-T2", "--param", "D=1"], "unknown parameter"),
    (["--claim", "LLY26-T2", "--param", "C=0"], "must be > 0"),
    (["--claim", "LLY26-T2", "--param", "C=1", "--param", "C=2"], "given twice"),
    (["--claim", "LLY26-T2", "--digits", "5"], "--digits must be between"),
    (["--claim", "LLY26-T2", "--out", "{tmp}/missing/r.json"], "does not exist"),
    (["--claim", "LLY26-T2", "--out", "{tmp}"], "is a directory"),
    (["--replay", "{tmp}/absent.json"], "cannot read"),
    (["--replay", "{tmp}/bad.json"], "not valid JSON"),
    (["--replay", "{tmp}/bad.json", "--budget", "5"], "cannot be combined with --replay"),
    ([], "one of the arguments"),
])
def test_bad_input_exits_2_with_one_line(run, tmp_path, argv, message):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    code, out, err = run(*(a.replace("{tmp}", str(tmp_path)) for a in argv))
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("memverify: error: ") and message in err, err
    assert "Traceback" not in err and out == ""
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_replay_of_a_stored_example_that_does_not_fit(run, tmp_path):
    path = tmp_path / "r.json"
    code, _, _ = run("--claim", "LLY26-T2", "--budget", "40", "--out", str(path), "--json")
    assert code == 0
    data = json.loads(path.read_text())
    data["example"]["start"] = {"tuple": [{"q": "0"}, {"q": "0"}, {"q": "0"}]}
    path.write_text(json.dumps(data))
    code, out, err = run("--replay", str(path))
    assert code == 2 and "like start" in err and err.count("\n") == 1 and out == ""


def test_cmd_falsify_raises_usage_error_directly():
    parser = argparse.ArgumentParser(prog="memverify")
    add_falsify_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["falsify", "--claim", "NO-SUCH"])
    with pytest.raises(cli.UsageError, match="no falsifiable inequality"):
        cmd_falsify(args)


def test_wired_into_memverify(capsys):
    assert cli.main(["falsify", "--list"]) == 0
    assert "LLY26-T2" in capsys.readouterr().out
