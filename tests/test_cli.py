"""The command line: exit codes, one-line errors, reports written whole or not at all."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from verify.cli import main
from verify.registry import select

#: a claim registered for the test only, whose checks are "not yet implemented"
PENDING = "TEST-PENDING"


@pytest.fixture
def pending_claim(monkeypatch):
    from verify.registry import CLAIMS, Claim

    select(None)  # load the catalogue first
    monkeypatch.setitem(CLAIMS, PENDING, Claim(PENDING, "MEMVERIFY", "-", "A claim without a checker",
                                               r"x=x", "reconstructed", "none", planned="a later issue"))


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "verify", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=600)


def assert_one_line_error(proc: subprocess.CompletedProcess, needle: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert needle in lines[0]


@pytest.mark.parametrize(("args", "needle"), [
    (["derive", "--schedule", "nope"], "unknown schedule 'nope'"),
    (["derive", "--schedule", "alpha=1-t; beta=("], "cannot parse beta"),
    (["derive", "--schedule", "alpha=1-t; beta=t; gamma=t"], "gamma(1) = 0"),
    (["derive", "--schedule", "alpha=1-t; beta=__import__('os')"], "beta"),
    (["derive", "--schedule", "alpha=1-t+1000*t^2*(1-t)^2; beta=t"], "alpha/sigma"),
    (["run", "--claims", "NOPE-*"], "matches no claim"),
    (["run", "--digits", "5"], "--digits must be between"),
    (["run", "--digits", "many"], "--digits must be an integer"),
    (["run", "--seed", "-1"], "--seed must be non-negative"),
    (["run", "--schedules", "linear,nope"], "unknown schedule 'nope'"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, args, needle):
    out = tmp_path / "report"
    code = main([*args, "--out", str(out)] if args[0] == "run" else args)
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert needle in err
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == []


def test_out_path_that_is_a_file_is_rejected(tmp_path, capsys):
    target = tmp_path / "occupied"
    target.write_text("keep me")
    assert main(["run", "--claims", "LLY25-P2", "--out", str(target)]) == 2
    assert "is not a directory" in capsys.readouterr().err
    assert target.read_text() == "keep me"


def test_console_entry_point_reports_errors_without_traceback(tmp_path):
    proc = run_cli("run", "--claims", "XYZ", "--out", str(tmp_path / "r"))
    assert_one_line_error(proc, "matches no claim")
    assert not (tmp_path / "r").exists()


def test_help_documents_every_command():
    proc = run_cli("--help")
    assert proc.returncode == 0
    for command in ("run", "claims", "derive", "latex", "docs"):
        assert command in proc.stdout
    run_help = run_cli("run", "--help").stdout
    for option in ("--claims", "--out", "--quick", "--digits", "--seed"):
        assert option in run_help


def test_run_writes_a_complete_report(tmp_path, capsys, pending_claim):
    out = tmp_path / "rep"
    code = main(["run", "--claims", f"LLY25-P2,{PENDING}", "--quick", "--out", str(out),
                 "--schedules", "linear"])
    stdout = capsys.readouterr().out
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["derivations.tex", "findings.md", "report.json",
                                                     "report.md", "timings.json"]
    report = json.loads((out / "report.json").read_text())
    by_id = {c["id"]: c for c in report["claims"]}
    assert set(by_id) == {"LLY25-P2", PENDING}
    for entry in report["claims"]:
        assert {"id", "paper", "status", "evidence"} <= set(entry)
    # timings live in timings.json (report.json is reproducible byte for byte)
    timings = json.loads((out / "timings.json").read_text())
    assert set(timings["claims"]) == {"LLY25-P2", PENDING} and timings["seconds"] >= 0
    assert all(isinstance(v, float) for v in timings["claims"].values()) and "created" in timings
    assert "seconds" not in json.dumps(report) and "created" not in report
    assert by_id["LLY25-P2"]["status"] == "verified"
    assert all(e["passed"] is True for e in by_id["LLY25-P2"]["evidence"])
    assert by_id[PENDING]["status"] == "inconclusive"
    assert "not yet implemented" in by_id[PENDING]["summary"]
    assert "LLY25-P2" in stdout and "verified" in stdout
    md = (out / "report.md").read_text()
    assert "## LLY25-P2" in md and "**Verdict: verified**" in md
    assert "\\begin{document}" in (out / "derivations.tex").read_text()


def test_run_into_existing_directory_keeps_other_files(tmp_path):
    out = tmp_path / "rep"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    (out / "report.json").write_text("{}")
    assert main(["run", "--claims", "CONV-MAP", "--out", str(out)]) == 0
    assert (out / "notes.txt").read_text() == "mine"
    assert json.loads((out / "report.json").read_text())["claims"][0]["id"] == "CONV-MAP"
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_claims_lists_registry_and_last_verdicts(tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["run", "--claims", "CONV-MAP", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["claims", "--report", str(out / "report.json")]) == 0
    text = capsys.readouterr().out
    assert "LLY25-P1" in text and "SEP-PRUNE" in text and "CONV-MAP" in text
    row = next(line for line in text.splitlines() if line.startswith("CONV-MAP"))
    assert row.rstrip().endswith("verified")
    other = next(line for line in text.splitlines() if line.startswith("LLY25-P1"))
    assert other.rstrip().endswith("-")


def test_derive_json_and_latex(capsys):
    assert main(["derive", "--schedule", "trigonometric", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "trigonometric" in json.dumps(data)
    assert main(["derive", "--schedule", "alpha=1-t; sigma=t", "--format", "latex"]) == 0
    assert "\\documentclass" in capsys.readouterr().out


def test_latex_pdf_without_engine_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    target = tmp_path / "d.tex"
    code = main(["latex", "--schedule", "linear", "-o", str(target), "--pdf"])
    err = capsys.readouterr().err
    assert code == 3
    assert target.exists() and "\\begin{document}" in target.read_text()
    assert "no PDF" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(("content", "start", "extra", "needle"), [
    ("0,0\n1,1\n", "1,nan", [], "not a decimal"),
    ("0,0\n1\n", "1,1", [], "row 2 has 1 entries"),
    ("", "1,1", [], "no training samples"),
    ("0,0\n1,1\n", "1,2,3", [], "dimension 2"),
    ("0,0\nx,1\n", "1,1", [], "not a decimal"),
    ("0,0\n1,1\n", "1,1", ["--digits", "3"], "--digits must be between"),
])
def test_endpoint_bad_input(tmp_path, capsys, content, start, extra, needle):
    f = tmp_path / "d.csv"
    f.write_text(content)
    code = main(["endpoint", "--data", str(f), "--start", start, *extra])
    err = capsys.readouterr().err
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1


def test_endpoint_json(tmp_path, capsys):
    f = tmp_path / "d.csv"
    f.write_text("0,0\n2,0\n1,2\n")
    assert main(["endpoint", "--data", str(f), "--start", "2/5,0.6", "--digits", "30", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "training-sample" and out["index"] == 2
    assert out["endpoint"] == ["1", "2"] and out["radius"] == "0"
    for key in ("commit_t", "digits", "steps", "evaluations", "seconds"):
        assert key in out
    assert 0 < float(out["commit_t"]) < 1


def test_endpoint_reports_ties(capsys):
    assert main(["endpoint", "--data", "builtin:square", "--start", "1,1", "--json",
                 "--digits", "30"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "tie" and out["tie_kind"] == "exact" and out["index"] is None
    assert out["endpoint"] == ["0.5", "0.5"]
    assert main(["endpoint", "--data", "builtin:square", "--start", "1,1.0000000000000000000000000000001",
                 "--json", "--digits", "20"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "tie" and out["tie_kind"] == "unresolved"
