"""Names of a package loaded on first use (PEP 562), so that importing it costs nothing.

A package lists, for each name it exports, the module that defines it; its
``__getattr__`` imports that module the first time the name is read and keeps the value
in the package's namespace, so later reads are plain attribute look-ups (and a submodule
of the same name, imported meanwhile, does not shadow the exported value). Type checkers
read the same names from the package's ``if TYPE_CHECKING:`` imports.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of a package whose names load on first use.

    Args:
        package: The package's ``__name__``.
        exports: Exported name -> the module that defines it (under the same name).

    Returns:
        ``(__getattr__, __dir__)`` to assign in the package's ``__init__``.
    """
    namespace = sys.modules[package].__dict__

    def getattr_(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def dir_() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return getattr_, dir_
