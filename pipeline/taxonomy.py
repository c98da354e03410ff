"""The taxonomy of work areas a model is trained on and predicts: its areas, in order, and the
fallback (`general`) for sentences no area clearly supports."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from . import errors
from .data import read_json


@dataclass(frozen=True)
class Taxonomy:
    id: str
    areas: tuple[str, ...]
    fallback: str
    names: dict[str, str]
    terms: dict[str, tuple[str, ...]]

    @property
    def labels(self) -> tuple[str, ...]:
        """Every label a model of this taxonomy predicts: the areas, then the fallback."""
        return self.areas + (self.fallback,)


def load_taxonomy(name_or_path: str | Path = "united_front") -> Taxonomy:
    """A taxonomy by name (a file in `pipeline/data/taxonomy/`) or by path."""
    path = Path(name_or_path)
    try:
        if path.suffix == ".json":
            raw = json.loads(path.read_text("utf-8"))
        else:
            raw = read_json(f"taxonomy/{name_or_path}.json")
        areas = raw["areas"]
        fallback = raw["fallback"]
        return Taxonomy(id=raw["id"], areas=tuple(area["id"] for area in areas),
                        fallback=fallback["id"],
                        names={item["id"]: item["name"] for item in (*areas, fallback)},
                        terms={area["id"]: tuple(area.get("terms", ())) for area in areas})
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise errors.TrainingDataError(name_or_path, detail=f"not a readable taxonomy file: {exc}") from exc
