"""Lazy re-exports for the subpackages' ``__init__`` (PEP 562): a public name is imported on first use.

Examples
--------
>>> import types
>>> mod = types.ModuleType("demo")
>>> mod.__getattr__, mod.__dir__ = lazy_exports("demo", {"sqrt": "math"}, vars(mod))
>>> mod.sqrt(9.0)
3.0
>>> "sqrt" in mod.__dir__()
True
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: Mapping[str, str],
                 namespace: Mapping[str, object]) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The module-level ``__getattr__`` and ``__dir__`` of a package that re-exports names lazily.

    Parameters
    ----------
    package : str
        The package's name (for the error message).
    exports : mapping of str to str
        Public name -> the module that defines it.
    namespace : mapping
        The package's ``globals()`` (listed by ``__dir__`` with the exports).

    Returns
    -------
    (callable, callable)
        ``__getattr__(name)`` importing the defining module on first use (``AttributeError`` for any other
        name) and ``__dir__()``.
    """

    def __getattr__(name: str):
        try:
            module = exports[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        return getattr(importlib.import_module(module), name)

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return __getattr__, __dir__
