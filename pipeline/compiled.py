"""Compiled modules of our dependencies, loaded without running their packages' `__init__`.

Some packages' `__init__` does far more than the one compiled module the pipeline calls needs:
`rjieba`'s builds a second, unused dictionary (0.15-0.4 s of a cold start), `scipy.sparse`'s
imports some hundred modules (0.1-0.25 s). The compiled module itself needs none of it.
"""
from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from types import ModuleType


def _missing(qualified: str) -> ImportError:
    return ImportError(f"{qualified} is missing: the installation is incomplete", name=qualified)


def load_alone(qualified: str) -> ModuleType:
    """The module named `qualified` (`scipy.sparse._sparsetools`), loaded from its package's folder
    without importing the packages it lies in; the same module if it was imported already, either
    way."""
    if qualified not in sys.modules:
        top, *inner = qualified.split(".")
        spec = importlib.util.find_spec(top)  # found, not imported (a dotted name imports its parent)
        for depth in range(1, len(inner) + 1):
            if spec is None or not spec.submodule_search_locations:
                raise _missing(qualified)
            spec = importlib.machinery.PathFinder.find_spec(".".join([top, *inner[:depth]]),
                                                            list(spec.submodule_search_locations))
        if spec is None or spec.loader is None:
            raise _missing(qualified)
        module = importlib.util.module_from_spec(spec)
        # Registered first, so that a later `import` reuses it: a compiled module may be
        # initialised only once per process.
        sys.modules[qualified] = module
        spec.loader.exec_module(module)
    return sys.modules[qualified]
