"""Places (GPE): the gazetteer's divisions and their short names, foreign countries, unknown
counties confirmed by their context, and towns, streets and villages by their suffix."""
from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import accumulate
from typing import TYPE_CHECKING

from ...data import data_lines
from ...textnorm import is_cjk
from .common import (END, SPAN, START, Found, LongestWords, Positions, WordSpans, each_start, grouped_by_start,
                     longest_not_before, occurrences, proposal)

# What EntityRules mixes this with, shown to the type checker only (see rules.py).
if TYPE_CHECKING:
    from .base import RuleBase as _Mixed
else:
    _Mixed = object

DIVISION_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县",
                      "自治旗", "地区", "省", "市", "区", "县", "旗", "盟")


TOWNSHIP_SUFFIXES = ("街道", "苏木", "镇", "乡")
#: The level suffixes of a prefecture-level place: a report's region where it names no county.
_PREFECTURE_LEVELS = frozenset({"市", "州", "自治州", "盟"})


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


def _ends_of(text: str, names: set[str]) -> frozenset[int]:
    """Where the occurrences of `names` in `text` end."""
    return frozenset(at + len(name) for name in names for at in occurrences(text, name))


def cut_across_word(start: int, end: int, bounds: Positions | None) -> bool:
    """Whether a word that begins before `start` ends inside `start:end` (沿海|城市 holds no
    海城市), which a name never does; one inside a longer word (上海浦东新区) is still whole."""
    return bounds is not None and start not in bounds and bounds.any_within(start + 1, end)


class _Covering:
    """Whether a span lies inside one of some spans, by bisection: testing each of them for every
    span asked about costs the product of their numbers."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [start for start, _ in ordered]
        #: The furthest end of the spans up to each one, in order of their starts.
        self._reach = list(accumulate((end for _, end in ordered), max))

    def covers(self, start: int, end: int) -> bool:
        last = bisect_right(self._starts, start)
        return last > 0 and self._reach[last - 1] >= end


class PlaceRules(_Mixed):
    """Mixin of `EntityRules`: the place rules."""

    def town_stem(self, stem: str, suffix: str) -> bool | None:
        """Whether `stem + suffix` may name a town: True, False, or None when only a confirming
        context makes it one (a stem of numerals only: 八一村). Numerals may lead a stem (三江镇,
        六合瑶族乡) but not make it a rating (十佳村)."""
        rest = stem.lstrip(self.numeral_string)
        if rest == stem:
            return self.placelike(stem, suffix)
        if rest and (rest[0] in self.numeral_stem_blockers or not self.placelike(rest, suffix)):
            return False
        if stem + suffix in self.not_places:
            return False
        return True if rest else None

    def placelike(self, stem: str, suffix: str, *, confirmed: bool = False) -> bool:
        """A clean stem whose name is no common word; unless the context already confirms a
        place, its last characters must be none either (偏远山区 has no place 远山区). The suffix
        alone is no such tail: 社区 is a common word, 翠湖社区 a place."""
        return self.clean_stem(stem) and self._no_common_word(stem, suffix, confirmed=confirmed)

    def _no_common_word(self, stem: str, suffix: str, *, confirmed: bool) -> bool:
        """`placelike` for a stem known to be clean."""
        name = stem + suffix
        if confirmed:
            return name not in self.not_places
        return not any(name[i:] in self.not_places for i in range(len(stem)))

    # -- places -------------------------------------------------------------------------------
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
        for at, ends in grouped_by_start(words["division_short_names"]):
            for end in ends:
                word = text[at:end]
                # 萍乡人, 萍乡籍: a person's origin; 黑河流域: a river of a city's name.
                if text[end:end + 1] in ("人", "籍") or text.startswith(self.not_after_short_place, end):
                    continue
                short_code = gazetteer.short_code(word, codes)
                whole = bounds is not None and at in bounds and end in bounds
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

    def _region_townships(self, text: str, codes: set[str], bounds: Positions | None) -> list[Found]:
        """Townships of the counties the report names, in full (东溪镇) or, as a word of its own
        that is no ordinary word, by their short name (东溪)."""
        counties = tuple(sorted(code for code in codes if Gazetteer.level(code) != "province"))
        named = self._township_names(counties, bounds is not None)
        if named is None:
            return []
        names, automaton = named
        found = []
        for at, name in automaton.leftmost_longest(text):
            end = at + len(name)
            # A short name stands alone: before punctuation or a list's 等 (东溪、白山等乡镇), not
            # heading a longer name (黄猫|垭 is no 黄猫乡).
            alone = bounds is not None and at in bounds and (end == len(text) or not is_cjk(text[end]) or
                                                              text[end] in self.function_chars)
            if name.endswith(TOWNSHIP_SUFFIXES) or alone:
                found.append(proposal(at, end, "GPE", code=names[name], level="township"))
        return found

    @lru_cache(maxsize=16)
    def _township_names(self, counties: tuple[str, ...], segmented: bool) -> tuple[dict[str, str], LongestWords] | None:
        """The townships of `counties` by name (and short name, in a `segmented` text) -> county
        code, and their automaton; None for none (most reports: no automaton is built). Kept for
        the last few sets: a corpus holds several reports of one place (a report a year)."""
        gazetteer = self.gazetteer
        names: dict[str, str] = {}
        for code in counties:
            for township in gazetteer.townships(code):
                names.setdefault(township, code)
                short = township_short_name(township)
                # The county makes a township's short form a place even where the dictionary
                # knows it as a name (天荒坪: nr), not where it is an ordinary word (胜利: vn).
                if short and segmented and short not in self.boundary_words and \
                        gazetteer.short_words.get(short, "ns") in self.name_tags:
                    names.setdefault(short, code)
        return (names, LongestWords(names, searched_once=True)) if names else None

    def _confirmed_everywhere(self, text: str, names: set[str]) -> list[Found]:
        # Sorted, so that the proposals' order never depends on the hash order of a set.
        return [proposal(at, at + len(name), "GPE") for name in sorted(names) for at in occurrences(text, name)]

    @staticmethod
    def _by_frequency(text: str, places: list[Found]) -> list[str]:
        """Distinct place names, most frequent first; a tie goes to the one named first."""
        counts: dict[str, int] = {}
        first: dict[str, int] = {}
        for start, end, *_ in places:
            name = text[start:end]
            if name in counts:
                counts[name] += 1
                first[name] = min(first[name], start)
            else:
                counts[name] = 1
                first[name] = start
        return sorted(counts, key=lambda name: (-counts[name], first[name]))

    def _unknown_counties(self, text: str, suffixes: Sequence[tuple[int, int]], known: list[Found]) -> list[Found]:
        names: set[str] = set()
        confirmed_names: set[str] = set()
        inside_known = _Covering(map(SPAN, known))
        for at, end in suffixes:
            start = end - 3
            stem = text[start:end - 1]
            # The stem first: most suffixes have none before them (全县, 本市, 城区).
            # 某某市级: a rank, not a county-level place named 某某市.
            # A known place (this very span, or one holding it) is no unknown county.
            if start < 0 or not self.clean_stem(stem) or not self.is_suffix(text, at) or text[end:end + 1] == "级" or \
                    inside_known.covers(start, end):
                continue
            confirmed = text[end:end + 1] in self.place_confirmer_heads and text.startswith(self.place_confirmers, end)
            if self._no_common_word(stem, text[end - 1], confirmed=confirmed) and \
                    (self.boundary_before(text, start) or self._led_by_party(text[max(0, start - 4):start])):
                names.add(text[start:end])
                if confirmed:
                    confirmed_names.add(text[start:end])
        if not names:
            return []  # most short reports: nothing to look for again
        # Only a name that the context confirms somewhere lends its stem as a short name (松柏),
        # where it stands outside the names (of three characters, so any holding it is longer).
        shorts = {name[:-1] for name in confirmed_names}
        found = self._confirmed_everywhere(text, names)
        inside_names = _Covering(map(SPAN, found))
        return found + [f for f in self._confirmed_everywhere(text, shorts)
                        if text[f.end:f.end + 1] not in ("人", "籍") and not inside_names.covers(f.start, f.end)]

    def _led_by_party(self, before: str) -> bool:
        """Whether `before` ends with the Party's or a democratic party's name (中共|某某县委)."""
        return before.endswith("中共") or before[-1:] in self.party_last_chars and \
            any(before.endswith(m.group()) for m in self.party.finditer(before))

    def _towns(self, text: str, town_suffixes: Sequence[tuple[int, int]], known: list[Found],
               word_starts: Positions | None) -> list[Found]:
        # A text without a pair every ethnic area holds (each starts with 族) is not scanned (`re`
        # would try each 壮, 回, 苗…); one without that either, nor a town's suffix, names no town
        # (most short reports).
        ethnic = "族" in text and any(joint in text for joint in self.ethnic_area_joints)
        if not ethnic and not town_suffixes:
            return []
        short_places = {text[f.start:f.end] for f in known}
        names: set[str] = set()
        place_ends = frozenset(map(END, known))
        place_starts = frozenset(map(START, known))
        for match in each_start(self.ethnic_area, text) if ethnic else ():
            if text[match.start() - 1:match.start()] == "族":
                continue  # the tail of a longer name of peoples
            end = match.end()
            for start in (match.start() - 2, match.start() - 3):
                # 做好|广西壮族自治区: a known place starting inside the stem is the name, not grown leftwards.
                if start + 1 in place_starts:
                    break
                stem = text[start:match.start()] if start >= 0 else ""
                if stem and self.town_stem(stem, "乡") is not False and \
                        self.boundary_before(text, start, place_ends):
                    names.add(text[start:end])
                    break
        suffixes = [(at, text[at:end]) for at, end in town_suffixes]
        worded = self._worded_town_names(text, suffixes, word_starts, place_ends) if word_starts is not None else set()
        # A village named after its town (某镇|某村) is found once the town is: repeat until stable.
        # A suffix's verdict reads the place ends two to four characters before it only, so a
        # round after the first asks again only where the last round's names ended there.
        ends = place_ends | _ends_of(text, names)
        asked = suffixes
        while fresh := (self._town_names(text, asked, ends, short_places) | worded) - names:
            names |= fresh
            new_ends = _ends_of(text, fresh) - ends
            ends |= new_ends
            asked_at = {end + gap for end in new_ends for gap in (2, 3, 4)}
            asked = [(at, suffix) for at, suffix in suffixes if at in asked_at]
        return self._confirmed_everywhere(text, names) + self._town_short_forms(text, names, word_starts)

    def _town_short_forms(self, text: str, towns: set[str], word_starts: Positions | None) -> list[Found]:
        """A report on a town it names in full (桃岭镇坚持…) shortens it to its stem (推动桃岭经济):
        the stem counts where it stands as a word of its own and is no ordinary word."""
        if word_starts is None:
            return []
        shortened = {township_short_name(town) for town in towns}
        stems = {stem for stem in shortened if stem and stem not in self.boundary_words and stem not in self.not_places and
                 self.gazetteer.short_words.get(stem, "ns") in self.name_tags}
        spans = ((at, at + len(stem)) for stem in sorted(stems) for at in occurrences(text, stem))
        return [proposal(start, end, "GPE") for start, end in spans
                if (start in word_starts or text[start - 1:start] in self.function_chars) and
                (end in word_starts or end == len(text)) and text[end:end + 1] not in ("人", "籍")]

    def _town_names(self, text: str, suffixes: list[tuple[int, str]], ends: frozenset[int], short_places: set[str]) -> set[str]:
        """Towns, streets and villages confirmed by their context; `suffixes` are where town
        suffixes start, with the suffix."""
        names = set()
        for at, suffix in suffixes:
            if not self.is_suffix(text, at + len(suffix) - 1):
                continue
            for size in (3, 2):
                start = at - size
                # The boundary first: it is cheaper to test, and fails more often.
                if start < 0 or not self.boundary_before(text, start, ends):
                    continue
                stem_ok = self.town_stem(text[start:at], suffix)
                if stem_ok is False:
                    continue
                end = at + len(suffix)
                confirmed = text.startswith(self.town_confirmers, end) or \
                    text[max(0, start - 2):start].endswith(self.place_lead_ins) or start in ends or \
                    (text[start - 1] == "、" and start - 1 in ends)
                anchored = suffix in self.p["strong_town_suffixes"] or text[start:at] in short_places
                if confirmed or (anchored and stem_ok):
                    names.add(text[start:end])
                break
        return names

    def _worded_town_names(self, text: str, suffixes: list[tuple[int, str]], word_starts: Positions,
                           place_ends: frozenset[int]) -> set[str]:
        """Towns, streets and villages of a segmented text, without a confirming context: a
        2-3 character stem and a suffix that start and end on word boundaries (到|桃源|镇, not
        美丽|家乡's 丽家乡), a stem whose first word is not a lone character (到桃源镇), no
        modifier that rates or groups villages (示范村, 重点村) and no common word in its tail.
        A known place is not grown into a longer one (交流|萍乡 stays 萍乡), nor a stem led by a
        verb."""
        names = set()
        for at, suffix in suffixes:
            end = at + len(suffix)
            # A word ends where the next starts, or at the end of the text.
            if (end not in word_starts and end != len(text)) or end in place_ends or not self.is_suffix(text, end - 1):
                continue
            for size in (3, 2):
                start = at - size
                if start < 0 or start not in word_starts or \
                        (size == 3 and (start + 1 in word_starts or text[start:start + 2] in self.boundary_words)):
                    continue
                stem = text[start:at]
                # 移民|建|镇, 送电|到|乡: a verb standing alone before the suffix acts on the place.
                lone_verb = at - 1 in word_starts and text[at - 1] in self.lone_verb_chars
                if self.town_stem(stem, suffix) and not lone_verb and \
                        stem[0] not in self.lone_verb_chars:
                    names.add(stem + suffix)
                    break
        return names

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
