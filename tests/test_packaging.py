"""The wheel ships every package of the source tree (`make check-wheel` proves it installed)."""
from __future__ import annotations

import pytest

from conftest import ROOT

tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from 3.11")


def test_every_package_folder_is_listed_for_the_wheel():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    folders = {".".join(path.parent.relative_to(ROOT).parts)
               for path in (ROOT / "pipeline").rglob("__init__.py")}
    assert folders <= listed, sorted(folders - listed)
