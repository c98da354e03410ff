"""The national table of administrative divisions (`data/gazetteer/divisions.tsv`): what a
place name denotes, its code and level, and which division lies inside which. Read by the
metadata (`pipeline.metadata`: the region a report is about).
"""
from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from .data import data_lines
from .stages.entities import short_name

NATIONAL = "中国"


class Division(NamedTuple):
    """A named tuple, so that its hash and equality are the tuple's own, in C: a dataclass's are
    Python calls, three for each place name `metadata.infer_region` counts."""

    name: str
    code: str | None
    level: str


COUNTRY = Division(NATIONAL, None, "country")


def _level(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    return "prefecture" if code.endswith("00") else "county"


@lru_cache(maxsize=1)
def division_names() -> tuple[dict[str, str], dict[str, str]]:
    """(full name -> code, unambiguous short name -> code)."""
    full: dict[str, str] = {}
    for line in data_lines("gazetteer/divisions.tsv"):
        code, name = line.split("\t")
        full.setdefault(name, code)
        _NAME_OF_CODE.setdefault(code, name)
    shorts: dict[str, str] = {}
    ambiguous: set[str] = set()
    for name, code in full.items():
        short = short_name(name)
        if short is None or short in full:
            continue
        if short in shorts and shorts[short] != code:
            ambiguous.add(short)
        shorts.setdefault(short, code)
    return full, {short: code for short, code in shorts.items() if short not in ambiguous}


_NAME_OF_CODE: dict[str, str] = {}


@lru_cache(maxsize=4096)
def lookup_division(name: str) -> Division | None:
    """The division a place name denotes: its full name (`萍乡市`) or an unambiguous short one
    (`萍乡`); None for anything else (`棚户区`, `主销区`). The one place the table is read, so a
    fuller table (townships) replaces it here. Cached, as `untabled`: a report names its places
    again and again."""
    full, shorts = division_names()
    code = full.get(name) or shorts.get(name)
    if code is None:
        return None
    return Division(name if name in full else _NAME_OF_CODE[code], code, _level(code))


def contains(outer: Division, inner: Division) -> bool:
    """Whether `inner` lies inside `outer` (a county in its prefecture or province), by code."""
    if outer.code is None or inner.code is None or outer.code == inner.code:
        return False
    if outer.level == "province":
        return inner.code[:2] == outer.code[:2]
    return outer.level == "prefecture" and inner.code[:4] == outer.code[:4]


@lru_cache(maxsize=1)
def name_openings() -> frozenset[str]:
    """The first two characters of every full and short division name (every name has two)."""
    full, shorts = division_names()
    return frozenset(name[:2] for names in (full, shorts) for name in names)


def other_level(short: str, after: str) -> bool:
    """`桃源区` is not 桃源县: a short name followed by another level word is another place."""
    return after in _LEVEL_CHARS and not _NAME_OF_CODE[division_names()[1][short]].startswith(short + after)


_LEVEL_CHARS = frozenset("省市区县州盟旗镇乡")


@lru_cache(maxsize=1024)
def untabled(name: str) -> Division:
    """A place the table does not hold, taken only where the text names its own party committee
    or government (`柳岸县委统战部`, `松禾镇人民政府`): that makes it an administrative division,
    as no common noun (棚户区, 主销区) has one. Its level is its last word's."""
    level = next((level for suffix, level in _SUFFIX_LEVELS if name.endswith(suffix)), "unknown")
    return Division(name, None, level)


#: The level a place name's last word gives, for places the table does not hold.
_SUFFIX_LEVELS = (("自治区", "province"), ("省", "province"), ("自治州", "prefecture"),
                  ("盟", "prefecture"), ("州", "prefecture"), ("市", "prefecture"),
                  ("县", "county"), ("区", "county"), ("旗", "county"), ("镇", "township"),
                  ("乡", "township"), ("街道", "township"))


def most_specific(places: list[Division]) -> Division:
    """The first place, or one inside it that is also named (`玉溪红塔` -> 红塔区)."""
    first = places[0]
    inside = [place for place in places[1:] if contains(first, place)]
    return inside[0] if inside else first
