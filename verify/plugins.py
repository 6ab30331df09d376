"""Claims of your own, without editing memverify: a plugin module registers them on import.

A plugin is a Python module (a dotted name on ``sys.path``) or a ``.py`` file that calls
:func:`verify.registry.register_paper` and :func:`verify.registry.register` at import time, with
the same :class:`~verify.claim.Claim`, evidence and verdict rules as the built-in claims.
``memverify run --plugin X`` and ``memverify claims --plugin X`` import it first; an installed
package can also declare an entry point in the group :data:`ENTRY_POINT_GROUP`, loaded by
:func:`load_entry_points`. A file plugin is imported under the module name given by its file
stem, so a checker string ``"<stem>:function"`` (or ``f"{__name__}:function"``) resolves.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

__all__ = ["PluginError", "load_plugin", "load_entry_points", "ENTRY_POINT_GROUP"]

#: the entry-point group an installed package uses to register claims
ENTRY_POINT_GROUP = "memverify.claims"


class PluginError(ValueError):
    """A plugin that cannot be found or raised while it was imported."""


def load_plugin(spec: str) -> ModuleType:
    """Import ``spec`` (a ``.py`` file or a dotted module name) and return the module."""
    text = spec.strip()
    if not text:
        raise PluginError("--plugin: empty value (give a .py file or a module name)")
    path = Path(text)
    try:
        if text.endswith(".py"):
            if not path.is_file():
                raise PluginError(f"--plugin {text}: no such file")
            name = path.stem
            if not name.isidentifier():
                raise PluginError(f"--plugin {text}: the file name must be a Python identifier")
            found = importlib.util.find_spec(name) if name not in sys.modules else None
            if name in sys.modules or (found is not None and found.origin != str(path.resolve())):
                raise PluginError(f"--plugin {text}: '{name}' is already the name of a module; "
                                  "rename the file")
            module_spec = importlib.util.spec_from_file_location(name, path.resolve())
            if module_spec is None or module_spec.loader is None:
                raise PluginError(f"--plugin {text}: not importable")
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[name] = module
            try:
                module_spec.loader.exec_module(module)
            except BaseException:
                sys.modules.pop(name, None)
                raise
            return module
        if not all(part.isidentifier() for part in text.split(".")):
            raise PluginError(f"--plugin {text!r}: neither a .py file nor a dotted module name")
        return importlib.import_module(text)
    except PluginError:
        raise
    except ModuleNotFoundError as exc:
        raise PluginError(f"--plugin {text}: module not found ({exc.name})") from None
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - user code: report it on one line
        first = " ".join(str(exc).split())[:300]
        raise PluginError(f"--plugin {text}: importing it raised {type(exc).__name__}: {first}") from None


def load_entry_points() -> list[str]:
    """Import every plugin declared in the entry-point group; the names loaded."""
    from importlib.metadata import entry_points

    loaded = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            ep.load()
        except Exception as exc:  # noqa: BLE001 - a broken installed plugin is named, not fatal
            raise PluginError(f"entry point {ep.name} ({ep.value}): {type(exc).__name__}: {exc}") from None
        loaded.append(ep.name)
    return loaded
