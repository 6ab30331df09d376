"""The bad-input contract, table-driven: for every row, ``memverify ARGS`` exits with code 2
within 10 s, prints exactly one line on stderr (``memverify: error: ...``, no traceback),
prints nothing on stdout, and writes nothing (the working directory stays empty and the input
files are unchanged). A sample of rows also runs as a real process (``python -m verify``).

Placeholders: ``{in}`` is a directory of prepared input files (see :func:`inputs`)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from verify.cli import main

FULLWIDTH_SUBS = "t.\uff53\uff55\uff42\uff53(t,1)*t"
LONG_FIELD = "1," + "1" * 140_000 + "\n"
SQUARE = ["--data", "builtin:square"]
SAMPLE = ["sample", "--data", "builtin:triangle", "--sampler", "sde", "--steps", "4"]

#: (command line, a fragment of the error line)
ROWS: list[tuple[list[str], str]] = [
    # run
    (["run", "--claims", ","], "empty item"),
    (["run", "--claims", ""], "empty list"),
    (["run", "--claims", "NOPE-*"], "matches no claim"),
    (["run", "--plugin", "{in}/no-such-plugin.py"], "no such file"),
    (["run", "--plugin", "os;rm -rf x"], "neither a .py file nor a dotted module name"),
    (["run", "--plugin", "no_such_module_xyz"], "module not found"),
    (["claims", "--plugin", ""], "empty value"),
    (["claims", "--plugin", "{in}/json.py"], "already the name of a module"),
    (["run", "--claims", "X" * 200], "longer than 100 characters"),
    (["run", "--out", ""], "empty directory name"),
    (["run", "--out", "{in}/afile"], "is not a directory"),
    (["run", "--digits", "5"], "--digits must be between"),
    (["run", "--digits", "1e3"], "--digits must be an integer"),
    (["run", "--digits", "9" * 60], "--digits must be an integer"),
    (["run", "--seed", "-1"], "--seed must be non-negative"),
    (["run", "--seed", str(2**64)], "--seed must be at most"),
    (["run", "--seed", "1e3"], "--seed must be an integer"),
    (["run", "--schedules", "linear,nope"], "unknown schedule 'nope'"),
    (["run", "--schedules", ","], "empty item"),
    (["run", "--quick", "extra"], "unrecognized arguments"),
    # claims
    (["claims", "--report", "{in}/list.json"], "not a memverify report"),
    (["claims", "--report", "{in}/shape.json"], "not a memverify report"),
    (["claims", "--report", "{in}/bad.json"], "not valid JSON"),
    (["claims", "--report", "{in}/deep.json"], "not valid JSON"),
    (["claims", "--report", "{in}"], "is a directory"),
    (["claims", "--report", ""], "empty file name"),
    # derive
    (["derive", "--schedule", "nope"], "unknown schedule 'nope'"),
    (["derive", "--schedule", ""], "unknown schedule"),
    (["derive", "--schedule", "alpha=1-t+0*9**9**9; beta=t"], "exceeds the limit"),
    (["derive", "--schedule", "alpha=1-t+0*pi.n(3000000); beta=t"], "unknown names: n"),
    (["derive", "--schedule", f"alpha=1-t; beta={FULLWIDTH_SUBS}"], "unknown names: subs"),
    (["derive", "--schedule", "alpha=1-t; beta=t; zeta=1/0"], "division by zero"),
    (["derive", "--schedule", "alpha=1-t; beta=__import__('os')"], "not allowed"),
    (["derive", "--schedule", "alpha=1-t; beta=(lambda: t)()"], "unknown names: lambda"),
    (["derive", "--schedule", "alpha=1e999999999*t; beta=t"], "outside the limit"),
    (["derive", "--schedule", "alpha=(1-t)^1000; beta=t"], "exceeds the limit"),
    (["derive", "--schedule", "alpha=1-t; beta=t; gamma=t"], "gamma(1) = 0"),
    (["derive", "--schedule", "alpha=1-t; beta=" + "+".join(["t"] * 700)], "syntax nodes"),
    (["derive", "--format", "xml"], "invalid choice"),
    # latex
    (["latex", "-o", ""], "empty file name"),
    (["latex", "-o", "{in}"], "is a directory"),
    (["latex", "-o", "{in}/missing/x.tex"], "does not exist"),
    (["latex", "-o", "{in}/afile/x.tex"], "does not exist"),
    (["latex", "--schedule", "nope", "-o", "x.tex"], "unknown schedule"),
    (["latex", "--schedule", "linear", "-o", "/proc/memverify-test.tex"], "/proc/memverify-test.tex"),
    # endpoint
    (["endpoint", *SQUARE, "--start", "1e999999999,1"], "outside the limit"),
    (["endpoint", *SQUARE, "--start", "1,2,3"], "dimension 2"),
    (["endpoint", *SQUARE, "--start", ""], "empty entry"),
    (["endpoint", *SQUARE, "--start", "1,,2"], "empty entry"),
    (["endpoint", *SQUARE, "--start", "1/0,1"], "denominator zero"),
    (["endpoint", *SQUARE, "--start", "1,1", "--max-steps", "0"], "positive integer"),
    (["endpoint", *SQUARE, "--start", "1,1", "--max-steps", "2000001"], "--max-steps"),
    (["endpoint", *SQUARE, "--start", "1,1", "--max-steps", "1e3"], "--max-steps"),
    (["endpoint", *SQUARE, "--start", "1e20,1"], "magnitude above 1000000"),
    (["endpoint", *SQUARE, "--start", "1,-10000001"], "entry 2: magnitude above 1000000"),
    (["endpoint", *SQUARE, "--start", "1,1", "--certificate", "{in}"], "is a directory"),
    (["endpoint", *SQUARE, "--start", "1,1", "--certificate", "{in}/missing/c.json"], "does not exist"),
    (["endpoint", *SQUARE, "--start", "1,1", "--certificate", ""], "empty file name"),
    # certificate
    (["certificate", "check", "{in}/missing.json"], "no such file"),
    (["certificate", "verify", "{in}/missing.json"], "invalid choice"),
    (["certificate"], "required"),
    (["endpoint", *SQUARE, "--start", "1,1", "--schedule", "generic"], "no time axis"),
    (["endpoint", *SQUARE, "--start", "1,1", "--digits", "3"], "--digits must be between"),
    (["endpoint", "--data", "{in}/big400.csv", "--start", "1,1"], "magnitude above 1e100"),
    (["endpoint", "--data", "{in}/huge_exponent.csv", "--start", "1,1"], "outside the limit"),
    (["endpoint", "--data", "{in}/long_field.csv", "--start", "1,1"], "a field longer than"),
    (["endpoint", "--data", "{in}/binary.csv", "--start", "1,1"], "not a UTF-8"),
    (["endpoint", "--data", "{in}/nul.csv", "--start", "1,1"], "is not a decimal"),
    (["endpoint", "--data", "{in}/ragged.csv", "--start", "1,1"], "row 2 has 1 entries"),
    (["endpoint", "--data", "{in}/empty.csv", "--start", "1,1"], "no training samples"),
    (["endpoint", "--data", "{in}/adir.csv", "--start", "1,1"], "is a directory"),
    (["endpoint", "--data", "{in}/missing.csv", "--start", "1,1"], "no such file"),
    (["endpoint", "--data", "", "--start", "1,1"], "empty file name"),
    (["endpoint", "--data", "builtin:nope", "--start", "1,1"], "unknown built-in"),
    (["endpoint", "--data", "{in}/longdouble.npy", "--start", "1,1"], "long double"),
    (["endpoint", "--data", "{in}/complex.npy", "--start", "1,1"], "numeric array"),
    (["endpoint", "--data", "{in}/object.npy", "--start", "1,1"], "numeric array"),
    (["endpoint", "--data", "{in}/nan.npy", "--start", "1,1"], "nan"),
    (["endpoint", "--data", "{in}/three_d.npy", "--start", "1,1"], "2-D"),
    (["endpoint", "--data", "{in}/empty.npy", "--start", "1,1"], "empty"),
    (["endpoint", "--data", "{in}/truncated.npy", "--start", "1,1"], "not a readable .npy"),
    (["endpoint", "--data", "{in}/wide.csv", "--start", "1,1"], "columns exceed the limit"),
    # sample
    ([*SAMPLE[:-1], "0"], "--steps must be a positive integer"),
    ([*SAMPLE[:-1], "10000000"], "--steps must be at most"),
    ([*SAMPLE, "--n-samples", "99999999"], "--n-samples must be at most"),
    ([*SAMPLE, "--t-start", "1e999999999"], "outside the limit"),
    ([*SAMPLE, "--t-start", "1e-20"], "below the smallest start time"),
    ([*SAMPLE, "--t-start", "2"], "t_start must lie in (0, 1]"),
    ([*SAMPLE, "--t-start", "-1/2"], "t_start must lie in (0, 1]"),
    ([*SAMPLE, "--error", "bounded:eps=1e999"], "above 1e100"),
    ([*SAMPLE, "--error", "bounded:eps=1,eps=2"], "eps is given twice"),
    ([*SAMPLE, "--error", "bounded:eps=-1"], "must be non-negative"),
    ([*SAMPLE, "--error", "random:eps=1,modes=99999999"], "modes must be at most"),
    ([*SAMPLE, "--error", "python:os:system"], "failed on a"),
    ([*SAMPLE, "--error", "python:memverify_no_such_module:f"], "could not be loaded"),
    ([*SAMPLE, "--zeta", "9**9**9"], "exceeds the limit"),
    ([*SAMPLE, "--zeta", "1/0"], "division by zero"),
    ([*SAMPLE, "--zeta", "pi.n(3000000)"], "unknown names: n"),
    ([*SAMPLE, "--zeta", "-1"], "diffusion is negative"),
    ([*SAMPLE, "--n-samples", "100", "--steps", "100000", "--digits", "30"], "ball-arithmetic budget"),
    (["sample", "--data", "{in}/big400.csv", "--sampler", "ode", "--steps", "4"], "magnitude above 1e100"),
    (["sample", "--data", "{in}/huge.npy", "--sampler", "ode", "--steps", "4"], "magnitude above 1e100"),
    (["sample", "--data", "builtin:triangle", "--sampler", "rk4", "--steps", "4"], "invalid choice"),
    # falsify
    (["falsify", "--claim", "LLY26-T2", "--param", "C=1e999999999"], "outside the limit"),
    (["falsify", "--claim", "LLY26-T2", "--param", "C=-1"], "must be > 0"),
    (["falsify", "--claim", "LLY26-T2", "--budget", "999999999"], "--budget must be at most"),
    (["falsify", "--claim", "LLY26-T2", "--out", ""], "empty file name"),
    (["falsify", "--claim", "NOPE"], "known: LLY25-C1"),
    (["falsify", "--replay", "{in}/list.json"], "not a memverify replay file"),
    (["falsify", "--replay", "{in}/deep.json"], "not valid JSON"),
    (["falsify", "--replay", "{in}"], "is a directory"),
    # gmm
    (["gmm", "losses", "--d", "0"], "--d must be a positive integer"),
    (["gmm", "losses", "--d", "100000"], "--d must be at most"),
    (["gmm", "losses", "--N", "10000", "--draws", "100000"], "exceeds the limit"),
    (["gmm", "losses", "--var", "1e400"], "the limits"),
    (["gmm", "losses", "--var", "-1"], "--var must be a positive number"),
    (["gmm", "losses", "--N", "1", "--M", "5"], "exceeds N"),
    (["gmm", "losses", "--schedule", "alpha=9**9**9; beta=t"], "exceeds the limit"),
    (["gmm", "crossover", "--weighting", "nope"], "unknown names: nope"),
    (["gmm", "crossover", "--weighting", "t-1/2"], "must be finite and >= 0"),
    (["gmm", "crossover", "--weighting", "__import__('os')"], "not allowed"),
    (["gmm", "crossover", "--C", "numerator", "x3"], "expected a positive number"),
    (["gmm", "crossover", "--C", "0"], "must lie in (0, 1000]"),
    (["gmm", "losses", "--t-grid", "0:0.5:4"], "strictly between 0 and 1"),
    (["gmm", "losses", "--t-grid", "0.1,0.1"], "repeated"),
    (["gmm", "losses", "--t-grid", "0.1:0.5"], "expected A:B:n"),
    (["gmm", "losses", "--data", "builtin:triangle"], "--data needs --means"),
    (["gmm", "losses", "--var", "2", "--cov", "2"], "not both"),
    (["gmm", "losses", "--means", "builtin:triangle", "--d", "3"], "--d comes from --means"),
    (["gmm", "losses", "--means", "builtin:triangle", "--data", "builtin:square", "--N", "3"],
     "--N comes from --data"),
    (["gmm", "losses", "--means", "builtin:triangle", "--weights", "1,2"], "weights must be 3 positive"),
    (["gmm", "losses", "--means", "builtin:triangle", "--cov", "1,2"], "one number"),
    (["gmm", "losses", "--means", "builtin:triangle", "--cov", "-1"], "positive"),
    (["gmm", "losses", "--means", "builtin:triangle", "--data", "builtin:line5"], "columns"),
    (["gmm", "crossover", "--subsets", "some"], "invalid choice"),
    (["gmm", "sweep", "--d", "2,x"], "comma-separated integers"),
    (["gmm", "sweep", "--steps", "-1"], "--steps must be a positive integer"),
    (["gmm", "sweep", "--seed", "-5"], "--seed must be non-negative"),
    (["gmm", "sweep", "--out", "{in}/afile"], "is not a directory"),
    (["gmm", "sweep", "--workers", "100000"], "--workers must be at most"),
    (["gmm", "fit-weighting", "--grid", "nope"], "invalid choice"),
    (["gmm", "fit-weighting", "--steps", "0"], "--steps must be a positive integer"),
    (["gmm", "fit-weighting", "--out", "{in}/afile"], "is not a directory"),
    (["gmm", "fit-weighting", "--workers", "2", "--scheduler", "tcp://127.0.0.1:9"], "local cluster"),
    (["gmm", "fit-weighting", "--records", "{in}/bad.json"], "not valid JSON"),
    (["gmm", "fit-weighting", "--records", "{in}/list.json"], "not a memverify EDGE-45 record file"),
    (["gmm", "fit-weighting", "--records", "{in}/list.json", "--steps", "9"], "--records only re-analyses"),
    # sweep
    (["sweep", "endpoints", *SQUARE, "--starts", "0"], "--starts must be a positive integer"),
    (["sweep", "endpoints", *SQUARE, "--starts", "100000000"], "--starts must be at most"),
    (["sweep", "endpoints", *SQUARE, "--chunk", "10", "--batch", "3"], "--batch 3 must divide --chunk 10"),
    (["sweep", "endpoints", *SQUARE, "--starts", "10000000", "--chunk", "1"], "the number of tasks"),
    (["sweep", "endpoints", *SQUARE, "--digits", "5"], "--digits must be between"),
    (["sweep", "endpoints", *SQUARE, "--schedule", "generic"], "no time axis"),
    (["sweep", "endpoints", "--data", "{in}/big400.csv"], "magnitude above 1e100"),
    (["sweep", "endpoints", "--data", "{in}/ragged.csv"], "row 2 has 1 entries"),
    (["sweep", "endpoints", *SQUARE, "--out", "{in}/afile"], "is not a directory"),
    (["sweep", "endpoints", *SQUARE, "--out", "{in}/sweep-out"], "holds a 'sqrt-h' sweep"),
    (["sweep", "endpoints", *SQUARE, "--workers", "2", "--scheduler", "tcp://127.0.0.1:9"], "local cluster"),
    (["sweep", "endpoints", *SQUARE, "--starts", "4", "--scheduler", "nonsense"], "missing port number"),
    (["sweep", "endpoints", "--starts", "4"], "the following arguments are required: --data"),
    (["sweep", "sqrt-h", "--sampler", "heun"], "invalid choice"),
    (["sweep", "sqrt-h", "--steps", "4"], "at least two distinct step counts"),
    (["sweep", "sqrt-h", "--steps", "4,0"], "--steps must be positive integers"),
    (["sweep", "sqrt-h", "--steps", "4,100000"], "every value must be at most"),
    (["sweep", "sqrt-h", "--sampler", "euler-maruyama", "--steps", "4,6"], "4 does not divide the largest"),
    (["sweep", "sqrt-h", "--schedules", "linear,nope"], "unknown sweep schedule 'nope'"),
    (["sweep", "sqrt-h", "--schedules", "linear,"], "empty item"),
    (["sweep", "sqrt-h", "--schedules", "linear,linear"], "repeated"),
    (["sweep", "sqrt-h", "--chunk", "100000", "--starts", "100000"], "--chunk x largest K x d"),
    (["sweep", "sqrt-h", "--chunk", "100000", "--starts", "100000", "--steps", "4,8"], "--chunk x N x d"),
    (["sweep", "sqrt-h", "--data", "{in}/nan.npy"], "entry (1, 1) is nan"),
    (["sweep", "sqrt-h", "--workers", "-1"], "--workers must be an integer >= 0"),
    (["sweep", "sqrt-h", "--out", "{in}/sweep-out"], "records of other settings"),
    (["sweep", "nope"], "invalid choice"),
    # separation
    (["separation", "gap", "--s", "1e-4:3:1000000000"], "more than 1,000 values"),
    (["separation", "gap", "--s", "-1"], "every s must lie in (0, 50]"),
    (["separation", "gap", "--n", "0"], "--n must be positive integers"),
    (["separation", "gap", "--d", "100000"], "--d must be at most"),
    (["separation", "gap", "--draws", "100000000"], "--draws must be at most"),
    (["separation", "gap", "--n", "100000", "--d", "1000"], "exceeds the limit"),
    (["separation", "gap", "--data", "{in}/big400.csv"], "magnitude above 1e100"),
    (["separation", "gap", "--data", "{in}/two_cols.csv", "--means", "{in}/three_cols.csv"], "3 columns"),
    (["separation", "gap", "--means", "{in}/two_cols.csv"], "--means needs --data"),
    (["separation", "lipschitz", "--d", "0"], "--d must be at least 1"),
    (["separation", "lipschitz", "--d", "1000"], "--d must be at most"),
    (["separation", "lipschitz", "--data", "no/such/file.csv"], "no such file"),
    (["separation", "lipschitz", "--s", "0,-1"], "every value must be a positive"),
    (["separation", "lipschitz", "--n", "1000000"], "--n: every value must be at most"),
    (["separation", "lipschitz", "--data", "{in}/huge.npy"], "magnitude above 1e100"),
    # docs and the command itself
    (["docs", "--out", "{in}/afile"], "is not a directory"),
    (["docs", "--out", ""], "empty directory name"),
    (["frobnicate"], "invalid choice"),
    ([], "the following arguments are required"),
    (["gmm"], "the following arguments are required"),
    (["separation"], "the following arguments are required"),
]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """The prepared input files, made once (the rows only read them)."""
    d = tmp_path_factory.mktemp("in")
    (d / "afile").write_text("keep me\n")
    (d / "json.py").write_text("x = 1\n")
    (d / "list.json").write_text("[1, 2]\n")
    (d / "shape.json").write_text('{"claims": [{"id": 1}]}\n')
    (d / "bad.json").write_text("{not json")
    (d / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (d / "big40.csv").write_text("1,2\n1e40,3\n")
    (d / "big400.csv").write_text("1,2\n1e400,3\n")
    (d / "huge_exponent.csv").write_text("1e999999999,1\n0,0\n")
    (d / "long_field.csv").write_text(LONG_FIELD)
    (d / "binary.csv").write_bytes(b"\xff\xfe\xfa\x00\x01")
    (d / "nul.csv").write_text("1,\x002\n")
    (d / "ragged.csv").write_text("0,0\n1\n")
    (d / "empty.csv").write_text("")
    (d / "wide.csv").write_text(",".join(["1"] * 10_001) + "\n")
    (d / "two_cols.csv").write_text("0,0\n3,4\n3,5\n")
    (d / "three_cols.csv").write_text("0,0,0\n1,1,1\n")
    (d / "adir.csv").mkdir()
    (d / "sweep-out").mkdir()  # the OUT of a sweep with other settings
    (d / "sweep-out" / "manifest.json").write_text('{"sweep": "sqrt-h", "digest": "0", "settings": {}}\n')
    np.save(d / "longdouble.npy", np.array([[1.0, 2.0]], dtype=np.longdouble))
    np.save(d / "complex.npy", np.array([[1 + 1j, 2]]))
    np.save(d / "object.npy", np.array([[1, "a"]], dtype=object), allow_pickle=True)
    np.save(d / "nan.npy", np.array([[np.nan, 1.0]]))
    np.save(d / "three_d.npy", np.zeros((2, 2, 2)))
    np.save(d / "empty.npy", np.zeros((0, 2)))
    np.save(d / "huge.npy", np.array([[1e308, 1.0], [0.0, 0.0]]))
    np.save(d / "good.npy", np.array([[1.0, 2.0], [3.0, 4.0]]))
    (d / "truncated.npy").write_bytes((d / "good.npy").read_bytes()[:-8])
    return d


def _snapshot(directory: Path) -> list[tuple[str, int]]:
    return sorted((str(p.relative_to(directory)), p.stat().st_size if p.is_file() else -1)
                  for p in directory.rglob("*"))


def _argv(row: list[str], inputs: Path) -> list[str]:
    return [a.replace("{in}", str(inputs)) for a in row]


@pytest.mark.parametrize(("argv", "fragment"), ROWS, ids=[" ".join(r)[:60] or "(none)" for r, _ in ROWS])
def test_bad_input_contract(argv, fragment, inputs, tmp_path, monkeypatch, capsys):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    before = _snapshot(inputs)
    started = time.perf_counter()
    code = main(_argv(argv, inputs))
    seconds = time.perf_counter() - started
    out, err = capsys.readouterr()
    assert code == 2, (code, out, err)
    assert err.count("\n") == 1 and err.startswith("memverify: error: "), err
    assert "Traceback" not in err and out == ""
    assert fragment in err, err
    assert seconds < 10, f"{seconds:.1f} s"
    assert list(work.iterdir()) == [], "written into the working directory"
    assert _snapshot(inputs) == before, "an input file changed"


#: rows also run as real processes (chosen by their message): the exit status and stderr the user sees
SUBPROCESS_FRAGMENTS = ("empty item", "empty directory name", "exceeds the limit", "division by zero",
                        "outside the limit", "no time axis", "is a directory", "unknown names: n",
                        "--d must be a positive integer", "3 columns")
SUBPROCESS_ROWS = [next(k for k, (_, f) in enumerate(ROWS) if f == fragment)
                   for fragment in SUBPROCESS_FRAGMENTS]


def test_bad_input_contract_in_a_process(inputs, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    for k in SUBPROCESS_ROWS:
        argv, fragment = ROWS[k]
        proc = subprocess.run([sys.executable, "-m", "verify", *_argv(argv, inputs)], capture_output=True,
                              text=True, cwd=work, timeout=60)
        assert proc.returncode == 2, (argv, proc.stderr)
        assert proc.stderr.count("\n") == 1 and fragment in proc.stderr, (argv, proc.stderr)
        assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert list(work.iterdir()) == []


def test_the_table_is_broad():
    commands = {r[0] for r, _ in ROWS if r}
    assert len(ROWS) >= 80
    assert commands >= {"run", "claims", "derive", "latex", "endpoint", "sample", "falsify", "gmm",
                        "separation", "docs"}


# -- valid input the issue found refused, and files that must be accepted -------------------------

@pytest.mark.parametrize("argv", [
    ["endpoint", "--data", "builtin:square", "--start", "-1,0.5", "--json"],
    ["endpoint", "--data", "builtin:square", "--start", "-1/2,-1e-3", "--json"],
    ["endpoint", "--data", "{in}/bom.csv", "--start", "1,1", "--json"],
    ["endpoint", "--data", "{in}/good.npy", "--start", "-2,3", "--json"],
])
def test_valid_input_that_used_to_be_refused(argv, inputs, capsys):
    (inputs / "bom.csv").write_text("\ufeff0,0\n2,0\n1,2\n", encoding="utf-8")
    try:
        assert main(_argv(argv, inputs)) == 0, capsys.readouterr().err
    finally:
        (inputs / "bom.csv").unlink()
    assert capsys.readouterr().out.lstrip().startswith("{")


def test_unreadable_file_is_one_line(monkeypatch, tmp_path, capsys):
    """Permissions cannot be taken from root; a refused open stands in for them."""
    f = tmp_path / "d.csv"
    f.write_text("0,0\n1,1\n")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)
    assert main(["endpoint", "--data", str(f), "--start", "1,1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot read (Permission denied)" in err


def test_commit_time_of_a_schedule_where_the_secant_solver_fails(capsys):
    """alpha = (1-t)^3, beta = t^3: mpmath's anderson solver missed the commit time (an internal
    error); the SNR decreases strictly, so bisection finds it. The time must invert the SNR."""
    code = main(["endpoint", "--data", "builtin:duplicates", "--start", "1,1", "--schedule",
                 "alpha=(1-t)^3; beta=t^3", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    result = __import__("json").loads(out)
    t, snr = float(result["commit_t"]), float(result["commit_snr"])
    assert abs(((1 - t) / t) ** 3 - snr) < 1e-9 * snr
