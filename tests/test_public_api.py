"""The public API as a researcher uses it from their own test suite (issue 13, items 3 and 7):
one name for the pass flag, indexable fields, one-call LaTeX, numeric schedules, the weights and
an explicit precision in code generation, readable error messages, schedules as falsify examples,
undecided examples shown, a validated registry, notebook rendering, and a documented surface."""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy as sp
from flint import arb, ctx, fmpq
from hypothesis import given, settings
from hypothesis import strategies as st

import derivations
from derivations import (
    IDENTITIES,
    InexactInputError,
    MixtureField,
    OracleDerivation,
    builtin_schedule,
    check_numeric,
    check_symbolic,
    compile_field,
    derive,
    generic_schedule,
    identity,
    parse_schedule,
    to_arb,
    to_latex,
)
from derivations.schedules import BUILTIN_SCHEDULES, T
from verify import registry
from verify.claim import CheckerError, Claim, Paper
from verify.falsify import Evaluation, ExactValueError, FalsificationReport, Inequality, falsify
from verify.falsify.exact import decode, decode_example, encode, encode_example, readable
from verify.strategies import near_ties, rationals, schedules
from verify.verdicts import ClaimResult, Evidence, ExactZero, Verdict, decide

ROOT = Path(__file__).resolve().parents[1]
X3 = ((Fraction(1), Fraction(0)), (Fraction(0), Fraction(1)), (Fraction(-1), Fraction(-1)))
x2 = (Fraction(1, 2), Fraction(-1, 3))


# -- (a) one name for the pass flag -------------------------------------------------------------

def test_every_result_names_its_pass_flag_holds_and_keeps_the_old_names():
    D = derive(builtin_schedule("linear"), 1, 1)
    sym = check_symbolic(identity("continuity"), D)
    assert sym.holds is True and sym.zero is sym.holds
    num = check_numeric(identity("continuity"), D, points=1, digits=30)
    assert num.holds is True and num.passed is num.holds

    from derivations.estimation import NumericCheck as EstimationCheck
    from derivations.gmm import SymbolicResult as GmmResult
    from derivations.limits import LimitCheck
    from derivations.printing import ReportEntry
    from derivations.separation import SymbolicResult as SepResult

    est = EstimationCheck("label", (), "exact", True)
    assert est.holds is est.passed is est.agrees is True
    assert "holds" not in est.to_json()  # the JSON keeps its fields, properties are not added
    assert LimitCheck("n", "s", "e", "0", [], "exact", False).holds is False
    assert GmmResult("k", "t", True, "m", 0.0).holds is True
    assert SepResult("n", True, "m", mpmath.mpf(0), 1, 0.0).holds is True
    assert ReportEntry("k", "t", (), sp.S.Zero, "d", holds=True).holds is True


# -- (b) indexable fields and one-call LaTeX -------------------------------------------------------

def test_derivation_and_mixture_field_are_indexable():
    D = derive(builtin_schedule("linear"), 2, 1)
    assert list(D) == list(D.keys()) == list(derivations.FIELD_NAMES) and len(D) == 5
    assert "velocity" in D and "curl" not in D
    assert D["velocity"] is D.velocity and D["drift_forward"] == D.drift("forward")
    assert {k: D[k] for k in D} == D.fields()
    with pytest.raises(KeyError, match="unknown field"):
        D["curl"]
    v = D["velocity"]
    assert len(v) == v.n == 2 and list(v) == list(v.components) and v[1] == v.components[1]
    assert set(v.keys()) == {"logits", "components", "weights", "explicit", "shifted"}
    assert v["logits"] == v.logits and v["explicit"] == v.explicit()
    w = v["weights"]
    assert w.shape == (2, 1)
    assert sp.simplify(w[0] + w[1] - 1) == 0
    assert sp.simplify(v.weights("explicit")[0] - D.weights[0]) == 0
    with pytest.raises(KeyError, match="parts"):
        v["velocity"]
    with pytest.raises(TypeError):
        v[1.0]


def _balanced(text: str) -> bool:
    depth = 0
    for ch in re.sub(r"\\[{}]", "", text):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0 and text.count(r"\begin{") == text.count(r"\end{")


def test_to_latex_takes_an_expression_a_mixture_field_or_a_derivation():
    D = derive(builtin_schedule("trigonometric"), 2, 1)
    assert to_latex(T**2) == "t^{2}" and to_latex(sp.Matrix([T, 1]))
    assert derivations.to_latex is to_latex
    field = to_latex(D["score"])
    assert field.startswith(r"\begin{aligned}\text{score}(x,t) &= \sum_{i=0}^{1}")
    assert "E_{1} &=" in field and "F_{1} &=" in field and _balanced(field)
    whole = to_latex(D)
    for name in ("velocity", "denoiser", "drift backward"):
        assert rf"\text{{{name}}}" in whole
    assert r"\alpha(t) &= \cos" in whole and _balanced(whole)
    assert to_latex(D["velocity"], delimiters=True).startswith(r"$\displaystyle \begin{aligned}")
    assert r"\partial_t\rho_t" in to_latex(identity("continuity"))
    with pytest.raises(TypeError, match="to_latex takes"):
        to_latex(3.5)


def test_to_latex_of_a_derivation_report():
    from derivations.printing import DerivationReport, ReportEntry

    report = DerivationReport(builtin_schedule("linear"), 1, 1, (
        ReportEntry("alpha", "a", (), 1 - T, "d", lhs_latex=r"\alpha(t)"),
        ReportEntry("continuity", "c", (), sp.S.Zero, "d", kind="identity",
                    statement=IDENTITIES[2].statement, holds=True)))
    text = to_latex(report)
    assert r"\alpha(t) &= 1 - t" in text and r"\text{holds}" in text and _balanced(text)
    assert report["alpha"] is report.entries[0]


# -- (c) numeric schedules -------------------------------------------------------------------------

def _sympy_values(schedule, t: Fraction, dps: int) -> list[mpmath.mpf]:
    tt = sp.Rational(t.numerator, t.denominator)
    exprs = [schedule.alpha, schedule.sigma, sp.diff(schedule.alpha, T), sp.diff(schedule.sigma, T)]
    return [mpmath.mpf(str(sp.N(e.subs(T, tt), dps + 10))) for e in exprs]


@pytest.mark.parametrize("name", BUILTIN_SCHEDULES)
def test_schedule_numeric_agrees_with_sympy(name):
    s = builtin_schedule(name)
    for t in (Fraction(1, 7), Fraction(1, 2), Fraction(9, 10)):
        with mpmath.workdps(80):
            want = _sympy_values(s, t, 70)
        got = s.numeric(t, dps=60)
        assert got.backend == "mpmath" and got.dps == 60 and got.t == t
        balls = s.numeric(t, backend="arb", dps=60)
        with mpmath.workdps(80):
            for value, ball, ref in zip(got, balls, want, strict=True):
                assert isinstance(value, mpmath.mpf) and isinstance(ball, arb)
                assert abs(value - ref) <= mpmath.mpf(10) ** -55 * max(1, abs(ref))
                assert ball.rad() < arb(10) ** -50
                lo = mpmath.mpf(ball.lower().str(75, radius=False))
                hi = mpmath.mpf(ball.upper().str(75, radius=False))
                assert lo - mpmath.mpf(10) ** -70 <= ref <= hi + mpmath.mpf(10) ** -70
        assert set(got.as_dict()) == {"alpha", "sigma", "alpha_dot", "sigma_dot"}


def test_schedule_numeric_takes_exact_times_only():
    s = builtin_schedule("linear-brownian")
    ref = s.numeric(Fraction(3, 10))
    for same in ("0.3", "3/10", Decimal("0.3"), sp.Rational(3, 10)):
        assert list(s.numeric(same)) == list(ref)
    assert s.numeric(1).sigma == 1 and builtin_schedule("linear").numeric(0).alpha == 1
    with pytest.raises(InexactInputError, match="float.*Precision discipline"):
        s.numeric(0.3)
    with pytest.raises(InexactInputError):
        s.numeric(np.float64(0.5))
    with pytest.raises(InexactInputError):
        s.numeric(mpmath.mpf(1) / 3)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        s.numeric(Fraction(3, 2))
    end = builtin_schedule("vp-linear-sigma").numeric(1)  # alpha_dot(1) = -oo: nan, the rest given
    assert mpmath.isnan(end.alpha_dot) and (end.alpha, end.sigma, end.sigma_dot) == (0, 1, 1)
    ball = builtin_schedule("vp-linear-sigma").numeric(1, backend="arb").alpha_dot
    assert isinstance(ball, arb) and not ball.is_finite()
    with pytest.raises(ValueError, match="concrete schedule"):
        generic_schedule().numeric(Fraction(1, 2))
    with pytest.raises(ValueError, match="backend"):
        s.numeric(Fraction(1, 2), backend="numpy")
    with pytest.raises(ValueError, match="dps"):
        s.numeric(Fraction(1, 2), dps=2)


# -- (d) the weights -------------------------------------------------------------------------------

def _reference(schedule, x, t, X, dps: int):
    """Weights and per-atom velocities by SymPy at exact values (no generated code)."""
    D = derive(schedule, len(X), len(x))
    values = {T: sp.Rational(t.numerator, t.denominator)}
    values |= {D.x[j]: sp.Rational(c.numerator, c.denominator) for j, c in enumerate(x)}
    values |= {D.X[i, j]: sp.Rational(c.numerator, c.denominator)
               for i, row in enumerate(X) for j, c in enumerate(row)}

    def num(e):
        return mpmath.mpf(str(sp.N(e.xreplace(values), dps)))

    weights = [num(w) for w in D.weights]
    comps = [[num(c) for c in b] for b in D.velocity.components]
    return weights, comps


@pytest.mark.parametrize("name", ["trigonometric", "linear-brownian"])
def test_weights_on_every_backend_give_the_velocity(name):
    s = builtin_schedule(name)
    t = Fraction(2, 5)
    with mpmath.workdps(70):
        w_ref, b_ref = _reference(s, x2, t, X3, 60)
    # mpmath
    w = compile_field(s, "weights", 3, 2, "mpmath", dps=50)(x2, t, X3)
    v = compile_field(s, "velocity", 3, 2, "mpmath", dps=50)(x2, t, X3)
    assert len(w) == 3 and all(isinstance(c, mpmath.mpf) for c in w)
    with mpmath.workdps(70):
        assert abs(sum(w) - 1) < mpmath.mpf(10) ** -45
        for j in range(2):
            assert abs(v[j] - sum(w[i] * b_ref[i][j] for i in range(3))) < mpmath.mpf(10) ** -45
        assert all(abs(a - b) < mpmath.mpf(10) ** -45 for a, b in zip(w, w_ref, strict=True))
    # arb: the balls enclose the SymPy values, and sum w_i b_i encloses the velocity
    wb = compile_field(s, "weights", 3, 2, "arb")(x2, t, X3, dps=50)
    vb = compile_field(s, "velocity", 3, 2, "arb")(x2, t, X3, dps=50)
    old = ctx.prec
    ctx.dps = 60
    try:
        for ball, ref in zip(wb, w_ref, strict=True):
            assert abs(ball - arb(mpmath.nstr(ref, 60))) < arb(10) ** -45
        for j in range(2):
            total = sum(wb[i] * arb(mpmath.nstr(b_ref[i][j], 60)) for i in range(3))
            assert abs(vb[j] - total) < arb(10) ** -45
    finally:
        ctx.prec = old
    # numpy, with the explicit form too
    for form in ("shifted", "explicit"):
        wn = compile_field(s, "weights", 3, 2, "numpy", form)([float(c) for c in x2], float(t),
                                                              [[float(c) for c in r] for r in X3])
        vn = compile_field(s, "velocity", 3, 2, "numpy", form)([float(c) for c in x2], float(t),
                                                               [[float(c) for c in r] for r in X3])
        assert abs(sum(wn) - 1) < 1e-14
        for j in range(2):
            assert abs(vn[j] - sum(wn[i] * float(b_ref[i][j]) for i in range(3))) < 1e-12
    assert derivations.COMPILED_NAMES[-1] == "weights"


def test_one_atom_weight_is_one():
    w = compile_field("linear", "weights", 1, 2, "mpmath", dps=20)(x2, Fraction(1, 2), X3[:1])
    assert w == [1] and isinstance(w[0], mpmath.mpf)


# -- (e) an explicit precision and no floats in the mpmath backend -----------------------------------

def test_mpmath_backend_evaluates_at_the_stated_precision():
    s = builtin_schedule("trigonometric")
    field = compile_field(s, "velocity", 3, 2, "mpmath")
    with mpmath.workdps(90):
        reference = [sum(w * b[j] for w, b in zip(*_reference(s, x2, Fraction(2, 5), X3, 80),
                                                  strict=True)) for j in range(2)]

    def error(values):
        with mpmath.workdps(90):
            return max(abs(v - r) for v, r in zip(values, reference, strict=True))

    with mpmath.workdps(15):  # the ambient precision does not matter once dps is given
        at60 = field(x2, Fraction(2, 5), X3, dps=60)
        at20 = field(x2, Fraction(2, 5), X3, dps=20)
        ambient = field(x2, Fraction(2, 5), X3)
    assert error(at60) < mpmath.mpf(10) ** -55
    assert mpmath.mpf(10) ** -40 < error(at20) < mpmath.mpf(10) ** -15
    assert error(ambient) > mpmath.mpf(10) ** -20  # no dps: the caller's mp.dps (15 here)
    fixed = compile_field(s, "velocity", 3, 2, "mpmath", dps=60)
    assert fixed.dps == 60 and field.dps is None and fixed is compile_field(s, "velocity", 3, 2, dps=60)
    assert error(fixed(x2, Fraction(2, 5), X3)) < mpmath.mpf(10) ** -55
    assert error(fixed(x2, Fraction(2, 5), X3, dps=20)) > mpmath.mpf(10) ** -40  # the call wins
    assert mpmath.mp.dps == 15


def test_mpmath_backend_accepts_exact_inputs_and_refuses_floats():
    field = compile_field("linear", "denoiser", 3, 2, "mpmath", dps=40)
    ref = field(x2, Fraction(1, 4), X3)
    same = field(["1/2", "-1/3"], Decimal("0.25"), [[1, 0], [0, 1], ["-1", sp.Integer(-1)]])
    assert same == ref
    with mpmath.workdps(40):
        as_mpf = field([mpmath.mpf(1) / 2, -mpmath.mpf(1) / 3], mpmath.mpf(1) / 4, X3)
    assert as_mpf == ref
    for bad in ([0.5, Fraction(-1, 3)], [np.float64(0.5), 0]):
        with pytest.raises(InexactInputError, match="float"):
            field(bad, Fraction(1, 4), X3)
    with pytest.raises(InexactInputError, match="Precision discipline"):
        field(x2, 0.25, X3)
    with pytest.raises(InexactInputError):
        compile_field("linear", "denoiser", 3, 2, "arb")(x2, 0.25, X3)
    with pytest.raises(ValueError, match="0 < t <= 1"):
        field(x2, "1.5", X3)
    with pytest.raises(ValueError, match="numpy"):
        compile_field("linear", "denoiser", 3, 2, "numpy", dps=30)
    with pytest.raises(ValueError, match="numpy"):
        compile_field("linear", "denoiser", 3, 2, "numpy")([0.5, 0.1], 0.5, [[0.0, 0.0]] * 3, dps=30)
    floats = [[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]
    assert compile_field("linear", "denoiser", 3, 2, "numpy")([0.5, 0.1], 0.5, floats)  # float64 there


def test_arb_backend_dps_sets_the_ball_width():
    field = compile_field("trigonometric", "score", 3, 2, "arb")
    narrow = field(x2, Fraction(2, 5), X3, dps=60)
    wide = field(x2, Fraction(2, 5), X3, dps=20)
    assert all(b.rad() < arb(10) ** -50 for b in narrow) and all(b.rad() > arb(10) ** -30 for b in wide)
    assert all((a - b).contains(0) for a, b in zip(narrow, wide, strict=True))
    balls = [[to_arb(c) for c in r] for r in X3]
    assert field(x2, fmpq(2, 5), balls, dps=60)[0].overlaps(narrow[0])


# -- (f) error messages cite what users have --------------------------------------------------------

def _string_constants_outside_docstrings(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def test_no_message_cites_files_users_do_not_have():
    hits = [f"{path.relative_to(ROOT)}:{line}"
            for package in ("verify", "derivations") for path in sorted((ROOT / package).rglob("*.py"))
            for line, text in _string_constants_outside_docstrings(path)
            if "MATH.md" in text or "CLAIMS.md" in text]
    assert not hits, hits


def test_precision_messages_point_to_the_documented_rules():
    page = (ROOT / "docs" / "conventions.md").read_text(encoding="utf-8")
    assert "\n## Precision discipline\n" in page
    with pytest.raises(ExactValueError, match="Precision discipline' in docs/conventions.md"):
        encode(0.5)
    ineq = Inequality("float", None, st.just({"x": 1}), lambda ex, digits: Evaluation(0.5, 1))
    with pytest.raises(TypeError, match="docs/conventions.md"):
        falsify(ineq, budget=1)


# -- (g) schedules (and near ties) are exact example values ------------------------------------------

def test_schedules_encode_exactly():
    for name in BUILTIN_SCHEDULES:
        s = builtin_schedule(name)
        assert encode(s) == {"schedule": name} and decode(encode(s)) is s and readable(s) == name
    user = parse_schedule("alpha=1-t**2; sigma=t", name="mine")
    data = json.loads(json.dumps(encode(user)))
    back = decode(data)
    assert back == user and back.validation
    assert readable(user) == "mine: alpha=1 - t**2; beta=t; gamma=0"
    with pytest.raises(ExactValueError, match="generic"):
        encode(generic_schedule())
    with pytest.raises(ExactValueError, match="schedule"):
        decode({"schedule": "cosine"})
    with pytest.raises(ExactValueError):
        decode({"schedule": {"name": "x", "alpha": "__import__('os')", "beta": "t", "gamma": "0",
                             "zeta": None, "description": ""}})


@given(tie=near_ties(d=2, max_k=5))
@settings(max_examples=5)
def test_near_ties_encode_exactly(tie):
    assert decode_example(json.loads(json.dumps(encode_example({"tie": tie})))) == {"tie": tie}
    assert readable(tie)["k"] == tie.k and readable(tie)["offset_point"] == [str(c) for c in tie.offset_point]


def test_falsify_searches_over_schedules():
    def evaluate(ex, digits):
        v = ex["schedule"].numeric(ex["t"], backend="arb", dps=digits)
        return Evaluation(v.alpha, arb(1))  # alpha <= 1 on (0, 1)

    strategy = st.fixed_dictionaries({"schedule": schedules(), "t": rationals(Fraction(1, 10),
                                                                              Fraction(9, 10))})
    report = falsify(Inequality("alpha <= 1", None, strategy, evaluate), budget=20, seed=2)
    assert report.status == "none-found" and report.examples_tried == 20
    names = set(report.coverage["fields"]["schedule"]["strings"])
    assert names and names <= set(BUILTIN_SCHEDULES)
    json.dumps(report.to_json())

    def wrong(ex, digits):
        v = ex["schedule"].numeric(ex["t"], backend="arb", dps=digits)
        return Evaluation(v.alpha, v.sigma)  # alpha <= sigma fails at small t

    found = falsify(Inequality("alpha <= sigma", None, strategy, wrong), budget=30, seed=0)
    assert found.status == "counterexample" and found.counterexample["schedule"] in BUILTIN_SCHEDULES
    assert found.example["schedule"] is builtin_schedule(found.counterexample["schedule"])


def test_replay_file_with_a_schedule(tmp_path):
    from verify.falsify import replay, write_replay

    def wrong(ex, digits):
        v = ex["schedule"].numeric(ex["t"], backend="arb", dps=digits)
        return Evaluation(v.alpha, v.sigma)

    strategy = st.fixed_dictionaries({"schedule": schedules(["linear", "trigonometric"]),
                                      "t": rationals(Fraction(1, 10), Fraction(1, 2))})
    ineq = Inequality("alpha <= sigma", None, strategy, wrong)
    report = falsify(ineq, budget=20, seed=0)
    path = write_replay(report, tmp_path / "r.json")
    stored = json.loads(path.read_text())["example"]["schedule"]
    assert stored == {"schedule": report.counterexample["schedule"]}
    assert replay(path, ineq).reproduced


# -- (h) undecided examples are kept and shown --------------------------------------------------------

def _tight() -> Inequality:
    """sqrt(a) * sqrt(a) <= a: every example is a tie, undecided in balls."""
    return Inequality("sqrt(a)^2 <= a", None, st.fixed_dictionaries({"a": rationals(1, 5)}),
                      lambda ex, digits: Evaluation(arb(fmpq(ex["a"].numerator, ex["a"].denominator)).sqrt()
                                                    ** 2, ex["a"]))


def test_undecided_examples_are_kept_and_shown(capsys):
    from verify.cli.falsify import _print_report
    from verify.falsify.engine import UNDECIDED_KEPT

    report = falsify(_tight(), budget=30, seed=0)
    assert report.undecided > 0
    assert len(report.undecided_examples) == min(report.undecided, UNDECIDED_KEPT)
    first = report.undecided_examples[0]
    assert set(first) == {"example", "reason", "lhs", "rhs", "lhs_minus_rhs"}
    assert "contains 0" in first["reason"] and Fraction(first["example"]["a"]) >= 1
    data = json.loads(json.dumps(report.to_json()))
    assert data["undecided_examples"][0] == first
    assert f"a = {first['example']['a']}" in report.summary() and "not a proof" in report.summary()
    _print_report(report, "a tie everywhere", None, None)
    out = capsys.readouterr().out
    assert f"undecided examples ({len(report.undecided_examples)} of {report.undecided} shown" in out
    assert f"    a = {first['example']['a']}: the ball lhs - rhs contains 0" in out
    assert "Undecided examples" in report.to_markdown()


# -- (i) the registry validates ids, papers and checkers ----------------------------------------------

def _ok(ctx):
    ev = Evidence("x = x", True, "exact", bound=ExactZero())
    status, summary = decide([ev], "x = x")
    return ClaimResult("APITEST-OK", status, summary, [ev])


NOT_CALLABLE = 3


@pytest.fixture
def apitest():
    registry.register_paper(Paper("APITEST", "-", "-", "Me", "My note"))
    yield
    for cid in [c.id for c in registry.CLAIMS.values() if c.paper == "APITEST"]:
        registry.unregister(cid)
    registry.unregister_paper("APITEST")


def _claim(cid: str, checker: str | None = f"{__name__}:_ok") -> Claim:
    return Claim(cid, "APITEST", "-", "t", "x = x", "quoted", "exact", checker=checker)


def test_registry_validates_claim_ids(apitest):
    assert re.fullmatch(registry.CLAIM_ID_PATTERN, "APITEST-LEMMA-2.1")
    for good in ("APITEST-1", "APITEST-LEMMA-2.1", "m2-x"):
        registry.register(_claim(good))
    for bad in ("APITEST", "1APITEST-1", "APITEST_1", "APITEST-1 ", "APITEST--1", ""):
        with pytest.raises(ValueError, match="does not match"):
            registry.register(_claim(bad))
    with pytest.raises(ValueError, match="registered twice"):
        registry.register(_claim("apitest-1"))
    assert registry.unregister("apitest-lemma-2.1").id == "APITEST-LEMMA-2.1"
    with pytest.raises(registry.UnknownClaimPattern):
        registry.unregister("APITEST-LEMMA-2.1")
    with pytest.raises(TypeError):
        registry.register("APITEST-2")


def test_registry_validates_checkers(apitest):
    for bad in ("module", "a b:c", "mod:fn()", ":fn"):
        with pytest.raises(ValueError, match="module:function"):
            registry.register(_claim("APITEST-BAD", bad))
    lazy = registry.register(_claim("APITEST-LAZY", "memverify_no_such_module:check"))  # checked when run
    with pytest.raises(CheckerError, match="APITEST-LAZY.*module 'memverify_no_such_module' not found"):
        lazy.load_checker()
    for checker, why in (("memverify_no_such_module:check", "not found"),
                         (f"{__name__}:missing", "no attribute 'missing'"),
                         (f"{__name__}:NOT_CALLABLE", "not callable")):
        with pytest.raises(ValueError, match=f"APITEST-STRICT: checker .* does not resolve: .*{why}"):
            registry.register(_claim("APITEST-STRICT", checker), resolve=True)
        assert "APITEST-STRICT" not in registry.CLAIMS
    strict = registry.register(_claim("APITEST-STRICT"), resolve=True)
    assert registry.resolve_checker(strict.checker) is _ok
    assert strict.run(registry.RunContext()).status is Verdict.VERIFIED


def test_registry_validates_papers(apitest):
    assert registry.paper("APITEST").title == "My note"
    for key in ("", "2X", "MY-NOTE", "MY NOTE"):
        with pytest.raises(ValueError, match="does not match"):
            registry.register_paper(Paper(key, "-", "-", "a", "t"))
    with pytest.raises(ValueError, match="twice"):
        registry.register_paper(Paper("APITEST", "-", "-", "a", "t"))
    with pytest.raises(ValueError, match="unknown paper"):
        registry.register(Claim("THEIRS-1", "THEIRS", "-", "t", "s", "quoted", "c"))
    registry.register(_claim("APITEST-1"))
    with pytest.raises(ValueError, match="cited by APITEST-1"):
        registry.unregister_paper("APITEST")


# -- (j) notebook rendering ---------------------------------------------------------------------------

def _dollar_delimited(text: str) -> bool:
    return text.startswith("$") and text.endswith("$") and not text.startswith("$$") and _balanced(text)


def _markdown_tables(text: str) -> list[list[str]]:
    """Every table of ``text`` (its lines), checked to have one column count per table."""
    tables, current = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    for table in tables:
        widths = {len(re.split(r"(?<!\\)\|", row)) for row in table}
        assert len(widths) == 1, table
        assert re.fullmatch(r"\|(---\|)+", table[1]), table
    return tables


def test_latex_reprs_are_dollar_delimited():
    D = derive(builtin_schedule("linear"), 2, 1)
    objects = [D, D["velocity"], identity("continuity"), check_symbolic(identity("continuity"), D)]
    for obj in objects:
        text = obj._repr_latex_()
        assert _dollar_delimited(text), text[:80]
    assert r"\equiv 0" in objects[-1]._repr_latex_()
    assert isinstance(D, OracleDerivation) and isinstance(D["velocity"], MixtureField)


def test_markdown_reprs_are_tables():
    ev = [Evidence("a | b", True, "exact zero", bound=ExactZero("numerator expands to 0")),
          Evidence("bound", False, "x^2 > x", counterexample={"x": Fraction(-1)})]
    result = ClaimResult("APITEST-1", Verdict.REFUTED, "refuted", ev, seconds=0.5)
    text = result._repr_markdown_()
    assert text.startswith("**APITEST-1: refuted**") and result.holds is False
    (table,) = _markdown_tables(text)
    assert table[0] == "| check | passed | bound | tolerance | detail |" and r"a \| b" in table[2]
    assert "counterexample" in table[-1] and "x = -1" in table[-1]
    report = falsify(_tight(), budget=10, seed=0)
    tables = _markdown_tables(report._repr_markdown_())
    assert len(tables) == 2 and tables[1][0] == "| example | reason | lhs - rhs |"
    assert isinstance(report, FalsificationReport) and report.holds is None


def test_replay_result_renders(tmp_path):
    from verify.falsify import replay, write_replay

    ineq = Inequality("x^2 <= x", None, st.fixed_dictionaries({"x": rationals(-2, 2)}),
                      lambda ex, digits: Evaluation(ex["x"] ** 2, ex["x"]))
    path = write_replay(falsify(ineq, budget=50, seed=1), tmp_path / "x.json")
    (table,) = _markdown_tables(replay(path, ineq)._repr_markdown_())
    assert "x = -1" in table[2]


# -- (k) a documented public surface ------------------------------------------------------------------

PACKAGES = ["derivations", "verify.engine", "verify.sampling", "verify.falsify", "verify.registry"]


def _own_doc(obj) -> str:
    doc = obj.__dict__.get("__doc__") if inspect.isclass(obj) else getattr(obj, "__doc__", None)
    doc = doc or ""
    if inspect.isclass(obj) and doc.startswith(f"{obj.__name__}("):  # dataclass' generated signature
        return ""
    return doc.strip()


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_imports_and_is_documented(package):
    module = importlib.import_module(package)
    names = module.__all__
    assert isinstance(names, list) and len(set(names)) == len(names) and module.__doc__
    undocumented = []
    for name in names:
        obj = getattr(module, name)  # imports
        if inspect.isclass(obj) or inspect.isroutine(obj) or hasattr(obj, "cache_info"):
            if not _own_doc(obj):
                undocumented.append(name)
        elif not re.search(rf"\b{re.escape(name)}\b", module.__doc__):  # data: described by the package
            undocumented.append(name)
    assert not undocumented, f"{package}: {undocumented}"


@pytest.mark.parametrize("package", ["verify.sampling", "verify.falsify"])
def test_public_surface_is_annotated_and_complete(package):
    module = importlib.import_module(package)
    assert module.__annotations__.get("__all__") in (list[str], "list[str]")
    public = {n for n in dir(module) if not n.startswith("_")} - set(module.__all__)
    submodules = {n for n in public if inspect.ismodule(getattr(module, n, None))}
    assert public - submodules <= {"annotations", "import_module", "Any"}, public - submodules


def test_the_index_example_runs():
    text = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    namespace: dict = {}
    exec(compile(code.replace("print(", "str("), "docs/index.md", "exec"), namespace)
    balls = namespace["weights"]([Fraction(1, 2), "0.25"], Fraction(1, 3), [[1, 0], [0, 1], [-1, -1]])
    assert len(balls) == 3 and all(isinstance(b, arb) for b in balls)
    with mpmath.workdps(50):
        assert abs(namespace["sigma"] - mpmath.mpf(1) / 2) < mpmath.mpf(10) ** -45  # sin(pi/6)
