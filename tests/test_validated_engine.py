"""The validated engine: every step a proof, certificates an independent checker accepts.

Each test here can fail on a plausible bug: a truncated defect series, an enclosure that misses
the solution, a predictor trusted beyond its defect, a certificate checker that accepts an
edited proof or imports the engine it is meant to check.
"""

from __future__ import annotations

import ast
import copy
import json
import subprocess
import sys
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest
from flint import arb, arb_series, ctx

from verify.engine import certify_endpoint
from verify.engine.certfile import certificate_document, digest
from verify.engine.enclosure import _composition, _known
from verify.engine.geometry import Geometry, exact_arb
from verify.engine.integrator import full_level
from verify.proofcheck import CertificateRejected, check_certificate

ROOT = Path(__file__).resolve().parents[1]
THREE = [[F(1, 3), F(2, 7)], [F(-5, 11), F(1, 9)], [F(2, 3), F(-4, 5)]]


def _ball_predictor(data, centre, ell, H, order, k):
    from verify.engine import integrator as I
    from verify.engine.taylor import FlowData

    geo = Geometry.from_rationals(data)
    flow = FlowData([[geo.X[i, j] for j in range(geo.d)] for i in range(geo.n)], geo.X,
                    [v / 2 for v in geo.sq])
    xk, _, _, dfl, dn2f = geo.leader(k)
    level = full_level(40, order)
    coeffs = I._predict(level, flow, geo, k, tuple(range(geo.n)), centre, ell, H, dfl, dn2f,
                        np.array([float(v) for v in centre]), xk)
    return geo, coeffs


def test_defect_of_the_taylor_polynomial_vanishes_beyond_order_ten():
    """python-flint truncates series at ctx.cap (10 by default): the defect series must hold
    every order, so the exact Taylor polynomial has a tiny defect at *every* order, and one
    wrong coefficient beyond order 10 shows up exactly there."""
    old = ctx.prec
    ctx.prec = 200
    try:
        geo, Z = _ball_predictor(THREE, [F(3, 10), F(-1, 7)], F(1, 2), F(1, 64), 24, 0)
        series = _composition(geo, 0, (0, 1, 2), Z, exact_arb(F(1, 2)), exact_arb(F(1, 64)), 40)
        assert all(float(v) < 1e-45 for v in series.delta_norms[:24])
        bad = [row[:] for row in Z]
        bad[14] = [v + arb(2) ** -60 for v in bad[14]]
        series = _composition(geo, 0, (0, 1, 2), bad, exact_arb(F(1, 2)), exact_arb(F(1, 64)), 40)
        assert float(series.delta_norms[13]) > 1e-19
    finally:
        ctx.prec = old


def test_a_truncated_series_is_refused_not_padded():
    s = arb_series([1, 2, 3], prec=40)
    assert len(_known(s, 40)) == 40
    old = ctx.cap
    ctx.cap = 10
    try:
        with pytest.raises(ArithmeticError, match="truncated"):
            _known(s.exp(), 40)
    finally:
        ctx.cap = old


def test_steps_contain_an_independent_solution():
    """The first and a middle step of a certified run against mpmath.odefun from the step's
    start centre (30 digits): the distance to the proven centre is within the proven radius."""
    import mpmath

    from verify.checks.flow_reference import _field
    from verify.engine.endpoint import _transform

    r = certify_endpoint(THREE, [F(3, 10), F(-1, 7)], digits=30, certificate=True)
    data = _transform(r.proof["data"], r.proof["shift"], r.proof["scale"])
    fn = _field(len(data), len(data[0]))
    records = r.proof["records"]
    for rec in (records[0], records[len(records) // 2]):
        with mpmath.workdps(30):
            flat = [mpmath.mpf(q.numerator) / q.denominator for row in data for q in row]
            y0 = [mpmath.mpf(q.numerator) / q.denominator for q in rec.centre_in]
            l0 = mpmath.mpf(rec.ell.numerator) / rec.ell.denominator
            step = rec.H * rec.u
            sol = mpmath.odefun(lambda ell, v, flat=flat: fn(ell, *v, *flat), l0, y0,
                                tol=mpmath.mpf(10) ** -26)
            y1 = sol(l0 + mpmath.mpf(step.numerator) / step.denominator)
            dist = mpmath.sqrt(sum((a - mpmath.mpf(q.numerator) / q.denominator) ** 2
                                   for a, q in zip(y1, rec.centre_out, strict=True)))
            assert dist <= mpmath.mpf(rec.radius_out.numerator) / rec.radius_out.denominator


def test_a_wrong_predictor_costs_steps_never_answers(monkeypatch):
    """The predictor is untrusted: noise in its coefficients must not change a certified
    answer (it may only make steps fail)."""
    from verify.engine import integrator

    real = integrator.float_predictor
    rng = np.random.default_rng(0)

    def noisy(*args, **kwargs):
        Z = real(*args, **kwargs)
        return Z * (1 + 1e-7 * rng.standard_normal(Z.shape))

    monkeypatch.setattr(integrator, "float_predictor", noisy)
    r = certify_endpoint(THREE, [F(3, 10), F(-1, 7)], digits=30)
    monkeypatch.undo()
    clean = certify_endpoint(THREE, [F(3, 10), F(-1, 7)], digits=30)
    assert clean.status == "training-sample"
    assert r.index in (clean.index, None)


@pytest.mark.parametrize("start", [[F(10**6), F(3)], [F(-7), F(10**6)], [F(10**6), F(-10**6)]])
def test_far_starts_commit_at_once(start):
    """The centred tail lemma: a far start whose offsets favour one atom commits in a few steps
    (the sign rule of two atoms decides which)."""
    r = certify_endpoint([[F(1), F(0)], [F(-1), F(1, 2)]], start, digits=30)
    u = [F(2), F(-1, 2)]
    want = 0 if sum(a * b for a, b in zip(start, u, strict=True)) > 0 else 1
    assert r.status == "training-sample" and r.index == want and r.steps < 50


def test_adversarial_suite_quick_has_no_wrong_answer():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from adversarial_endpoints import run
    finally:
        sys.path.pop(0)
    tally = run(30, quick=True, verbose=False)
    assert tally[("wrong",)] == 0
    assert sum(v for k, v in tally.items() if len(k) == 2 and k[1] == "certified") >= 12


# ---------------------------------------------------------------- certificates

@pytest.fixture(scope="module")
def document():
    r = certify_endpoint(THREE, [F(3, 10), F(-1, 7)], digits=40, certificate=True)
    return certificate_document(r)


def test_certificate_round_trip(document):
    result = check_certificate(document)
    assert result.rows == [0] and result.endpoint == THREE[0]
    assert "training sample 0" in result.statement


def test_exact_tie_certificate_names_its_reflections():
    r = certify_endpoint([[F(3), F(1)], [F(1), F(-1)]], [F(1), F(-1)], digits=30, certificate=True)
    doc = certificate_document(r)
    assert doc["reflections"] == [[0, 1]]
    assert check_certificate(doc).endpoint == [F(2), F(0)]
    forged = copy.deepcopy(doc)
    forged["reflections"] = []
    forged["sha256"] = digest(forged)
    with pytest.raises(CertificateRejected, match="orbit"):
        check_certificate(forged)


def _edit(doc, path, fn):
    out = copy.deepcopy(doc)
    obj = out
    for key in path[:-1]:
        obj = obj[key]
    obj[path[-1]] = fn(obj[path[-1]])
    return out


def _bump(text: str) -> str:
    q = F(text)
    q = q * (1 + F(1, 10**6)) if q else F(1, 10**9)
    return f"{q.numerator}/{q.denominator}"


@pytest.mark.parametrize("path", [
    ("data", 1, 0), ("start", 0), ("frame", "scale"), ("endpoint", "point", 0),
    ("steps", 0, "centre_out", 0), ("steps", 0, "radius_out"), ("steps", -1, "u"),
    ("steps", 1, "ell"), ("steps", 0, "H"), ("steps", 0, "coefficients", 1, 0),
])
def test_an_edited_certificate_is_rejected(document, path):
    edited = _edit(document, path, _bump)
    with pytest.raises(CertificateRejected, match="digest"):
        check_certificate(edited)
    edited["sha256"] = digest(edited)  # forged: the mathematics must still catch it
    with pytest.raises(CertificateRejected):
        check_certificate(edited)


def test_a_shrunk_radius_or_a_foreign_claim_is_rejected(document):
    for path, fn in ((("steps", 2, "radius_out"), lambda t: f"{F(t) / 2}"),
                     (("endpoint", "rows"), lambda rows: [1]),
                     (("statement",), lambda s: s.replace("sample 0", "sample 1")),
                     (("tail", "epsilon"), lambda t: "1/10000000000000000000000000000000")):
        edited = _edit(document, path, fn)
        edited["sha256"] = digest(edited)
        with pytest.raises(CertificateRejected):
            check_certificate(edited)


def test_the_checker_shares_no_code_with_the_engine():
    tree = ast.parse((ROOT / "verify" / "proofcheck.py").read_text())
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            modules.add(("." * node.level) + (node.module or ""))
    assert not any("engine" in m or m.startswith(".") for m in modules), modules
    assert {m.split(".")[0] for m in modules} <= {"__future__", "hashlib", "json", "re", "time",
                                                   "dataclasses", "fractions", "pathlib", "typing",
                                                   "flint"}


def test_cli_writes_and_checks_a_certificate(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("1,0\n-1,0\n0,1\n")
    cert = tmp_path / "c.json"
    run = [sys.executable, "-m", "verify"]
    out = subprocess.run([*run, "endpoint", "--data", str(data), "--start", "0.3,0.2",
                          "--certificate", str(cert)], capture_output=True, text=True, check=True)
    assert "certificate:" in out.stdout and cert.is_file()
    ok = subprocess.run([*run, "certificate", "check", str(cert)], capture_output=True, text=True)
    assert ok.returncode == 0 and ok.stdout.startswith("accepted:")
    doc = json.loads(cert.read_text())
    doc["steps"][0]["radius_out"] = "0"
    cert.write_text(json.dumps(doc))
    bad = subprocess.run([*run, "certificate", "check", str(cert)], capture_output=True, text=True)
    assert bad.returncode == 6 and bad.stderr.startswith("rejected:") and "Traceback" not in bad.stderr


def test_no_certificate_without_a_proof(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("1,0\n-1,0\n")
    cert = tmp_path / "c.json"
    out = subprocess.run([sys.executable, "-m", "verify", "endpoint", "--data", str(data), "--start",
                          "1e-80,1", "--digits", "20", "--certificate", str(cert)],
                         capture_output=True, text=True, check=True)
    assert "no certificate written" in out.stdout and not cert.exists()


@pytest.mark.parametrize("value", [None, 1, 1.5, "x", "1/0", [], {}, "9" * 5000, True, [[0, 1]]])
def test_a_malformed_certificate_is_rejected_not_crashed(document, value):
    """Every field replaced by a value of the wrong kind (digest recomputed): a rejection with the
    reason, never another exception."""
    def leaves(obj, path=()):
        if isinstance(obj, dict):
            for key, val in obj.items():
                if key != "sha256":
                    yield from leaves(val, (*path, key))
        elif isinstance(obj, list):
            for i, val in enumerate(obj[:2]):
                yield from leaves(val, (*path, i))
        if path:
            yield path

    for path in list(leaves(document))[::7]:
        edited = _edit(document, path, lambda _old: value)
        edited["sha256"] = digest(edited)
        with pytest.raises(CertificateRejected):
            check_certificate(edited)


def test_cli_rejects_a_file_that_is_not_a_certificate(tmp_path):
    junk = tmp_path / "junk.json"
    junk.write_text("not json {")
    out = subprocess.run([sys.executable, "-m", "verify", "certificate", "check", str(junk)],
                         capture_output=True, text=True)
    assert out.returncode == 6 and out.stderr.startswith("rejected: cannot read")
    assert len(out.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("data, start, digits", [
    ([[1, 0], [-1, 0], [0, 3], [0, -1]], [0, F(1, 2)], 30),
    ([[1, 0], [-1, 0], [0, 3], [0, -2]], [F(1, 10**25), 0], 20),
])
def test_a_hopeless_step_is_rejected_not_converted(data, start, digits):
    """Regression: a step whose Gronwall error ball was infinite or astronomically large reached the
    exact conversion of its margin and crashed (ValueError / OverflowError); it is now rejected and a
    shorter step follows, so the run ends with an honest outcome."""
    res = certify_endpoint([[F(v) for v in row] for row in data], [F(v) for v in start], digits=digits)
    assert res.outcome in ("certified", "precision", "budget", "snr-cap")
    if res.outcome == "certified" and res.index is not None:
        assert res.index == 0  # the start leans towards row 0 (x1 > 0) or sits on the x1 = 0 mirror


def test_the_far_side_of_a_near_mirror_certifies_and_checks():
    data = [[F(1), F(0)], [F(-1), F(0)], [F(0), F(3)], [F(0), F(-2)]]
    res = certify_endpoint(data, [F(1, 10**25), F(0)], digits=30, certificate=True)
    assert res.outcome == "certified" and res.index == 0
    check_certificate(certificate_document(res))
