"""Tests of derivations.printing: the report, its three printers, and LaTeX compilation."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import sympy as sp

from derivations.fields import derive
from derivations.identities import IDENTITIES
from derivations.printing import (
    LATEX_ENGINES,
    DerivationReport,
    LatexCompileError,
    LatexEngineMissing,
    compile_pdf,
    derivation_report,
    latex_escape,
    to_json,
    to_latex_document,
    to_text,
    write_text_atomic,
)
from derivations.schedules import BUILTIN_SCHEDULES, builtin_schedule, generic_schedule

NAMES = (*BUILTIN_SCHEDULES, "generic")


def _schedule(name: str):
    return generic_schedule() if name == "generic" else builtin_schedule(name)


@pytest.fixture(scope="module")
def reports() -> dict[str, DerivationReport]:
    return {name: derivation_report(_schedule(name)) for name in NAMES}


@pytest.fixture(scope="module")
def document(reports) -> str:
    return to_latex_document(list(reports.values()))


# -- the report -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_report_has_every_entry_and_every_identity_holds(reports, name):
    report = reports[name]
    keys = report.keys()
    assert len(set(keys)) == len(keys)
    for key in ("alpha", "beta", "gamma", "sigma2", "sigma", "snr", "zeta", "law_mean",
                "law_variance", "law_cov_U", "law_cov_V", "logit", "velocity_component",
                "score_component", "drift_backward", "drift_forward"):
        assert key in keys
    for ident in IDENTITIES:
        e = report.entry(ident.key)
        assert e.kind == "identity" and e.claims == ident.claims and e.statement == ident.statement
        assert e.holds is True, (name, ident.key, e.method)
        assert e.expr == 0
    factor_keys = {"schedule_factor", "schedule_factor_limit"}
    if name == "generic":
        assert not factor_keys & set(keys)
        assert any("skipped" in note for note in report.notes)
    else:
        assert factor_keys <= set(keys)
        limit = report.entry("schedule_factor_limit")
        assert limit.expr == 1 and limit.holds is True


def test_report_uses_display_symbols(reports):
    b = reports["linear"].entry("velocity_component").expr
    assert {str(s) for s in b.free_symbols} == {"t", "x", "X_i"}
    x, xi, t = (reports["linear"].symbols[k] for k in ("x", "X_i", "t"))
    assert sp.simplify(b - (x - xi) / t) == 0  # rectified flow: b_i = (x - X_i)/t


def test_report_timing_builtin(reports):
    for name in BUILTIN_SCHEDULES:
        assert reports[name].seconds < 6.0, (name, reports[name].seconds)


def test_report_in_two_dimensions():
    report = derivation_report(builtin_schedule("linear"), n=2, d=2)
    b = report.entry("velocity_component").expr
    assert isinstance(b, sp.MatrixBase) and b.shape == (2, 1)
    assert {str(s) for s in b.free_symbols} == {"t", "x_0", "x_1", "X_i_0", "X_i_1"}
    assert all(report.entry(i.key).holds for i in IDENTITIES)


# -- text -------------------------------------------------------------------------------------

@pytest.mark.parametrize("pretty", [True, False])
def test_text_numbers_entries(reports, pretty):
    report = reports["trigonometric"]
    text = to_text(report, pretty=pretty)
    numbers = [int(m.group(1)) for m in re.finditer(r"^\s*(\d+)\. \S+:", text, re.M)]
    assert numbers == list(range(1, len(report.entries) + 1))
    assert "trigonometric" in text and "[LLY25-P1]" in text


# -- JSON -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_json_is_serializable_and_complete(reports, name):
    payload = to_json(reports[name])
    text = json.dumps(payload)
    back = json.loads(text)
    assert back["schedule"]["name"] == name
    keys = [e["key"] for e in back["entries"]]
    for ident in IDENTITIES:
        assert ident.key in keys
    for e in back["entries"]:
        assert {"key", "title", "claims", "sympy", "latex"} <= set(e)
        if e["kind"] == "identity":
            assert e["holds"] is True and e["method"]


@pytest.mark.parametrize("name", NAMES)
def test_json_parse_back_velocity(reports, name):
    """sympify of the printed velocity is the derived velocity (with x_0 -> x, X_0_0 -> X_i)."""
    report = reports[name]
    item = next(e for e in to_json(report)["entries"] if e["key"] == "velocity_component")
    parsed = sp.sympify(item["sympy"], locals=dict(report.symbols))
    D = derive(_schedule(name), n=1, d=1)
    rename = {D.x[0]: report.symbols["x"], D.X[0, 0]: report.symbols["X_i"]}
    derived = D.velocity.components[0][0].xreplace(rename)
    assert sp.simplify(parsed - derived) == 0
    assert parsed.free_symbols <= set(report.symbols.values())


def test_json_symbols_cover_generic_functions(reports):
    # beta and gamma would otherwise sympify to the special functions of the same name
    symbols = to_json(reports["generic"])["symbols"]
    assert symbols["beta"] == symbols["gamma"] == "Function"


# -- LaTeX ------------------------------------------------------------------------------------

def test_latex_document_structure(reports, document):
    assert document.startswith(r"\documentclass")
    assert r"\usepackage{amsmath}" in document and r"\usepackage{amssymb}" in document
    begins = re.findall(r"\\begin\{(\w+\*?)\}", document)
    ends = re.findall(r"\\end\{(\w+\*?)\}", document)
    assert sorted(begins) == sorted(ends)
    stack: list[str] = []
    for kind, env in re.findall(r"\\(begin|end)\{(\w+\*?)\}", document):
        if kind == "begin":
            stack.append(env)
        else:
            assert stack.pop() == env
    assert not stack
    n_entries = sum(len(r.entries) for r in reports.values())
    assert document.count(r"\begin{equation}") == n_entries
    labels = re.findall(r"\\label\{(eq:[^}]*)\}", document)
    assert len(labels) == n_entries == len(set(labels))
    for claim in ("LLY25-P1", "LLY25-P2", "CONV-SNR"):
        assert f"[{claim}]" in document
    assert r"\section{Conventions}" in document
    assert "vp-linear-sigma" in document and r"drift\_backward" in document
    assert "holds symbolically" in document.lower()


def test_latex_escape():
    assert latex_escape("a_b & 50% #1 {x} ~ ^") == (
        r"a\_b \& 50\% \#1 \{x\} \textasciitilde{} \textasciicircum{}")
    assert latex_escape("σ → ∞") == r"$\sigma$ $\to$ ?"


# -- files and compilation --------------------------------------------------------------------

def test_write_text_atomic(tmp_path):
    target = tmp_path / "out.tex"
    write_text_atomic(target, "first")
    write_text_atomic(target, "second ✓")
    assert target.read_text("utf-8") == "second ✓"
    assert [p.name for p in tmp_path.iterdir()] == ["out.tex"]


def test_compile_pdf_without_engine(tmp_path, monkeypatch):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    tex = tmp_path / "doc.tex"
    tex.write_text(r"\documentclass{article}\begin{document}x\end{document}")
    with pytest.raises(LatexEngineMissing) as info:
        compile_pdf(tex)
    for engine in LATEX_ENGINES:
        assert engine in str(info.value)
    assert not (tmp_path / "doc.pdf").exists()


needs_pdflatex = pytest.mark.skipif(shutil.which("pdflatex") is None,
                                    reason="pdflatex not installed")


@needs_pdflatex
def test_compile_pdf_all_schedules(tmp_path, document):
    tex = write_text_atomic(tmp_path / "derivations.tex", document)
    pdf = compile_pdf(tex, engine="pdflatex")
    assert pdf == tmp_path / "derivations.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["derivations.pdf", "derivations.tex"]


@needs_pdflatex
def test_compile_pdf_reports_errors(tmp_path):
    tex = write_text_atomic(tmp_path / "bad.tex",
                            "\\documentclass{article}\n\\begin{document}\n\\undefinedmacro\n"
                            "\\end{document}\n")
    with pytest.raises(LatexCompileError) as info:
        compile_pdf(Path(tex), engine="pdflatex")
    assert "Undefined control sequence" in str(info.value)
    assert not (tmp_path / "bad.pdf").exists()
