r"""Exact numbers from text, with limits on their size.

A number is a decimal (``0.1``, ``-2.5e-3``, ``1e-30``) or a rational ``p/q``; it is read as the
exact :class:`fractions.Fraction` it denotes (MATH.md §5). The text is NFKC-normalised first
(fullwidth digits become ASCII digits) and the minus sign ``−`` (U+2212) is read as ``-``.

Limits, each named in the error message: at most :data:`MAX_NUMBER_CHARS` characters and a
decimal exponent :math:`|e|\le` :data:`MAX_EXPONENT`, so that no text expands into a number whose
digits take long to compute (``1e999999999`` is refused at once, not expanded).
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction

__all__ = ["NumberError", "MAX_NUMBER_CHARS", "MAX_EXPONENT", "exact_number", "normalize_text", "shorten"]

#: Longest accepted number text (characters, after stripping blanks).
MAX_NUMBER_CHARS = 1000
#: Largest accepted decimal exponent |e| in ``...e±E``.
MAX_EXPONENT = 1000

_DECIMAL = re.compile(r"(?P<mantissa>[+-]?(?:\d+\.?\d*|\.\d+))(?:[eE](?P<exponent>[+-]?\d+))?")
_RATIONAL = re.compile(r"(?P<p>[+-]?\d+)/(?P<q>[+-]?\d+)")


class NumberError(ValueError):
    """A text is not an exact number within the limits."""


def shorten(text: str, limit: int = 40) -> str:
    """``repr`` of ``text``, cut to ``limit`` characters with an ellipsis (for one-line messages)."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


def normalize_text(text: str) -> str:
    """NFKC normal form, with the Unicode minus sign read as ``-``."""
    return unicodedata.normalize("NFKC", text).replace("\u2212", "-")


def exact_number(text: str, where: str = "value", *, max_chars: int = MAX_NUMBER_CHARS,
                 max_exponent: int = MAX_EXPONENT) -> Fraction:
    """The exact rational denoted by a decimal or ``p/q`` text, or :class:`NumberError` naming ``where``."""
    if not isinstance(text, str):
        raise NumberError(f"{where}: expected a number as text, got {type(text).__name__}")
    s = normalize_text(text).strip()
    if not s:
        raise NumberError(f"{where}: empty entry")
    if len(s) > max_chars:
        raise NumberError(f"{where}: a number of {len(s):,} characters exceeds the limit of {max_chars:,}")
    if not s.isascii():
        raise NumberError(f"{where}: {shorten(s)} is not a decimal or p/q rational")
    m = _DECIMAL.fullmatch(s)
    if m is not None:
        exponent = int(m["exponent"] or 0)
        if abs(exponent) > max_exponent:
            raise NumberError(f"{where}: the exponent of {shorten(s)} is outside the limit "
                              f"|e| <= {max_exponent}")
        return Fraction(m["mantissa"]) * Fraction(10) ** exponent
    m = _RATIONAL.fullmatch(s)
    if m is not None:
        q = int(m["q"])
        if q == 0:
            raise NumberError(f"{where}: {shorten(s)} is not a decimal or p/q rational (denominator zero)")
        return Fraction(int(m["p"]), q)
    raise NumberError(f"{where}: {shorten(s)} is not a decimal or p/q rational")
