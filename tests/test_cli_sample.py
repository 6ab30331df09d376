"""``memverify sample``: generated samples with their decomposition; bad input is exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from verify.cli import main


@pytest.mark.parametrize(("args", "needle"), [
    (["--sampler", "rk4", "--steps", "5"], "invalid choice: 'rk4'"),
    (["--sampler", "ode", "--steps", "0"], "--steps must be a positive integer"),
    (["--sampler", "ode", "--steps", "many"], "--steps must be a positive integer"),
    (["--sampler", "ode", "--steps", "5", "--n-samples", "-3"], "--n-samples must be a positive integer"),
    (["--sampler", "sde", "--steps", "5", "--error", "nope:x=1"], "unknown error family 'nope'"),
    (["--sampler", "sde", "--steps", "5", "--error", "bounded:epsilon=1"], "unknown parameter"),
    (["--sampler", "sde", "--steps", "5", "--error", "bounded:eps=1/2,direction=1|0|0"],
     "error direction has 3 entries, the data have d = 2"),
    (["--sampler", "sde", "--steps", "5", "--schedule", "vp-linear-sigma"], "--t-start"),
    (["--sampler", "sde", "--steps", "5", "--schedule", "nope"], "unknown schedule 'nope'"),
    (["--sampler", "sde", "--steps", "5", "--schedule", "generic"], "no time axis"),
    (["--sampler", "sde", "--steps", "5", "--t-start", "2"], "t_start must lie in (0, 1]"),
    (["--sampler", "sde", "--steps", "5", "--t-start", "soon"], "--t-start"),
    (["--sampler", "ode", "--steps", "5", "--zeta", "1"], "--zeta applies to"),
    (["--sampler", "sde", "--steps", "5", "--zeta", "-1"], "diffusion is negative"),
    (["--sampler", "sde", "--steps", "5", "--zeta", "foo(t)"], "unknown names: foo"),
    (["--sampler", "sde", "--steps", "5", "--digits", "5"], "--digits must be between"),
    (["--sampler", "sde", "--steps", "5", "--digits", "30", "--error", "python:os:getcwd"],
     "has no ball evaluation"),
    (["--sampler", "sde", "--steps", "100000", "--n-samples", "1000"], "recording budget"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, args, needle):
    code = main(["sample", "--data", "builtin:triangle", *args])
    captured = capsys.readouterr()
    assert code == 2, captured.err
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("memverify: error:"), captured.err
    assert needle in lines[0]
    assert "Traceback" not in captured.err and captured.out == ""


@pytest.mark.parametrize(("content", "needle"), [
    ("0,0\n1\n", "row 2 has 1 entries"),
    ("", "no training samples"),
    ("0,0\nx,1\n", "not a decimal"),
])
def test_bad_data_file(tmp_path, capsys, content, needle):
    f = tmp_path / "d.csv"
    f.write_text(content)
    assert main(["sample", "--data", str(f), "--sampler", "ode", "--steps", "4"]) == 2
    assert needle in capsys.readouterr().err


def test_json_output(tmp_path, capsys):
    f = tmp_path / "d.csv"
    f.write_text("0,0\n2,0\n1,2\n")
    code = main(["sample", "--data", str(f), "--sampler", "sde", "--steps", "20", "--schedule",
                 "linear-brownian", "--error", "critical:lambda=1/4", "--n-samples", "40", "--seed", "3",
                 "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["settings"]["sampler"] == "euler-maruyama" and out["settings"]["n_samples"] == 40
    assert out["settings"]["error"] == "critical:lambda=1/4" and out["settings"]["h"] == "1/20"
    assert len(out["samples"]) == 40
    for row in out["samples"]:
        dec = row["decomposition"]
        assert dec["identity"]["holds"]
        total = [x + a + b + c for x, a, b, c in zip(dec["training_sample"], dec["discretization"],
                                                       dec["estimation"], dec["gaussian"], strict=True)]
        assert max(abs(t - e) for t, e in zip(total, row["endpoint"], strict=True)) < 1e-12
        assert dec["norms"]["estimation"] <= dec["bounds"]["estimation"] * (1 + 1e-9)
    summary = out["summary"]
    assert summary["identity_failures"] == 0 and summary["gaussian_tests"]["samples"] == 40
    # the same seed gives the same samples
    main(["sample", "--data", str(f), "--sampler", "sde", "--steps", "20", "--schedule", "linear-brownian",
          "--error", "critical:lambda=1/4", "--n-samples", "40", "--seed", "3", "--json"])
    assert json.loads(capsys.readouterr().out)["samples"] == out["samples"]


def test_ball_mode_json(capsys):
    code = main(["sample", "--data", "builtin:square", "--sampler", "sde", "--steps", "6", "--schedule",
                 "vp-linear-sigma", "--t-start", "63/64", "--zeta", "t**2", "--digits", "30",
                 "--n-samples", "2", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["settings"]["arithmetic"] == "balls at 30 digits" and out["settings"]["zeta"] == "t**2"
    for row in out["samples"]:
        assert row["decomposition"]["identity"]["holds"]
        assert all(v.startswith("[") or v == "0" for v in row["endpoint_balls"])


def test_text_output_shows_table_and_summary(capsys):
    assert main(["sample", "--data", "builtin:line5", "--sampler", "ode", "--steps", "16", "--schedule",
                 "trigonometric", "--n-samples", "25"]) == 0
    text = capsys.readouterr().out
    assert "euler on trigonometric, K = 16" in text and "nearest" in text and "identity" in text
    assert "(5 more samples; --json prints all)" in text
    assert "identity holds for 25 of 25 samples" in text


def test_console_script_and_help(tmp_path):
    script = Path(sys.executable).with_name("memverify")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "verify"]
    proc = subprocess.run([*cmd, "sample", "--data", "builtin:triangle", "--sampler", "sde", "--steps", "3",
                           "--error", "bounded:eps=x"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "eps" in proc.stderr
    help_text = subprocess.run([*cmd, "sample", "--help"], capture_output=True, text=True, timeout=300).stdout
    for option in ("--data", "--sampler", "--steps", "--schedule", "--error", "--n-samples", "--digits",
                   "--seed", "--t-start", "--zeta", "--json"):
        assert option in help_text
