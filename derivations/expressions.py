r"""User expressions in :math:`t` as SymPy objects, without ``eval``.

The text is NFKC-normalised (so a fullwidth ``ｓｕｂｓ`` is the ASCII name it looks like), parsed
by Python's :mod:`ast` and walked with an allow-list; nothing is evaluated as Python. Allowed:

* numbers: decimals and integers, read as the exact rationals they denote
  (:func:`derivations.numbers.exact_number`; ``0.1`` is :math:`1/10`);
* the variables given (default ``t``), the constants ``pi`` and ``E``;
* ``+ - * /``, powers ``**`` (``^`` is read as a power), unary ``+`` and ``-``;
* calls of :data:`FUNCTIONS` with positional arguments, and ``Rational(p, q)``,
  ``Integer(n)``, ``Float(x)`` of numbers (read exactly);
* implicit multiplication of a number or a closing parenthesis with what follows
  (``2t``, ``2pi t``, ``(1-t)(1+t)``), as before.

Everything else (attribute access, subscripts, names other than these, keywords, lambdas,
comprehensions, comparisons, strings, ...) is refused with :class:`ExpressionError` naming it.
Limits keep evaluation short: at most :data:`MAX_CHARS` characters, :data:`MAX_NODES` syntax
nodes nested at most :data:`MAX_DEPTH` deep, a rational exponent :math:`p/q` with
:math:`|p|,q\le` :data:`MAX_POWER`, and no exact number of more than :data:`MAX_BITS` bits
(``9**9**9`` is refused before anything is computed). A result that is infinite or undefined
(``1/0``) is refused too.
"""

from __future__ import annotations

import ast
import io
import keyword
import tokenize
from collections.abc import Mapping
from fractions import Fraction

import sympy as sp

from .numbers import NumberError, exact_number, normalize_text, shorten

__all__ = ["ExpressionError", "FUNCTIONS", "CONSTANTS", "MAX_CHARS", "MAX_NODES", "MAX_DEPTH", "MAX_POWER",
           "MAX_BITS", "parse_expression"]

#: Longest accepted expression (characters).
MAX_CHARS = 2000
#: Most syntax nodes in one expression.
MAX_NODES = 600
#: Deepest nesting of the syntax tree.
MAX_DEPTH = 60
#: Largest |p| and q of a rational exponent p/q.
MAX_POWER = 100
#: Largest size of an exact number (numerator plus denominator bits) an expression may produce.
MAX_BITS = 20_000
#: Decimal exponent limit of a number inside an expression.
MAX_LITERAL_EXPONENT = 300

FUNCTIONS: dict[str, tuple[object, int]] = {
    "sqrt": (sp.sqrt, 1), "exp": (sp.exp, 1), "log": (sp.log, 1), "sin": (sp.sin, 1), "cos": (sp.cos, 1),
    "tan": (sp.tan, 1), "sinh": (sp.sinh, 1), "cosh": (sp.cosh, 1), "tanh": (sp.tanh, 1),
    "atan": (sp.atan, 1), "asin": (sp.asin, 1), "acos": (sp.acos, 1),
}
CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "E": sp.E}
_NUMBER_CONSTRUCTORS = {"Rational": (1, 2), "Integer": (1, 1), "Float": (1, 1)}
# quotes, brackets, escapes and statement separators never occur in an allowed expression
_FORBIDDEN = ";'\"[]{}\\`"


class ExpressionError(ValueError):
    """An expression is not in the allowed language or exceeds a limit."""


def _implicit_products(text: str) -> str:
    """Read ``^`` as ``**`` (token by token, so that it binds like a power) and insert ``*`` where
    a number or ``)`` is followed by a name, a number or ``(``, and where a variable or constant
    name is followed by ``(`` or a name (``2t``, ``t(1-t)``, ``pi t``)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return text  # ast.parse reports the error
    out: list[str] = []
    prev: tokenize.TokenInfo | None = None
    for tok in tokens:
        if tok.type in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.INDENT, tokenize.DEDENT):
            continue
        if prev is not None and _multiplies(prev, tok):
            out.append("*")
        out.append("**" if tok.string == "^" else tok.string)  # ^ is a power, with its precedence
        prev = tok
    return " ".join(out)


def _names(text: str) -> set[str]:
    """The identifiers of ``text`` as Python's tokenizer reads them (``1e-3`` is a number)."""
    names: set[str] = set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.NAME:
                names.add(tok.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass  # ast.parse reports the error
    return names


def _is_value_name(tok: tokenize.TokenInfo) -> bool:
    return tok.type == tokenize.NAME and not keyword.iskeyword(tok.string) and tok.string not in FUNCTIONS \
        and tok.string not in _NUMBER_CONSTRUCTORS


def _multiplies(left: tokenize.TokenInfo, right: tokenize.TokenInfo) -> bool:
    left_value = left.type == tokenize.NUMBER or left.string == ")" or _is_value_name(left)
    right_value = (right.type == tokenize.NUMBER or right.string == "("
                   or (right.type == tokenize.NAME and not keyword.iskeyword(right.string)))
    if not (left_value and right_value):
        return False
    return not (left.type == tokenize.NAME and right.type == tokenize.NUMBER)  # t2 is a name, not t*2


class _Builder:
    def __init__(self, text: str, what: str, variables: Mapping[str, sp.Expr]):
        self.text, self.what, self.variables = text, what, variables
        self.source = text

    def fail(self, message: str) -> ExpressionError:
        return ExpressionError(f"{self.what} = {shorten(self.text)}: {message}")

    def build(self, node: ast.AST, depth: int = 0) -> sp.Expr:
        if depth > MAX_DEPTH:
            raise self.fail(f"nested more than {MAX_DEPTH} levels deep (the limit)")
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd | ast.USub):
            value = self.build(node.operand, depth + 1)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp):
            return self.binary(node, depth)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        raise self.fail(_describe(node))

    def number(self, node: ast.Constant) -> sp.Expr:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{type(value).__name__} literals are not allowed")
        literal = ast.get_source_segment(self.source, node) or repr(value)
        try:
            q = exact_number(literal, f"{self.what}: the number {shorten(literal)}",
                             max_exponent=MAX_LITERAL_EXPONENT)
        except NumberError as exc:
            raise ExpressionError(str(exc)) from None
        return self.rational(q)

    def rational(self, q: Fraction) -> sp.Expr:
        if q.numerator.bit_length() + q.denominator.bit_length() > MAX_BITS:
            raise self.fail(f"an exact number of more than {MAX_BITS:,} bits (the limit)")
        return sp.Rational(q.numerator, q.denominator)

    def name(self, name: str) -> sp.Expr:
        if name in self.variables:
            return self.variables[name]
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in FUNCTIONS or name in _NUMBER_CONSTRUCTORS:
            raise self.fail(f"the function {name} must be called, e.g. {name}(t)")
        raise self.fail(f"unknown name {name!r}")

    def binary(self, node: ast.BinOp, depth: int) -> sp.Expr:
        # a left-associative chain (a + b + c + ...) is walked iteratively: it is long, not deep
        spine = []
        while isinstance(node, ast.BinOp):
            spine.append(node)
            node = node.left
        value = self.build(node, depth + 1)
        for link in reversed(spine):
            value = self.apply(link.op, value, self.build(link.right, depth + 1))
        return value

    def apply(self, op: ast.operator, left: sp.Expr, right: sp.Expr) -> sp.Expr:
        if isinstance(op, ast.Add):
            return self.checked(left + right)
        if isinstance(op, ast.Sub):
            return self.checked(left - right)
        if isinstance(op, ast.Mult):
            if left.is_Rational and right.is_Rational:
                self.rational_size(left, right)
            return self.checked(left * right)
        if isinstance(op, ast.Div):
            if right.is_zero:
                raise self.fail("division by zero")
            if left.is_Rational and right.is_Rational:
                self.rational_size(left, right)
            return self.checked(left / right)
        if isinstance(op, ast.Pow):
            return self.power(left, right)
        raise self.fail(f"the operator {type(op).__name__} is not allowed (use + - * / ** or ^)")

    def rational_size(self, a: sp.Rational, b: sp.Rational) -> None:
        bits = sum(int(v).bit_length() for v in (a.p, a.q, b.p, b.q))
        if bits > MAX_BITS:
            raise self.fail(f"an exact number of more than {MAX_BITS:,} bits (the limit)")

    def power(self, base: sp.Expr, exponent: sp.Expr) -> sp.Expr:
        if exponent.is_number:
            if not exponent.is_Rational:
                value = sp.N(exponent, 15)
                if not value.is_real or abs(value) > MAX_POWER:
                    raise self.fail(f"a power with exponent outside [-{MAX_POWER}, {MAX_POWER}] (the limit)")
            else:
                p, q = int(exponent.p), int(exponent.q)
                if abs(p) > MAX_POWER or q > MAX_POWER:
                    raise self.fail(f"the exponent {exponent} exceeds the limit |p|, q <= {MAX_POWER} "
                                    "of an exponent p/q")
                if base.is_Rational:
                    if base.is_zero and p < 0:
                        raise self.fail("division by zero (0 to a negative power)")
                    bits = (int(base.p).bit_length() + int(base.q).bit_length()) * abs(p) // q
                    if bits > MAX_BITS:
                        raise self.fail(f"{base}**{exponent} has more than {MAX_BITS:,} bits (the limit)")
        result = self.checked(sp.Pow(base, exponent))
        for sub in sp.preorder_traversal(result):
            if isinstance(sub, sp.Pow) and sub.exp.is_Rational and (abs(int(sub.exp.p)) > MAX_POWER
                                                                   or int(sub.exp.q) > MAX_POWER):
                raise self.fail(f"a combined exponent {sub.exp} exceeds the limit |p|, q <= {MAX_POWER}")
        return result

    def call(self, node: ast.Call, depth: int) -> sp.Expr:
        if not isinstance(node.func, ast.Name):
            raise self.fail(f"only the allowed functions may be called, by name ({_describe(node.func)})")
        name = node.func.id
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise self.fail(f"{name}() takes positional arguments only")
        if name in _NUMBER_CONSTRUCTORS:
            lo, hi = _NUMBER_CONSTRUCTORS[name]
            if not lo <= len(node.args) <= hi:
                raise self.fail(f"{name}() takes {lo if lo == hi else f'{lo} or {hi}'} number argument(s)")
            values = [self.build(a, depth + 1) for a in node.args]
            if not all(v.is_Rational for v in values):
                raise self.fail(f"{name}() takes exact numbers only")
            if name == "Integer" and not values[0].is_Integer:
                raise self.fail(f"Integer() of a non-integer {values[0]}")
            if name == "Rational" and len(values) == 2:
                if values[1].is_zero:
                    raise self.fail("division by zero")
                self.rational_size(values[0], values[1])
                return self.checked(values[0] / values[1])
            return values[0]
        if name not in FUNCTIONS:
            raise self.fail(f"unknown function {name!r} (allowed: {', '.join(FUNCTIONS)})")
        fn, arity = FUNCTIONS[name]
        if len(node.args) != arity:
            raise self.fail(f"{name}() takes {arity} argument{'s' if arity > 1 else ''}")
        args = [self.build(a, depth + 1) for a in node.args]
        return self.checked(fn(*args))

    def checked(self, value: sp.Expr) -> sp.Expr:
        if value.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
            raise self.fail("the value is infinite or undefined (e.g. a division by zero)")
        if value.is_Rational:
            self.rational(Fraction(int(value.p), int(value.q)))
        return value


def _describe(node: ast.AST) -> str:
    """Why a syntax node is refused, in words."""
    not_expressions = {ast.Tuple: "a tuple", ast.Compare: "a comparison", ast.BoolOp: "and/or",
                       ast.List: "a list", ast.Dict: "a dict", ast.Set: "a set"}
    for kind, label in not_expressions.items():
        if isinstance(node, kind):
            return f"not an expression in t ({label} is not allowed)"
    refused = {ast.Attribute: "attribute access", ast.Subscript: "a subscript", ast.Lambda: "a lambda",
               ast.IfExp: "a conditional expression", ast.ListComp: "a comprehension",
               ast.SetComp: "a comprehension", ast.DictComp: "a comprehension",
               ast.GeneratorExp: "a comprehension", ast.Starred: "a starred argument",
               ast.JoinedStr: "a string", ast.NamedExpr: "an assignment expression", ast.Await: "await",
               ast.Yield: "yield", ast.YieldFrom: "yield", ast.Slice: "a slice"}
    for kind, label in refused.items():
        if isinstance(node, kind):
            return f"{label} is not allowed"
    if isinstance(node, ast.UnaryOp):
        return f"the operator {type(node.op).__name__} is not allowed (use + - * / ** or ^)"
    return f"{type(node).__name__} is not allowed"


def parse_expression(text: str, what: str = "expression",
                     variables: Mapping[str, sp.Expr] | None = None) -> sp.Expr:
    """The SymPy expression denoted by ``text`` (see the module docstring), or :class:`ExpressionError`."""
    if variables is None:
        variables = {"t": sp.Symbol("t", positive=True)}
    if not isinstance(text, str):
        raise ExpressionError(f"{what}: expected text, got {type(text).__name__}")
    if len(text) > MAX_CHARS:
        raise ExpressionError(f"{what}: an expression of {len(text):,} characters exceeds the limit "
                              f"of {MAX_CHARS:,}")
    normalized = normalize_text(text).strip()
    if not normalized:
        raise ExpressionError(f"{what} is empty")
    bad = sorted({ch for ch in normalized if not (ch.isascii() and (ch.isprintable() or ch == " "))})
    if bad:
        raise ExpressionError(f"{what} = {shorten(text)} contains characters not allowed in an expression: "
                              + " ".join(f"U+{ord(c):04X}" for c in bad[:5]))
    if "__" in normalized or any(ch in normalized for ch in _FORBIDDEN):
        raise ExpressionError(f"{what} = {shorten(text)} contains characters not allowed in an expression")
    allowed = set(variables) | set(CONSTANTS) | set(FUNCTIONS) | set(_NUMBER_CONSTRUCTORS)
    unknown = sorted({name for name in _names(normalized) if name not in allowed})
    if unknown:
        names = ", ".join(sorted(variables))
        raise ExpressionError(f"{what} = {shorten(text)} uses unknown names: {', '.join(unknown[:8])} "
                              f"(allowed: {names}, pi, E, sqrt, exp, log, sin, cos, ...)")
    source = _implicit_products(normalized)
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        raise ExpressionError(f"cannot parse {what} = {shorten(text)}: {type(exc).__name__}") from None
    builder = _Builder(text, what, variables)
    builder.source = source
    if sum(isinstance(n, ast.expr) for n in ast.walk(tree)) > MAX_NODES:
        raise builder.fail(f"more than {MAX_NODES} syntax nodes (the limit)")
    try:
        expr = builder.build(tree.body)
    except RecursionError:
        raise builder.fail(f"nested more than {MAX_DEPTH} levels deep (the limit)") from None
    if not isinstance(expr, sp.Expr):
        raise builder.fail("not an expression")
    return expr
