"""User expressions without eval: the allow-list walk over the syntax tree, its limits, and
adversarial inputs (each refused quickly, with a message naming why)."""

from __future__ import annotations

import time
from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from derivations.expressions import (
    MAX_BITS,
    MAX_CHARS,
    MAX_DEPTH,
    MAX_POWER,
    ExpressionError,
    parse_expression,
)
from derivations.numbers import MAX_EXPONENT, NumberError, exact_number

T = sp.Symbol("t", positive=True)

VALID = [
    ("1-t", 1 - T),
    ("t^2", T**2),
    ("1-t+1000*t^2*(1-t)^2", 1 - T + 1000 * T**2 * (1 - T) ** 2),  # ^ binds like **
    ("-t^2", -(T**2)),
    ("t**2", T**2),
    ("0.25*t*(1-t)", sp.Rational(1, 4) * T * (1 - T)),
    ("2.5e-3*t", sp.Rational(1, 400) * T),
    ("cos(pi*t/2)", sp.cos(sp.pi * T / 2)),
    ("sqrt(2*t*(1-t))", sp.sqrt(2 * T * (1 - T))),
    ("exp(-t)", sp.exp(-T)),
    ("E**t", sp.exp(T)),
    ("2t", 2 * T),
    ("2pi t", 2 * sp.pi * T),
    ("(1-t)(1+t)", (1 - T) * (1 + T)),
    ("t(1-t)", T * (1 - T)),
    ("Rational(1,3)*t", T / 3),
    ("Float(0.1)*t", T / 10),
    ("Integer(3)*t", 3 * T),
    ("-t+1", 1 - T),
    ("\u2212t+1", 1 - T),  # the Unicode minus sign
    ("\uff54", T),  # fullwidth t is t after NFKC
    ("t**(1/4)", T ** sp.Rational(1, 4)),
    ("t**pi", T**sp.pi),
    ("2**t", 2**T),
    ("(2**100)**100", sp.Integer(2) ** 10000),
    ("1e-300*t", sp.Rational(1, 10**300) * T),
    ("exp(exp(exp(t)))", sp.exp(sp.exp(sp.exp(T)))),
    ("(((t)))", T),
]


@pytest.mark.parametrize(("text", "want"), VALID, ids=[t for t, _ in VALID])
def test_valid_expressions_are_the_exact_objects_they_denote(text, want):
    got = parse_expression(text, "x", {"t": T})
    assert sp.simplify(got - want) == 0
    assert not got.atoms(sp.Float)


#: (text, a fragment of the message); every entry must be refused in well under a second
REFUSED = [
    # what the issue found: a method call through fullwidth letters, a hang in SymPy, huge powers
    ("t.\uff53\uff55\uff42\uff53(t,1)*t", "unknown names: subs"),
    ("1-t+0*pi.n(3000000)", "unknown names: n"),
    ("1-t+0*9**9**9", "exceeds the limit"),
    ("9**9**9", "exceeds the limit"),
    ("2**10000", "exceeds the limit"),
    ("(t**100)**100", "combined exponent 10000"),
    ("t**(1/101)", "exceeds the limit"),
    ("10**10**10", "exceeds the limit"),
    (f"({'9' * 600})**90", "bits (the limit)"),
    ("1e999999999", "outside the limit"),
    ("1e999999999*t", "outside the limit"),
    # attribute access, dunder names, builtins
    ("t.t", "attribute access is not allowed"),
    ("pi.evalf", "unknown names: evalf"),
    ("t.__class__", "not allowed"),
    ("__import__('os').system('true')", "not allowed"),
    ("sqrt.func.__globals__", "not allowed"),
    ("getattr(t, 'x')", "not allowed"),
    ("eval(t)", "unknown names: eval"),
    ("exec(t)", "unknown names: exec"),
    ("open(t)", "unknown names: open"),
    ("Symbol(t)", "unknown names: Symbol"),
    ("sympify(t)", "unknown names: sympify"),
    # lambda, comprehensions, conditionals, containers, comparisons
    ("lambda: t", "unknown names: lambda"),
    ("(lambda: t)()", "unknown names: lambda"),
    ("[t for t in t]", "not allowed"),
    ("(t for t in t)", "unknown names: for, in"),
    ("t if t else t", "unknown names: else, if"),
    ("(t, t)", "not an expression"),
    ("t == t", "not an expression"),
    ("t < 1", "not an expression"),
    ("{t}", "not allowed"),
    ("t[0]", "not allowed"),
    ("(t := 1)", "not allowed"),
    ("t and t", "unknown names: and"),
    ("not t", "unknown names: not"),
    # calls of functions that are not allowed, or allowed ones used wrongly
    ("f(t)", "unknown names: f"),
    ("sin(t, t)", "takes 1 argument"),
    ("sin(*t)", "positional arguments only"),
    ("sin", "must be called"),
    ("Integer(2.5)", "non-integer"),
    ("Rational(t, 2)", "exact numbers only"),
    ("(t)(t)(t)(1)(sin)", "must be called"),
    # operators
    ("t // 2", "FloorDiv is not allowed"),
    ("t % 2", "Mod is not allowed"),
    ("t @ t", "MatMult is not allowed"),
    ("t | t", "BitOr is not allowed"),
    ("~t", "Invert is not allowed"),
    ("t << 1", "LShift is not allowed"),
    # literals
    ("1j", "complex literals are not allowed"),
    ("0x10", "not a decimal"),
    ("True", "unknown names: True"),
    ("None", "unknown names: None"),
    ("'t'", "not allowed"),
    # values that are not finite
    ("1/0", "division by zero"),
    ("t/0", "division by zero"),
    ("0**-1", "division by zero"),
    ("log(0)", "infinite or undefined"),
    ("Rational(1, 0)", "division by zero"),
    # syntax and size
    ("", "is empty"),
    ("   ", "is empty"),
    ("(", "cannot parse"),
    ("t*)", "cannot parse"),
    ("t\nt", "not allowed"),
    ("t\x00", "not allowed"),
    ("t" + "+t" * (MAX_CHARS // 2), "exceeds the limit"),
    ("-" * 200 + "t", f"more than {MAX_DEPTH} levels"),
    ("sin(" * 100 + "t" + ")" * 100, f"more than {MAX_DEPTH} levels"),
    ("+".join(["t"] * 700), "syntax nodes"),
    ("+".join(["t"] * 300) + "+" + "+".join(["sin(t)"] * 200), "syntax nodes"),
    ("(" * 300 + "t" + ")" * 300, "cannot parse"),
]


@pytest.mark.parametrize(("text", "message"), REFUSED, ids=[t[:40] for t, _ in REFUSED])
def test_refused_quickly_with_a_reason(text, message):
    started = time.perf_counter()
    with pytest.raises(ExpressionError, match=None) as info:
        parse_expression(text, "x", {"t": T})
    assert time.perf_counter() - started < 2
    assert message in str(info.value), str(info.value)
    assert "\n" not in str(info.value)


def test_limits_are_what_the_messages_say():
    assert parse_expression(f"t**{MAX_POWER}", "x") is not None
    with pytest.raises(ExpressionError, match=f"<= {MAX_POWER}"):
        parse_expression(f"t**{MAX_POWER + 1}", "x")
    assert parse_expression(f"2**{MAX_POWER}", "x") == 2**MAX_POWER
    half = MAX_BITS // 2
    assert parse_expression(f"(2**100)**{half // 100 - 1}", "x") == sp.Integer(2) ** (half - 100)
    with pytest.raises(ExpressionError, match="bits"):
        parse_expression(f"(2**100)**{half // 100} * (2**100)**{half // 100}", "x")


def test_nothing_is_evaluated(tmp_path, monkeypatch):
    """No text reaches eval: not even an allowed-looking call can run Python."""
    import builtins

    def forbidden(*args, **kwargs):
        raise AssertionError("eval/exec called")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    assert parse_expression("sqrt(2*t)*exp(-t)+Rational(1,3)", "x") is not None


@given(st.integers(-10**30, 10**30), st.integers(1, 10**12))
def test_rational_literals_are_exact(p, q):
    assert parse_expression(f"{p}/{q}", "x") == sp.Rational(p, q)


# -- exact numbers ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "want"), [
    ("0.1", Fraction(1, 10)), ("-2.5e-3", Fraction(-1, 400)), ("1e-30", Fraction(1, 10**30)),
    ("3/4", Fraction(3, 4)), ("-3/4", Fraction(-3, 4)), (" 7 ", Fraction(7)), (".5", Fraction(1, 2)),
    ("5.", Fraction(5)), ("\u22121", Fraction(-1)), ("\uff11\uff12", Fraction(12)), ("+1E+2", Fraction(100)),
])
def test_exact_number(text, want):
    assert exact_number(text) == want


@pytest.mark.parametrize(("text", "message"), [
    ("", "empty"), ("1e999999999", "outside the limit"), (f"1e{MAX_EXPONENT + 1}", "outside the limit"),
    ("1" * 2000, "exceeds the limit"), ("1/0", "(denominator zero)"), ("nan", "not a decimal"),
    ("inf", "not a decimal"), ("1,5", "not a decimal"), ("0x1", "not a decimal"), ("1e", "not a decimal"),
    ("\u0661", "not a decimal"),
])
def test_exact_number_refused(text, message):
    started = time.perf_counter()
    with pytest.raises(NumberError, match=message):
        exact_number(text, "v")
    assert time.perf_counter() - started < 1
