"""The versioned data files the stages load, read one way: `name` is a path relative to this
folder (`"gazetteer/countries.txt"`), found through `importlib.resources` so an installed wheel
reads them as a checkout does. Callers cache what they build from them."""
from __future__ import annotations

import json
from importlib import resources
from typing import Any


def read_text(name: str) -> str:
    return resources.files(__name__).joinpath(*name.split("/")).read_text("utf-8")


def data_lines(name: str) -> list[str]:
    """The file's lines, stripped, without blank lines and `#` comment lines."""
    lines = (line.strip() for line in read_text(name).splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def read_json(name: str) -> Any:
    return json.loads(read_text(name))
