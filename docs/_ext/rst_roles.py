"""A Griffe extension for the API pages: memverify's docstrings are short reST-ish text.

mkdocstrings renders docstrings as Markdown, so before they are rendered this rewrites, in the
docstring text only (the modules are not touched):

* ``:math:`x``` -> ``\\(x\\)`` and a ``.. math::`` block -> ``$$ ... $$`` (pymdownx.arithmatex,
  typeset by MathJax);
* a cross-reference role (``:func:`f```, ``:class:`~a.B```, ``:mod:`.scores```, ...) -> a code
  span with the text the role would display (``f``, ``B``, ``.scores``);
* a reST literal block (a paragraph ending in ``::`` and an indented block) -> a fenced code block.

It also lets Griffe see the public names of the packages that load their submodules on first use
(PEP 562: ``derivations``, ``verify.falsify``): their ``_EXPORTS = {name: submodule}`` table is
read from the source (a dict literal, never imported) and each name becomes an alias of
``package.submodule.name``; ``__all__`` is those names when Griffe cannot read it statically
(``__all__ = sorted(_EXPORTS)``). So ``filters: public`` renders exactly ``__all__`` for every
API page.

Loaded by ``mkdocs.yml`` (``plugins: mkdocstrings: handlers: python: options: extensions``).
"""

from __future__ import annotations

import ast
import re
import textwrap
from typing import Any

import griffe

_MATH = re.compile(r":math:`([^`]+)`")
_ROLE = re.compile(r":(?:py:)?(?:func|class|mod|meth|attr|data|exc|obj|const|ref|doc|term):`([^`]+)`")


def _role_text(match: re.Match[str]) -> str:
    target = match.group(1).strip()
    explicit = re.fullmatch(r"(.+?)\s*<[^>]+>", target)  # :ref:`text <target>`
    if explicit:
        text = explicit.group(1)
    elif target.startswith("~"):
        text = target[1:].rsplit(".", 1)[-1]
    else:
        text = target
    return f"`{text}`"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _blocks(text: str) -> str:
    """Turn ``.. math::`` directives and ``::`` literal blocks into Markdown blocks."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        is_math = stripped.startswith(".. math::")
        is_literal = not is_math and stripped.endswith("::") and not stripped.startswith("..")
        if not (is_math or is_literal):
            out.append(line)
            i += 1
            continue
        base = _indent(line)
        j = i + 1
        body: list[str] = []
        if is_math and stripped != ".. math::":  # ".. math:: first line" and its continuation lines
            body.append(" " * (base + 3) + stripped[len(".. math::"):].strip())
        while j < len(lines) and (not lines[j].strip() or _indent(lines[j]) > base):
            body.append(lines[j])
            j += 1
        while body and not body[-1].strip():
            body.pop()
        content = textwrap.dedent("\n".join(body)).strip("\n")
        if not content:  # a "::" that introduces nothing: leave the line as it is
            out.append(line)
            i += 1
            continue
        pad = " " * base
        if is_math:
            out += [f"{pad}$$", *(pad + c for c in content.split("\n")), f"{pad}$$", ""]
        else:
            head = line[: len(line.rstrip()) - 1]  # "text::" -> "text:"; "::" alone -> ":"
            if head.strip() != ":":
                out += [head, ""]
            out += [f"{pad}```", *(pad + c if c else c for c in content.split("\n")), f"{pad}```", ""]
        i = j
    return "\n".join(out)


def rewrite(text: str) -> str:
    """The docstring ``text`` as Markdown for mkdocstrings (see the module docstring)."""
    text = _blocks(text)
    text = _MATH.sub(lambda m: rf"\({m.group(1)}\)", text)
    return _ROLE.sub(_role_text, text)


def _lazy_exports(node: ast.AST) -> dict[str, str] | None:
    """The ``_EXPORTS = {name: submodule}`` dict literal of a module's source, if it has one."""
    for statement in getattr(node, "body", []):
        if (isinstance(statement, ast.Assign | ast.AnnAssign)
                and any(isinstance(t, ast.Name) and t.id == "_EXPORTS"
                        for t in (statement.targets if isinstance(statement, ast.Assign)
                                  else [statement.target]))):
            try:
                table = ast.literal_eval(statement.value)
            except ValueError:
                return None
            if isinstance(table, dict) and all(isinstance(k, str) and isinstance(v, str)
                                               for k, v in table.items()):
                return table
    return None


class RstRoles(griffe.Extension):
    """Rewrite every docstring with :func:`rewrite`; expose PEP 562 lazy exports as aliases."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = rewrite(obj.docstring.value)

    def on_module_members(self, *, node: ast.AST | griffe.ObjectNode, mod: griffe.Module,
                          **kwargs: Any) -> None:
        table = _lazy_exports(node) if isinstance(node, ast.AST) else None
        if not table:
            return
        for name, submodule in table.items():
            if name not in mod.members:
                mod.set_member(name, griffe.Alias(name, f"{mod.path}.{submodule}.{name}", parent=mod))
        if not mod.exports:  # ``__all__ = sorted(_EXPORTS)`` is not a literal Griffe can read
            mod.exports = sorted(table)
