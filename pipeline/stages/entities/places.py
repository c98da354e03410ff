"""Places (GPE): the gazetteer's divisions and their short names, foreign countries, and the
places each level word of a report stands for; unknown counties, towns and townships are
found by `TownRules` (towns.py)."""
from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from .common import SPAN, Found, Positions, WordSpans, grouped_by_start, longest_not_before, proposal
from .gazetteer import Gazetteer, short_name

# What EntityRules mixes this with, shown to the type checker only (see rules.py).
if TYPE_CHECKING:
    from .towns import TownRules as _Mixed
else:
    _Mixed = object


#: The level suffixes of a prefecture-level place: a report's region where it names no county.
_PREFECTURE_LEVELS = frozenset({"市", "州", "自治州", "盟"})


def cut_across_word(start: int, end: int, bounds: Positions | None) -> bool:
    """Whether a word that begins before `start` ends inside `start:end` (沿海|城市 holds no
    海城市), which a name never does; one inside a longer word (上海浦东新区) is still whole."""
    return bounds is not None and start not in bounds and bounds.any_within(start + 1, end)


class PlaceRules(_Mixed):
    """Mixin of `EntityRules`: the place rules."""

    def places(self, text: str, words: WordSpans, word_starts: Positions | None,
               bounds: Positions | None) -> tuple[list[Found], dict[str, str], str | None]:
        """GPE proposals, the county-level place (or higher) each level word stands for, and the
        report's own place (`_region`).
        `words`, where the word families occur in `text`; `word_starts` (where the words of a
        segmented text start) lets a town, street or village be found from its own shape,
        without a confirming context; `bounds`, where its words start or end (`word_positions`)."""
        found: list[Found] = []
        codes: set[str] = set()
        gazetteer = self.gazetteer
        for at, end in words["divisions"]:
            name = text[at:end]
            # 老解放区, 新市区: divisions whose names are also common nouns.
            if name in self.not_places or cut_across_word(at, end, bounds):
                continue
            code = gazetteer.code_of[name]
            # 某某市级, 某某县级: the level word is the rank's (市级侨胞之家), the place its short name.
            if text[end:end + 1] == "级" and short_name(name):
                end = at + len(short_name(name) or "")
            found.append(proposal(at, end, "GPE", code=code))
            codes.update(Gazetteer.lineage(code))
        # Short names overlap (湘东|东区); at each position the longest one this report supports,
        # else one standing as a word of its own, no ordinary word, that the report repeats: a
        # report shortens its own place so (发展宜兴, 宜兴特色), not 解放 or 隆重庆祝's 重庆.
        unsupported: dict[str, list[Found]] = {}
        counties: list[tuple[Found, tuple[str, ...]]] = []
        # The word bounds' bytes, read directly: both ends of a short name lie in the text.
        bound_marks = bounds.marks if bounds is not None else None
        for at, ends in grouped_by_start(words["division_short_names"]):
            for end in ends:
                word = text[at:end]
                # 萍乡人, 萍乡籍: a person's origin; 黑河流域: a river of a city's name.
                if text[end:end + 1] in ("人", "籍") or text.startswith(self.not_after_short_place, end):
                    continue
                short_code = gazetteer.short_code(word, codes)
                whole = bound_marks is not None and bound_marks[at] == bound_marks[end] == 1
                if short_code is not None and (whole or bounds is None or Gazetteer.level(short_code) != "province"):
                    found.append(proposal(at, end, "GPE", code=short_code))
                    break
                if whole and word not in self.boundary_words:
                    counties.append((proposal(at, end, "GPE"), gazetteer.shorts[word]))
                if whole and word not in gazetteer.short_words and word not in self.boundary_words:
                    unique = gazetteer.shorts[word]
                    unsupported.setdefault(word, []).append(
                        proposal(at, end, "GPE", code=unique[0] if len(unique) == 1 else None))
                    break
        # A prefecture's short name (成都, 晋中) is known well enough to count once.
        found += [f for repeated in unsupported.values() for f in repeated
                  if len(repeated) >= 2 or (f.code is not None and Gazetteer.level(f.code) == "prefecture")]
        found += self._sibling_counties(text, counties, set(map(SPAN, found)))
        # A country is a word of its own (印度支那 names no 印度, 沿海地区 no 海地), or heads a body's
        # name (美国政府); 台湾 and the like also head compounds (台湾同胞).
        # 蒙古族, 朝鲜族: a people, not a country.
        found += [proposal(at, end, "GPE") for at, end in longest_not_before(text, words["countries"], "族")
                  if bounds is None or (at in bounds and (
                      end in bounds or text[at:end] in self.place_word_heads or self.body.match(text, end)))]
        # A township of the report's own county is meant rather than a place elsewhere of that name.
        townships = self._region_townships(text, codes, bounds)
        spans = set(map(SPAN, townships))
        found = [f for f in found if (f.start, f.end) not in spans] + townships
        found += self._unknown_counties(text, words["county_suffixes"], found)
        found += self._towns(text, words["town_suffixes"], found, word_starts)
        # Each name once, with its level: what the levels and the region are read from.
        ranked = [(name, self.place_level(name)) for name in self._by_frequency(text, found)]
        return found, self._levels(text, found, codes, ranked), self._region(ranked)

    def _sibling_counties(self, text: str, candidates: list[tuple[Found, tuple[str, ...]]],
                          taken: set[tuple[int, int]]) -> list[Found]:
        """Short names of counties of one prefecture named together (北接甲、东邻乙、南连丙):
        each is a word of its own, and enough of them share the prefecture to confirm each
        other, even where one is also a common word."""
        by_prefecture: dict[str, dict[str, list[Found]]] = {}
        for found, codes in candidates:
            for code in codes:
                if Gazetteer.level(code) == "county" and (found.start, found.end) not in taken:
                    by_prefecture.setdefault(code[:4], {}).setdefault(code, []).append(found)
        confirmed = []
        least, window = self.p["min_sibling_counties"], self.p["sibling_window"]
        for counties in by_prefecture.values():
            if len(counties) < least:
                continue
            named = sorted((f.start, f, code) for code, spans in counties.items() for f in spans)
            # Named together: enough distinct siblings within a window around each (工农 of 工农产品
            # pages away from the list is an ordinary word).
            for index, (at, found, code) in enumerate(named):
                near = {c for s, _, c in named[max(0, index - least * 2):index + least * 2] if abs(s - at) <= window}
                if len(near) >= least:
                    confirmed.append(found._replace(code=code))
        return confirmed

    @staticmethod
    def _by_frequency(text: str, places: list[Found]) -> list[str]:
        """Distinct place names, most frequent first; a tie goes to the one named first."""
        counts: dict[str, int] = {}
        first: dict[str, int] = {}
        for start, end, _, _, _, _, _ in places:  # unpacked whole: a star costs more
            name = text[start:end]
            if name in counts:
                counts[name] += 1
                first[name] = min(first[name], start)
            else:
                counts[name] = 1
                first[name] = start
        return sorted(counts, key=lambda name: (-counts[name], first[name]))

    def place_level(self, name: str) -> str | None:
        """The level suffix a place name ends with, longest first (自治县 before 县), after two
        characters or more; a name's last characters are looked up once for each length."""
        for size in self.place_level_sizes:
            if len(name) > size + 1 and name[-size:] in self.place_level_suffix_set:
                return name[-size:]
        return None

    def _levels(self, text: str, places: list[Found], codes: set[str],
                ranked: list[tuple[str, str | None]]) -> dict[str, str]:
        """Level suffix -> this report's most frequent place of that level (区 -> 湘东区);
        `ranked`, the places' names, most frequent first, with their levels."""
        levels: dict[str, str] = {}
        for name, level in ranked:
            if level and level not in levels:
                levels[level] = name
        provinces = sorted(code for code in codes if Gazetteer.level(code) == "province")
        if provinces and "省" not in levels:
            # The province most of the report's places lie in (ties: the lowest code, so the
            # answer never depends on the order of a set).
            counted = Counter(code for f in places for code in Gazetteer.lineage(
                self.gazetteer.code_of.get(text[f.start:f.end], "")) if code in provinces)
            best = max(provinces, key=lambda code: (counted[code], -int(code)))
            names = self.gazetteer.names_by_code.get(best, [])
            if names:
                levels["省"] = names[0]
        return levels

    def _region(self, ranked: list[tuple[str, str | None]]) -> str | None:
        """The report's own place: its most frequent county-level place, else prefecture-level
        (`ranked` as for `_levels`)."""
        for tier in (self.county_levels, _PREFECTURE_LEVELS):
            named = next((name for name, level in ranked if level in tier), None)
            if named:
                return named
        return None
