"""A persistent cache of symbolic derivations between runs (diskcache: SQLite, safe across processes).

:func:`persistent` decorates a derivation whose arguments have a canonical text (:func:`fingerprint`:
SymPy objects by ``srepr``, dataclasses such as :class:`~derivations.schedules.Schedule` field by field,
numbers, strings, tuples); :func:`cached` stores any value under an explicit key.

A value is stored under its namespace and key (e.g. the schedule's expressions) together with the
*code version*: a digest of every source file of :mod:`derivations` and of the SymPy version, so an
edit of any derivation, or another SymPy, misses the old entries instead of reusing them. Only
values that are pure functions of that code and key are cached (derived expressions, the LaTeX
document), never verdicts or anything random.

Where: ``$MEMVERIFY_CACHE`` (a directory), else ``$XDG_CACHE_HOME/memverify``, else
``~/.cache/memverify``. ``MEMVERIFY_CACHE=off`` (or ``memverify run --no-cache``) turns it off. A
cache that cannot be opened or read (a read-only home, a corrupt file) is skipped with the value
computed afresh: the cache can make a run faster, never wrong or failed.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import os
import pickle
from collections.abc import Callable
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["cache_dir", "code_version", "cached", "lookup", "persistent", "fingerprint", "exact_blob",
           "disable", "clear", "tree_key", "simplified", "common_subexpressions"]

T = TypeVar("T")

#: Largest size of the cache on disk (bytes); diskcache evicts the least recently used beyond it.
SIZE_LIMIT = 2**30

_disabled = False


def disable() -> None:
    """Turn the cache off for this process (``--no-cache``)."""
    global _disabled
    _disabled = True


def cache_dir() -> Path | None:
    """The cache directory, or None when the cache is off."""
    if _disabled:
        return None
    env = os.environ.get("MEMVERIFY_CACHE")
    if env is not None:
        return None if env.strip().lower() in ("", "off", "0", "no", "false") else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "memverify"


@lru_cache(maxsize=1)
def code_version() -> str:
    """Digest of the :mod:`derivations` sources and the SymPy version."""
    import sympy

    import derivations

    digest = hashlib.sha256(f"sympy {sympy.__version__}\n".encode())
    root = Path(derivations.__file__).parent
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def _open(directory: str):
    return _open_in(directory, os.getpid())  # one connection per process: never one inherited by fork


@lru_cache(maxsize=4)
def _open_in(directory: str, pid: int):
    import diskcache

    return diskcache.Cache(directory, size_limit=SIZE_LIMIT)


def _full_key(namespace: str, key: str) -> str:
    return f"{namespace}\0{code_version()}\0{key}"


def lookup(namespace: str, key: str) -> tuple[bool, Any]:
    """(True, value) when (namespace, key, code version) is stored, else (False, None)."""
    directory = cache_dir()
    if directory is None:
        return False, None
    try:
        hit = _open(str(directory)).get(_full_key(namespace, key), default=_MISSING)
        if hit is _MISSING:
            return False, None
        return True, pickle.loads(hit)
    except Exception:  # noqa: BLE001 - an unusable cache or entry only costs the computation
        return False, None


def cached(namespace: str, key: str, compute: Callable[[], T]) -> T:
    """The value stored under (namespace, key, code version), else ``compute()`` (then stored, when it
    survives the round trip exactly: :func:`exact_blob`)."""
    found, value = lookup(namespace, key)
    if found:
        return value
    value = compute()
    directory = cache_dir()
    if directory is not None:
        blob = exact_blob(value)
        if blob is not None:
            try:
                _open(str(directory)).set(_full_key(namespace, key), blob)
            except Exception:  # noqa: BLE001
                pass
    return value


def _rebuild(cls: type, args: tuple) -> Any:
    """A SymPy node from its class and arguments, unevaluated: the very tree that was stored."""
    import sympy as sp

    with sp.evaluate(False):
        return cls(*args)


class _TreePickler(pickle.Pickler):
    """Pickles SymPy trees node by node (:func:`_rebuild`), so that loading does not re-evaluate them:
    SymPy's own pickles rebuild through the evaluating constructors, and ``-(c - 1)/8`` would come back
    as ``1/8 - c/8`` (equal, but printed differently)."""

    def reducer_override(self, obj: Any) -> Any:
        import sympy as sp

        if isinstance(obj, sp.Basic) and not obj.is_Atom and obj.args and isinstance(type(obj), type) \
                and (type(obj).__module__ or "").startswith("sympy."):
            return _rebuild, (type(obj), obj.args)
        return NotImplemented


def _dumps(value: Any) -> bytes:
    buffer = io.BytesIO()
    _TreePickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


def _tree_text(value: Any) -> str:
    """A text that differs when two values print or compute differently: SymPy trees by ``srepr``,
    containers and dataclasses element by element, anything else by its ``repr``."""
    import sympy as sp

    if isinstance(value, sp.Basic):
        return sp.srepr(value)
    if isinstance(value, tuple | list):
        return f"{type(value).__name__}[" + ",".join(_tree_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{_tree_text(k)}:{_tree_text(v)}" for k, v in value.items()) + "}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return f"{type(value).__qualname__}(" + ",".join(
            f"{f.name}={_tree_text(getattr(value, f.name))}" for f in dataclasses.fields(value)) + ")"
    return f"{type(value).__qualname__}:{value!r}"


def exact_blob(value: Any) -> bytes | None:
    """The pickle of ``value``, or None unless loading it gives back the same tree (:func:`_tree_text`:
    then the cached value prints, compares and computes exactly like the fresh one; a value with an
    identity-based ``repr`` never qualifies)."""
    try:
        blob = _dumps(value)
        text = _tree_text(value)
        return blob if " at 0x" not in text and _tree_text(pickle.loads(blob)) == text else None
    except Exception:  # noqa: BLE001 - an unpicklable value is just not cached
        return None


class Unkeyable(TypeError):
    """An argument has no canonical text (the call is then computed, not cached)."""


def fingerprint(value: Any) -> str:
    """A canonical text of ``value``: equal texts for equal derivation inputs."""
    import sympy as sp

    if value is None or isinstance(value, bool | int | float | str | Fraction):
        return f"{type(value).__name__}:{value!r}"
    if isinstance(value, sp.Basic):
        return f"sympy:{sp.srepr(value)}"
    if isinstance(value, tuple | list):
        return f"{type(value).__name__}(" + ",".join(fingerprint(v) for v in value) + ")"
    if isinstance(value, dict):
        return "dict(" + ",".join(f"{fingerprint(k)}={fingerprint(v)}" for k, v in sorted(
            value.items(), key=lambda kv: fingerprint(kv[0]))) + ")"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = ",".join(f"{f.name}={fingerprint(getattr(value, f.name))}"
                          for f in dataclasses.fields(value))
        return f"{type(value).__module__}.{type(value).__qualname__}({fields})"
    raise Unkeyable(f"no canonical text for a {type(value).__name__}")


def persistent(namespace: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Decorate a pure derivation: its value is kept in the persistent cache under ``namespace``, the
    fingerprint of its arguments and the code version."""
    def decorate(function: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> T:
            if cache_dir() is None:
                return function(*args, **kwargs)
            try:
                key = fingerprint((args, kwargs))
            except Unkeyable:
                return function(*args, **kwargs)
            return cached(namespace, key, lambda: function(*args, **kwargs))

        return wrapper

    return decorate


def tree_key(*values: Any) -> str:
    """A short key for :func:`cached` that the values determine: the SHA-256 of their
    :func:`fingerprint` (SymPy trees by ``srepr``, so any change of the tree, its assumptions
    included, gives another key)."""
    return hashlib.sha256(fingerprint(values).encode()).hexdigest()


def simplified(expr: Any) -> Any:
    """``sympy.simplify(expr)``, kept in the persistent cache under the ``srepr`` of ``expr``
    (:func:`tree_key`): a pure function of the input tree and the SymPy version."""
    import sympy as sp

    expr = sp.sympify(expr)
    if cache_dir() is None:
        return sp.simplify(expr)
    return cached("simplify", tree_key(expr), lambda: sp.simplify(expr))


def common_subexpressions(exprs: Any) -> Any:
    """``sympy.cse(exprs, list=False)``, kept in the persistent cache under the ``srepr`` of
    ``exprs``: pass it as ``lambdify(..., cse=common_subexpressions)`` for the very code that
    ``cse=True`` generates."""
    import sympy as sp

    if cache_dir() is None:
        return sp.cse(exprs, list=False)
    try:
        key = tree_key(exprs)
    except Unkeyable:
        return sp.cse(exprs, list=False)
    return cached("cse", key, lambda: sp.cse(exprs, list=False))


def clear() -> int:
    """Remove every entry; the number removed (0 when the cache is off or absent)."""
    directory = cache_dir()
    if directory is None or not directory.exists():
        return 0
    try:
        return int(_open(str(directory)).clear())
    except Exception:  # noqa: BLE001
        return 0


class _Missing:
    pass


_MISSING: Any = _Missing()
