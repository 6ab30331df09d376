"""A Hypothesis fuzz of every subcommand's arguments: each generated command line is either
refused by the bad-input contract (exit 2, one line on stderr, nothing written) or accepted
(it reaches the computation, which is replaced here by a stub: the fuzz tests the input layer,
not the mathematics). Anything else is a crash; running past :data:`HANG_SECONDS` is a hang.
Both are counted and must be 0.

``MEMVERIFY_FUZZ_EXAMPLES`` sets the examples per subcommand (default 20, bounded for CI)."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verify.cli import main

HANG_SECONDS = 10
EXAMPLES = int(os.environ.get("MEMVERIFY_FUZZ_EXAMPLES", "20"))
#: outcome counts over the whole module (printed by the last test)
OUTCOMES: Counter[str] = Counter()


class Reached(BaseException):
    """The command got past its input checks to the computation (the stub raises this)."""


class Hang(BaseException):
    """The alarm rang."""


# -- values ------------------------------------------------------------------------------------------

NUMBER_TEXTS = st.one_of(
    st.integers(-10**6, 10**6).map(str),
    st.integers(-10**40, 10**40).map(str),
    st.sampled_from(["0", "-0", "1e999999999", "-1e999999999", "1e-999999999", "1e400", "1e-400", "1e308",
                     "nan", "inf", "-inf", "1/0", "0/0", "-1/2", "3/4", ".5", "5.", "1_000", "0x10", "1e",
                     "\u22121", "\uff11", "\u0661", "1e-30", "63/64", "2", "-1", "", " ", "9" * 5000]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.fractions(max_denominator=10**6).map(str),
)
EXPRESSIONS = st.one_of(
    st.sampled_from(["t", "1-t", "t^2", "t**2", "sqrt(t)", "exp(-t)", "9**9**9", "pi.n(3000000)",
                     "t.\uff53\uff55\uff42\uff53(t,1)", "__import__('os')", "1/0", "log(0)", "(lambda: t)()",
                     "[t for t in t]", "t if t else t", "(" * 300 + "t" + ")" * 300, "-" * 300 + "t",
                     "Symbol('x')", "sin(t,t)", "1e999999999*t", "(t**100)**100", "t**(1/101)", "1j", ""]),
    st.lists(st.sampled_from(["t", "1", "2", "pi", "E", "+", "-", "*", "/", "**", "^", "(", ")", "sin(",
                              "sqrt(", "exp(", "log(", ".", ",", "x", "0.5", "1e-3", " "]),
             max_size=25).map("".join),
)
TEXTS = st.text(max_size=40)
VECTORS = st.lists(NUMBER_TEXTS, min_size=0, max_size=5).map(",".join)


def _schedule_texts() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(["linear", "linear-brownian", "trigonometric", "vp-linear-sigma", "generic", "nope",
                         ""]),
        st.tuples(EXPRESSIONS, EXPRESSIONS).map(lambda ab: f"alpha={ab[0]}; beta={ab[1]}"),
        st.tuples(EXPRESSIONS, EXPRESSIONS, EXPRESSIONS)
        .map(lambda x: f"alpha={x[0]}; sigma={x[1]}; zeta={x[2]}"),
        TEXTS,
    )


SCHEDULES = _schedule_texts()
ERROR_FAMILIES = st.sampled_from(["bounded", "critical", "growing", "inverse-density", "random", "python",
                                  "nope"])
ERROR_PARAMS = st.lists(st.tuples(st.sampled_from(["eps", "lambda", "kappa", "modes", "seed", "direction",
                                                   "x"]), NUMBER_TEXTS), max_size=3)
ERRORS = st.one_of(st.tuples(ERROR_FAMILIES, ERROR_PARAMS)
                   .map(lambda fp: fp[0] + ":" + ",".join(f"{k}={v}" for k, v in fp[1])), TEXTS)


def _files(inputs: Path) -> st.SearchStrategy[str]:
    names = ["good.csv", "bom.csv", "big400.csv", "huge_exponent.csv", "long_field.csv", "binary.csv",
             "ragged.csv", "empty.csv", "adir", "missing.csv", "good.npy", "longdouble.npy", "complex.npy",
             "nan.npy", "three_d.npy", "huge.npy", "truncated.npy", "list.json", "bad.json", "deep.json"]
    return st.one_of(st.sampled_from([str(inputs / n) for n in names]),
                     st.sampled_from(["builtin:square", "builtin:triangle", "builtin:nope", ""]), TEXTS)


def _out_paths(inputs: Path) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(["", str(inputs / "adir"), str(inputs / "good.csv"),
                                      str(inputs / "missing" / "x"), "/proc/memverify-fuzz", "out"]), TEXTS)


def _options(inputs: Path) -> dict[str, dict[str, st.SearchStrategy[str]]]:
    files, outs = _files(inputs), _out_paths(inputs)
    counts = st.one_of(NUMBER_TEXTS, st.integers(-3, 3).map(str))
    return {
        "run": {"--claims": st.one_of(st.sampled_from(["", ",", "CONV-MAP", "NOPE", "*", "LLY*,"]), TEXTS),
                "--out": outs, "--digits": counts, "--seed": counts,
                "--schedules": st.one_of(st.sampled_from(["", ",", "linear", "linear,nope"]), TEXTS)},
        "claims": {"--report": files},
        "derive": {"--schedule": SCHEDULES,
                   "--format": st.sampled_from(["text", "latex", "json", "xml", ""])},
        "latex": {"--schedule": SCHEDULES, "-o": outs},
        "endpoint": {"--data": files, "--start": VECTORS, "--schedule": SCHEDULES, "--digits": counts},
        "sample": {"--data": files, "--sampler": st.sampled_from(["ode", "sde", "euler", "rk4"]),
                   "--steps": counts, "--schedule": SCHEDULES, "--n-samples": counts, "--digits": counts,
                   "--seed": counts, "--t-start": NUMBER_TEXTS,
                   "--zeta": st.one_of(EXPRESSIONS, NUMBER_TEXTS), "--error": ERRORS},
        "falsify": {"--claim": st.sampled_from(["LLY26-T2", "LLY26-T2-margin", "NOPE", ""]),
                    "--budget": counts, "--seed": counts, "--digits": counts, "--out": outs,
                    "--param": st.one_of(st.tuples(st.sampled_from(["C", "gap", "x", ""]), NUMBER_TEXTS)
                                         .map("=".join), TEXTS)},
        "gmm losses": {"--d": counts, "--K": counts, "--N": counts, "--var": NUMBER_TEXTS, "--seed": counts,
                       "--draws": counts, "--M": counts, "--schedule": SCHEDULES, "--data": files,
                       "--means": files, "--cov": st.one_of(NUMBER_TEXTS, files), "--weights": VECTORS,
                       "--t-grid": st.one_of(VECTORS, st.tuples(NUMBER_TEXTS, NUMBER_TEXTS, counts)
                                             .map(":".join)),
                       "--subsets": st.sampled_from(["fixed", "redraw", "x"])},
        "gmm crossover": {"--weighting": st.one_of(
                              st.sampled_from(["uniform-x0", "epsilon", "v", "all", "x"]), EXPRESSIONS),
                          "--C": st.sampled_from(["1", "2", "measured", "losses", "all", "3", "numerator",
                                                  "0", "1e9", "x"]), "--d": counts,
                          "--N": counts, "--var": NUMBER_TEXTS, "--draws": counts, "--data": files,
                          "--means": files, "--cov": st.one_of(NUMBER_TEXTS, files), "--weights": VECTORS,
                          "--t-grid": VECTORS},
        "gmm sweep": {"--d": VECTORS, "--K": VECTORS, "--N": VECTORS, "--seed": counts, "--steps": counts,
                      "--draws": counts, "--samples": counts, "--workers": counts, "--out": outs,
                      "--scheduler": st.sampled_from(["tcp://127.0.0.1:9", "", "nonsense"])},
        "separation gap": {"--d": counts, "--K": counts, "--n": VECTORS, "--datasets": counts,
                           "--draws": counts, "--seed": counts, "--data": files, "--means": files,
                           "--s": st.one_of(VECTORS, st.tuples(NUMBER_TEXTS, NUMBER_TEXTS, counts)
                                            .map(":".join))},
        "separation lipschitz": {"--d": counts, "--n": VECTORS, "--s": VECTORS, "--seed": counts,
                                 "--data": files},
        "docs": {"--out": outs},
    }


#: where each subcommand's computation starts (replaced by a stub raising Reached)
STUBS = {
    "run": ["verify.runner.run_claims"],
    "derive": ["derivations.printing.derivation_report"],
    "latex": ["derivations.printing.derivation_report"],
    "endpoint": ["verify.engine.endpoint.certify_endpoint"],
    "sample": ["verify.sampling.run_sampler"],
    "falsify": ["verify.falsify.engine.falsify"],
    "gmm losses": ["verify.cli.gmm.training_losses"],
    "gmm crossover": ["verify.cli.gmm.training_losses", "verify.cli.gmm.crossover_slope"],
    "gmm sweep": ["verify.gmm.distributed.run_sweep_dask"],
    "separation gap": ["verify.cli.separation.scan_cell", "verify.cli.separation.dsm_gap"],
    "separation lipschitz": ["verify.cli.separation.contrast_table",
                             "verify.cli.separation.empirical_lipschitz"],
    "docs": ["verify.docs.write_docs"],
    "claims": [],
}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("fuzz-in")
    (d / "good.csv").write_text("0,0\n2,0\n1,2\n")
    (d / "bom.csv").write_text("\ufeff0,0\n2,0\n1,2\n", encoding="utf-8")
    (d / "big400.csv").write_text("1,2\n1e400,3\n")
    (d / "huge_exponent.csv").write_text("1e999999999,1\n0,0\n")
    (d / "long_field.csv").write_text("1," + "1" * 140_000 + "\n")
    (d / "binary.csv").write_bytes(b"\xff\xfe\xfa\x00\x01")
    (d / "ragged.csv").write_text("0,0\n1\n")
    (d / "empty.csv").write_text("")
    (d / "adir").mkdir()
    (d / "list.json").write_text("[1, 2]")
    (d / "bad.json").write_text("{not json")
    (d / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    np.save(d / "good.npy", np.array([[0.0, 0.0], [2.0, 0.0], [1.0, 2.0]]))
    np.save(d / "longdouble.npy", np.array([[1.0, 2.0]], dtype=np.longdouble))
    np.save(d / "complex.npy", np.array([[1 + 1j, 2]]))
    np.save(d / "nan.npy", np.array([[np.nan, 1.0]]))
    np.save(d / "three_d.npy", np.zeros((2, 2, 2)))
    np.save(d / "huge.npy", np.array([[1e308, 1.0], [0.0, 0.0]]))
    (d / "truncated.npy").write_bytes((d / "good.npy").read_bytes()[:-8])
    return d


def _alarm(signum, frame):
    raise Hang()


def run_once(argv: list[str], work: Path) -> str:
    """'accepted', 'refused' (the contract held) or a crash/hang description."""
    import contextlib
    import io
    import shutil

    for p in work.iterdir():  # an accepted command may have created its output directory: start afresh
        shutil.rmtree(p) if p.is_dir() else p.unlink()
    out, err = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HANG_SECONDS)
    started = time.perf_counter()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    except Reached:
        return "accepted"
    except Hang:
        return f"hang: {argv}"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    seconds = time.perf_counter() - started
    text = err.getvalue()
    if code == 0:
        return "accepted"  # commands without a stubbed computation (claims, --help)
    if code != 2:
        return f"crash (exit {code}): {argv}: {text.strip()[:300]}"
    if text.count("\n") != 1 or not text.startswith("memverify: error: ") or "Traceback" in text:
        return f"crash (not one line): {argv}: {text[:300]!r}"
    if out.getvalue():
        return f"crash (stdout on bad input): {argv}"
    if any(work.iterdir()):
        return f"crash (wrote {sorted(p.name for p in work.iterdir())}): {argv}"
    if seconds > HANG_SECONDS:
        return f"hang ({seconds:.1f} s): {argv}"
    return "refused"


def _stub(*args, **kwargs):
    raise Reached()


@pytest.mark.parametrize("command", list(STUBS))
def test_fuzz_subcommand(command, inputs, tmp_path_factory, monkeypatch):
    options = _options(inputs)[command]
    for target in STUBS[command]:
        monkeypatch.setattr(target, _stub)
    work = tmp_path_factory.mktemp("fuzz-work")
    monkeypatch.chdir(work)
    pairs = st.lists(st.sampled_from(sorted(options)).flatmap(
        lambda name: st.tuples(st.just(name), options[name])), min_size=1, max_size=4)

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(pairs, st.booleans())
    def fuzz(chosen, joined):
        argv = command.split()
        for name, value in chosen:
            argv += [f"{name}={value}"] if joined and name.startswith("--") else [name, value]
        outcome = run_once(argv, work)
        OUTCOMES[outcome.split(":")[0].split(" (")[0]] += 1
        assert outcome in ("accepted", "refused"), outcome

    fuzz()


def test_fuzz_counts():
    """The counts, for the record (run after the subcommand fuzzes)."""
    print(f"\nfuzz outcomes over {sum(OUTCOMES.values())} command lines: {dict(OUTCOMES)}")
    assert OUTCOMES["crash"] == 0 and OUTCOMES["hang"] == 0
