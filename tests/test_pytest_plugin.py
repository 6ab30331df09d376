"""The pytest plugin (``verify.pytest_plugin``): the examples of docs/pytest-plugin.md pass, and
a wrong endpoint, a false inequality or an unaccepted verdict fails with the exact values.

Each inner session runs in a subprocess (``pytester.runpytest_subprocess``), so claim plugins it
registers and the modules it imports stay out of this process. The plugin is found through its
``pytest11`` entry point, as in a researcher's suite.
"""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

DOCS = Path(__file__).resolve().parents[1] / "docs" / "pytest-plugin.md"
BASE = ("-p", "no:cacheprovider", "--strict-markers", "-rf")
TIMEOUT = 300


def _example(name: str) -> str:
    """The code block of docs/pytest-plugin.md that follows ``<!-- example: NAME -->``."""
    text = DOCS.read_text(encoding="utf-8")
    found = re.search(rf"<!-- example: {re.escape(name)} -->\n```python\n(.*?)```", text, re.S)
    assert found, f"docs/pytest-plugin.md has no example {name}"
    return found.group(1)


FAILING = '''
from hypothesis import strategies as st
from flint import arb

import pytest
from verify.falsify import Evaluation, Inequality
from verify.pytest_plugin import assert_endpoint
from verify.strategies import rationals

SQUARE = [[1, 0], [0, 1], [-1, 0], [0, -1]]
X = st.fixed_dictionaries({"x": rationals(-2, 2)})


def test_wrong_row():
    assert_endpoint("builtin:square", "1,1.0000000001", row=2, digits=30)


def test_tie_expected(memverify_endpoint):
    memverify_endpoint(SQUARE, ["1/2", "1/3"], tie=(0, 1))


def test_false_inequality(memverify_falsify):
    memverify_falsify(Inequality("x^2 <= x", None, X, lambda ex, digits: Evaluation(ex["x"] ** 2, ex["x"])),
                      budget=50, seed=0)


def test_unconfirmed(memverify_falsify):
    # violated at 50 digits, holds at the re-check (80 digits): an evaluation that is not sound
    flaky = Inequality("flaky", None, X, lambda ex, digits: Evaluation(1 if digits < 80 else -1, 0))
    memverify_falsify(flaky, budget=5, digits=50)


def _undecided():
    return Inequality("3 (1/3) <= 1", None, X, lambda ex, digits: Evaluation(arb(1) / 3 * 3, arb(1)))


def test_undecided_is_reported(memverify_falsify):
    assert memverify_falsify(_undecided(), budget=5).undecided == 5


def test_too_many_undecided(memverify_falsify):
    memverify_falsify(_undecided(), budget=5, max_undecided=2)


def test_the_options_are_the_defaults(memverify_falsify, memverify_endpoint):
    true = Inequality("0 <= x^2", None, X, lambda ex, digits: Evaluation(0, ex["x"] ** 2))
    report = memverify_falsify(true)
    assert (report.budget, report.seed, report.digits) == (7, 3, 30)
    assert memverify_endpoint(SQUARE, [2, "-1/10"]).digits == 30


@pytest.mark.memverify_claim("CONV-MAP", accept="refuted")
def test_not_accepted():
    pass


@pytest.mark.memverify_claim("MINE-2")
def test_refuted_plugin_claim():
    pass


@pytest.mark.memverify_claim("NOPE-1")
def test_unknown_claim():
    pass


@pytest.mark.memverify_claim("CONV-MAP", acept="verified")
def test_marker_typo():
    pass
'''

REFUTED_PLUGIN = '''
from fractions import Fraction

from verify.registry import Claim, Paper, RunContext, register, register_paper
from verify.verdicts import ClaimResult, Evidence, decide


def check(ctx: RunContext) -> ClaimResult:
    x = Fraction(-1)
    ev = Evidence("x^2 <= x at x = -1", False, f"x^2 - x = {x * x - x} > 0", counterexample={"x": x})
    status, summary = decide([ev], "x^2 <= x")
    return ClaimResult("MINE-2", status, summary, [ev])


register_paper(Paper("MINE", "0000.00000", "v1", "Me", "My note"))
register(Claim("MINE-2", "MINE", "-", "A false bound", r"x^2 \\le x", "quoted", "exact",
               checker=f"{__name__}:check"))
'''


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(*BASE, *args, timeout=TIMEOUT)


def test_the_plugin_is_registered_as_a_pytest11_entry_point():
    found = [ep.value for ep in entry_points(group="pytest11") if ep.name == "memverify"]
    assert found == ["verify.pytest_plugin"], "reinstall memverify: pip install -e . --no-deps"


def test_the_docs_examples_pass(pytester: pytest.Pytester):
    for name in ("test_memverify_examples.py", "myclaims.py", "test_myclaims.py"):
        pytester.makefile(".py", **{name.removesuffix(".py"): _example(name)})
    result = _run(pytester, "--memverify-plugin", "myclaims.py")
    result.assert_outcomes(passed=6)


def test_failures_name_the_exact_values(pytester: pytest.Pytester):
    pytester.makepyfile(test_failing=FAILING, refuted=REFUTED_PLUGIN)
    result = _run(pytester, "--memverify-plugin", "refuted.py", "--memverify-budget", "7",
                  "--memverify-seed", "3", "--memverify-digits", "30", "test_failing.py")
    result.assert_outcomes(passed=2, failed=9, warnings=1)
    out = result.stdout.str()
    assert ("from start (1, 1.0000000001) (30 digits," in out
            and "expected training sample row 2 = (-1, 0), got training sample row 1 = (0, 1)" in out)
    assert "expected an exact tie of rows 0, 1, got training sample row 0 = (1, 0)" in out
    result.stdout.fnmatch_lines(["*memverify falsify 'x^2 <= x': counterexample x = -1",
                                 "*lhs = 1, rhs = -1, lhs - rhs = 2 > 0 (exact)",
                                 "*search: * examples (0 undecided), budget 50, seed 0, 30 digits"])
    assert re.search(r"'flaky': violated at 50 digits by x = \S+ \(lhs - rhs = 1 \+/- 0\), but not "
                     r"confirmed at 80 digits \(holds: lhs - rhs = -1 \+/- 0\): not a certified "
                     r"counterexample, and not a pass", out)
    assert "UndecidedWarning: memverify falsify '3 (1/3) <= 1': no counterexample, but 5 of 5 examples " \
           "undecided at 30 digits" in out
    assert "neither violations nor passes; more than max_undecided=2" in out
    result.stdout.fnmatch_lines(["memverify claim CONV-MAP: verdict verified, accepted refuted",
                                 "  summary: *", "  evidence: * checks, * passed, 0 failed, 0 undecided"])
    # the failure block the docs show, line for line
    shown = re.search(r"```text\n(memverify claim MINE-2.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    assert shown and shown.group(1) in out + "\n"
    assert "memverify: unknown claim id 'NOPE-1'" in out
    assert ("@pytest.mark.memverify_claim on test_failing.py::test_marker_typo: unknown keyword 'acept'"
            in out)
    assert "Traceback" not in out and "During handling" not in out


def test_the_marker_is_registered_for_strict_markers(pytester: pytest.Pytester):
    result = _run(pytester, "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.memverify_claim(claim_id, accept=*"])
    assert result.ret == 0


@pytest.mark.parametrize(("args", "message"), [
    (("--memverify-budget", "0"), "--memverify-budget must be between 1 and 100,000, got 0"),
    (("--memverify-digits", "fifty"), "--memverify-digits must be an integer, got 'fifty'"),
    (("--memverify-plugin", "missing.py"), "--memverify-plugin missing.py: no such file"),
])
def test_bad_options_are_usage_errors(pytester: pytest.Pytester, args: tuple[str, ...], message: str):
    result = _run(pytester, *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])


def test_loading_the_plugin_imports_nothing_heavy():
    code = ("import sys, verify.pytest_plugin\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('sympy', 'mpmath', 'flint', 'numpy', 'hypothesis', 'derivations')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT,
                         check=True)
    assert out.stdout.strip() == "[]"
