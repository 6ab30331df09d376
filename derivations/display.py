r"""Text for people: SymPy's ASCII names of infinity replaced by the symbol.

SymPy prints :math:`\infty` as ``oo`` and complex infinity as ``zoo``; hand-written messages
borrowed the spelling. :func:`infinity_symbols` rewrites the standalone words (``oo``, ``-oo``,
``+oo``, ``zoo``) and nothing else (``zoom``, ``foo`` and ``oo_x`` are left alone).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["infinity_symbols", "with_infinity_symbols"]

_WORD = re.compile(r"(?<![A-Za-z0-9_])(z?)oo(?![A-Za-z0-9_])")


def infinity_symbols(text: str) -> str:
    """``text`` with ``oo`` written ``∞`` and ``zoo`` written ``complex ∞``."""
    return _WORD.sub(lambda m: "complex ∞" if m.group(1) else "∞", text)


def with_infinity_symbols(value: Any) -> Any:
    """:func:`infinity_symbols` applied to every string inside lists, tuples and dict values."""
    if isinstance(value, str):
        return infinity_symbols(value)
    if isinstance(value, list):
        return [with_infinity_symbols(v) for v in value]
    if isinstance(value, tuple):
        return tuple(with_infinity_symbols(v) for v in value)
    if isinstance(value, dict):
        return {k: with_infinity_symbols(v) for k, v in value.items()}
    return value
