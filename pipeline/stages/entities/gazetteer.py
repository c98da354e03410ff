"""The gazetteer: China's administrative divisions to county level, their townships, and the
short names a report calls them by (萍乡 for 萍乡市, 东溪 for 东溪镇)."""
from __future__ import annotations

from ...data import data_lines

DIVISION_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县",
                      "自治旗", "地区", "省", "市", "区", "县", "旗", "盟")
TOWNSHIP_SUFFIXES = ("街道", "苏木", "镇", "乡")


def _stem(name: str, suffixes: tuple[str, ...]) -> str | None:
    for suffix in suffixes:
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            return stem if len(stem) >= 2 and "族" not in stem else None
    return None


def short_name(name: str) -> str | None:
    """`萍乡市` -> `萍乡`; None when what would be left is a single character or ethnic."""
    return _stem(name, DIVISION_SUFFIXES)


def township_short_name(name: str) -> str | None:
    """`东溪镇` -> `东溪`, `新华街道` -> `新华`; None as for `short_name`."""
    return _stem(name, TOWNSHIP_SUFFIXES)


class Gazetteer:
    """Administrative divisions to county level (`data/gazetteer/divisions.tsv`), and, read only
    when a report names their county, its townships (`data/gazetteer/townships.tsv`)."""

    def __init__(self) -> None:
        self.code_of: dict[str, str] = {}
        for line in data_lines("gazetteer/divisions.tsv"):
            code, name = line.split("\t")
            # Two-character names (城区, 和县) read as ordinary words far more often than as places.
            if len(name) >= 3:
                self.code_of.setdefault(name, code)
        self.names_by_code: dict[str, list[str]] = {}
        for name, code in self.code_of.items():
            self.names_by_code.setdefault(code, []).append(name)
        #: Short name -> the codes of every division it shortens (中山: 中山市 and a 中山区).
        self.shorts: dict[str, tuple[str, ...]] = {}
        for name, code in self.code_of.items():
            short = short_name(name)
            if short and short not in self.code_of:
                self.shorts[short] = (*self.shorts.get(short, ()), code)
        #: Short name -> the province among the divisions it shortens, if one is.
        self._short_provinces = {short: province for short, codes in self.shorts.items()
                                 if (province := next((c for c in codes if Gazetteer.level(c) == "province"), None))}
        #: Short forms that are words of the dictionary, with its tag (友谊: nr, 解放: v).
        self.short_words = dict(line.split("\t") for line in data_lines("gazetteer/short_names_as_words.txt"))
        self._township_rows: dict[str, str] | None = None
        #: County code -> its townships by their names and short names (`township_named`), made when first asked for.
        self._townships_by_name: dict[str, dict[str, str]] = {}

    def short_code(self, short: str, codes: set[str]) -> str | None:
        """The division the short name `short` stands for where the report supports it: one whose
        place (or a child) occurs, among `codes`, or a province, which a short name names
        everywhere (浙江, 重庆)."""
        for code in self.shorts[short]:
            if code in codes:
                return code
        return self._short_provinces.get(short)

    def townships(self, code: str) -> list[str]:
        """The townships of the county (or county-less prefecture) `code`; the table is read the
        first time a report names a county, and a county's row is split only when asked for."""
        if self._township_rows is None:
            self._township_rows = dict(line.split("\t") for line in data_lines("gazetteer/townships.tsv"))
        row = self._township_rows.get(code)
        return row.split(" ") if row else []

    def township_named(self, code: str, name: str) -> str:
        """The full name of the township of the county `code` that `name` names in full or
        shortened (东溪 -> 东溪镇; the first in the table where two share a short name); `name`
        itself where none does."""
        if code not in self._townships_by_name:
            by_name: dict[str, str] = {}
            for township in self.townships(code):
                by_name.setdefault(township, township)
                short = township_short_name(township)
                if short is not None:
                    by_name.setdefault(short, township)
            self._townships_by_name[code] = by_name
        return self._townships_by_name[code].get(name, name)

    def canonical(self, code: str) -> str:
        """The division's full name under its prefecture (萧山区 -> 杭州市萧山区)."""
        name = self.names_by_code[code][0]
        parent = code[:4] + "00"
        if Gazetteer.level(code) == "county" and parent in self.names_by_code:
            return self.names_by_code[parent][0] + name
        return name

    @staticmethod
    def level(code: str) -> str:
        if code.endswith("0000"):
            return "province"
        return "prefecture" if code.endswith("00") else "county"

    @staticmethod
    def lineage(code: str) -> tuple[str, ...]:
        """The code itself and its prefecture's and province's codes."""
        return tuple(dict.fromkeys((code, code[:4] + "00", code[:2] + "0000")))

