"""Entities: who, where, which documents, meetings and dates a report names.

No trained Chinese pipeline installs from PyPI, and jieba's tags miss most bodies of this genre, so
the names are found by rules over data (`data/entity_patterns.json`, `data/gazetteer/`). The rules
work on characters of the folded text, not on jieba tokens, because tokens cut across names
(`由民建`, `江青`, `铺镇`): a name is anchored by its suffix (统战部, 有限公司, 镇, 之家) and grown
leftwards to a place, a level word (区委, 县, 自治区) or a boundary (punctuation, a function word, a
verb), so it never swallows the word before it. Foreign countries and the places of Hong Kong, Macao
and Taiwan come from their own gazetteer (`gazetteer/countries.txt`). Overlapping proposals are resolved longest first; places
and bodies nested in a longer name are kept as well, since a reader asks for them too.

Word boundaries do help in one place: a town, street or village mentioned once with no confirming
context (到|桃源|镇, 石桥|村|小学) is taken from its shape when the text is segmented into words
(jieba tokens, or a Doc of words), since a suffix starting and ending on word boundaries after a
clean stem is a name far more often than not; without words, such a name needs its context.

The rules run inside spaCy (`pipeline.spacy_components`): this stage runs the registered
component's rules on the folded text, then builds the `Doc` once from the project's jieba tokens,
cut where names begin and end, and lets the component set its spans. Speed matters here (a
whole corpus overnight): word lists of thousands of entries are looked up by their first two
characters (`WordIndex`) and other alternations are compiled as tries, once per process.
"""
from __future__ import annotations

import calendar
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache

from ..data import data_lines, read_json
from ..draft import Draft, on_matching_view
from ..numerals import DIGIT_CHARS, YEAR_PATTERN, parse_numeral, parse_year
from ..records import Entity
from ..textnorm import CJK_CLASS, is_cjk

NAME = "entities"
REQUIRES = ("text", "folded", "sentences", "tokens")
PROVIDES = ("entities",)

#: Label preference when two proposals cover exactly the same characters.
_LABEL_RANK = {"ORG": 0, "FAC": 1, "EVENT": 2, "DOC": 3, "GPE": 4, "PERSON": 5, "DATE": 6}
#: Labels kept when nested in a longer name of another label (松柏县委…领导小组 inside a meeting).
_NESTABLE = frozenset({"GPE", "ORG"})
#: Chinese numerals below a hundred: months, days, congresses and plenums (十二月, 二十大).
_CN_DIGIT = DIGIT_CHARS + "十"
_NUM = rf"(?:\d{{1,2}}|[{_CN_DIGIT}]{{1,3}})"
_YEAR = f"(?:{YEAR_PATTERN})"
#: The start or end of a year or month (2025年底, 2021年12月底, 2023年初, 6月中旬); 初 not of 初步.
_PART = r"底|末|初(?!步|心|见|次|始|衷|期|级|中)|上旬|中旬|下旬"
_DATE = re.compile(
    rf"(?<![\d{_CN_DIGIT}])(?P<y1>{_YEAR})(?:年?[—–\-~至到](?P<y2>{_YEAR}))?年(?:度|(?P<m>{_NUM})月"
    rf"(?:(?P<d>{_NUM})[日号]|(?P<month_part>{_PART}))?|(?P<year_part>{_PART}))?"
    rf"|(?<![\d{_CN_DIGIT}年])(?P<m2>\d{{1,2}})月(?P<d2>\d{{1,2}})[日号]")
#: The month a year's part stands for in a normalised date: 年底 and 年末 are its last, 年初 its first.
_YEAR_PART_MONTH = {"底": "12", "末": "12", "初": "1"}
_CONGRESS = re.compile(rf"党的[{_CN_DIGIT}]+大")
_PLENUM = re.compile(rf"(?:[省市区县州旗]委)?[{_CN_DIGIT}]+届[{_CN_DIGIT}]+(?:中|次)全会")
_TITLE = re.compile(r"《[^《》\n]{1,120}》")
#: A quoted name: “…” with no line break, of a length a name can have.
QUOTED = re.compile(r"“([^“”\n]{1,60})”")


@dataclass(frozen=True, slots=True)
class Found:
    """One proposed name: character offsets into the text it was found in."""

    start: int
    end: int
    label: str
    canonical: str | None = None
    normalized: str | None = None

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Findings:
    entities: tuple[Found, ...]
    region: str | None


@lru_cache(maxsize=1)
def patterns() -> dict:
    return read_json("entity_patterns.json")


def _alternation(words: Iterable[str]) -> str:
    """One regular expression for a list of literal words, factored as a trie (北京市|北海市 ->
    北(?:京市|海市)). It matches what a longest-first alternation matches, but `re` decides at
    each character instead of trying every word in turn: thousands of place names cost one pass."""
    trie: dict = {}
    for word in set(words):
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _trie_pattern(trie)


def _trie_pattern(node: dict) -> str:
    branches = [re.escape(ch) + _trie_pattern(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


_DIVISION_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县",
                      "自治旗", "地区", "省", "市", "区", "县", "旗", "盟")


def short_name(name: str) -> str | None:
    """`萍乡市` -> `萍乡`; None when what would be left is a single character or ethnic."""
    for suffix in _DIVISION_SUFFIXES:
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            return stem if len(stem) >= 2 and "族" not in stem else None
    return None


class WordIndex:
    """Literal words of two or more characters, looked up by their first two characters: one
    dict probe per character of a text. (A regular expression of thousands of words makes `re`
    try them one by one at every character that starts any of them, ten times slower.)"""

    def __init__(self, words: Iterable[str]) -> None:
        self.by_head: dict[str, list[str]] = {}
        for word in sorted(set(words), key=len, reverse=True):
            self.by_head.setdefault(word[:2], []).append(word)

    def at_each(self, text: str) -> Iterator[tuple[int, list[str]]]:
        """Every position where words start, with those words, longest first."""
        by_head = self.by_head
        for at in [i for i in range(len(text) - 1) if text[i:i + 2] in by_head]:
            words = [word for word in by_head[text[at:at + 2]] if text.startswith(word, at)]
            if words:
                yield at, words

    def leftmost_longest(self, text: str) -> Iterator[tuple[int, str]]:
        """Non-overlapping matches, as a longest-first alternation's `finditer` gives them."""
        free_from = 0
        for at, words in self.at_each(text):
            if at >= free_from:
                free_from = at + len(words[0])
                yield at, words[0]


class Gazetteer:
    """Administrative divisions to county level (`data/gazetteer/divisions.tsv`)."""

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
        self.full = WordIndex(self.code_of)
        self.shorts: dict[str, str] = {}
        for name, code in self.code_of.items():
            short = short_name(name)
            if short and short not in self.code_of:
                self.shorts.setdefault(short, code)
        self.short_index = WordIndex(self.shorts)

    @staticmethod
    def level(code: str) -> str:
        if code.endswith("0000"):
            return "province"
        return "prefecture" if code.endswith("00") else "county"

    @staticmethod
    def lineage(code: str) -> tuple[str, ...]:
        """The code itself and its prefecture's and province's codes."""
        return tuple(dict.fromkeys((code, code[:4] + "00", code[:2] + "0000")))


class EntityRules:
    """All entity rules, loaded once; `find(text)` is the per-document entry point."""

    def __init__(self) -> None:
        p = patterns()
        self.p = p
        self.gazetteer = Gazetteer()
        self.not_places = frozenset(data_lines("gazetteer/not_places.txt"))
        self.verbs = frozenset(data_lines("gazetteer/boundary_words.txt"))
        self.boundary_words = self.verbs | frozenset(p["lead_words"])
        self.not_suffix_before = {ch: re.compile(rule) for ch, rule in p["not_suffix_before"].items()}
        self.function_chars = frozenset(p["function_chars"])
        self.function_char_words = re.compile(_alternation(p["function_char_words"]))
        self.generic_chars = frozenset(p["generic_chars"])
        self.stem_blockers = self.function_chars | self.generic_chars | frozenset("区县市乡镇村街省州")
        self.numerals = frozenset(p["numeral_chars"])
        # Numerals may stand inside a body's name (五金机电商会, 第一人民医院); 全 各 本 may not.
        self.filler_blockers = self.generic_chars - self.numerals - {"第"}
        self.not_given_chars = frozenset(p["person_not_given"])
        self.numeral_stem_blockers = frozenset(p["numeral_stem_blockers"])
        self.not_place_stems = frozenset(p["not_place_stems"]) | frozenset(data_lines("gazetteer/verbal_nouns.txt"))
        self.lone_verb_chars = frozenset(p["lone_verb_chars"])
        self.not_place_stem_endings = tuple(p["not_place_stem_endings"])
        self.country_names = frozenset(data_lines("gazetteer/countries.txt"))
        self.countries = re.compile(f"(?:{_alternation(self.country_names)})(?!族)")
        self.level_words = tuple(sorted(p["level_words"], key=len, reverse=True))
        self.committee_words = tuple(p["committee_words"])
        self.relative_levels = p["relative_levels"]
        self.county_levels = frozenset(p["county_levels"])
        self.place_level_suffixes = tuple(sorted(p["place_level_suffixes"], key=len, reverse=True))
        self.county_suffix = re.compile(f"(?=({_alternation(p['county_suffixes'])}))")
        self.town_suffix = re.compile(f"(?=({_alternation(p['town_suffixes'])}))")
        self.ethnic_area = re.compile(
            f"(?<!族)(?=((?:{_alternation(p['ethnic_groups'])})+)({_alternation(p['ethnic_area_suffixes'])}))")
        self.body = re.compile(_alternation(p["bodies"]))
        self.standalone_body = re.compile(_alternation(p["standalone_bodies"]))
        self.department = re.compile(_alternation(p["department_suffixes"]))
        self.department_filler_words = re.compile(_alternation(p["department_filler_words"]))
        # 发展和改革, 人力资源和社会保障: two fields of one department, joined by 和. A leading 和
        # lets the scan go on leftwards to the first field; a name never starts with it.
        name_ends = "".join(sorted({word[-1] for word in (*p["department_suffixes"], *p["bodies"])}))
        self.joined_fields = re.compile(rf"(?:^|(?<=[{CJK_CLASS}])(?<![{name_ends}]))和(?=[{CJK_CLASS}]{{2}})")
        self.not_department_tails = tuple(p["not_department_tails"])
        self.national = re.compile(_alternation(p["national_orgs"]))
        self.party = re.compile(_alternation(p["parties"]))
        # The first unit after a party name, not inside a longer word (委员会, not 委员 of 委员会议).
        self.party_unit_after = re.compile(f"(?=({_alternation(p['party_units'])})(?!会议|长|员))")
        self.level_chars = frozenset(ch for word in p["level_words"] for ch in word)
        self.place_body = re.compile(_alternation(p["place_bodies"]))
        self.company = re.compile(_alternation(p["company_suffixes"]))
        self.venue = re.compile(_alternation(p["venue_suffixes"]))
        self.venue_end = re.compile(f"(?:{_alternation(p['venue_suffixes'])})$")
        self.event_suffix = re.compile(
            rf"(?P<topic>[{CJK_CLASS}]{{2,{p['event_max_topic']}}}?)(?:{_alternation(p['event_suffixes'])})")
        self.event_scope = re.compile(_alternation(p["event_scopes"]))
        self.session = re.compile(
            rf"第?(?:{_NUM})[届次](?P<topic>[{CJK_CLASS}]{{0,{p['event_max_topic']}}}?)"
            rf"(?:{_alternation(p['session_endings'])})")
        self.two_sessions = re.compile(f"(?:{_alternation(p['two_sessions_scopes'])})两会")
        self.leaders = re.compile(_alternation(p["national_leaders"]))
        self.person_cue = re.compile(rf"(?:{_alternation(p['person_before'])})[ \u3000]*")
        self.person_after = re.compile(_alternation(p["person_after"]))
        self.honorific = re.compile(_alternation(p["honorifics"]))
        self.person_title_after = re.compile(_alternation(p["person_titles_after"]))
        self.surnames = frozenset(p["surnames"])
        self.compound_surnames = tuple(p["compound_surnames"])
        self.name_stops = tuple(sorted(p["person_name_stops"], key=len, reverse=True))
        self.max_boundary = max(map(len, self.boundary_words))

    # -- boundaries ---------------------------------------------------------------------------
    def boundary_before(self, text: str, at: int, ends: frozenset[int] = frozenset()) -> bool:
        """Whether a name may start at `at`: after punctuation, a function word, a verb or a name,
        and not inside a word (其中|溪口镇 does not start at 中)."""
        if at == 0 or at in ends:
            return True
        if any(text[at - i:at - i + k] in self.boundary_words
               for k in range(2, self.max_boundary + 1) for i in range(1, k) if at - i >= 0):
            return False
        before = text[at - 1]
        if not is_cjk(before) or before in self.function_chars:
            return True
        return any(text[at - k:at] in self.boundary_words for k in range(2, self.max_boundary + 1)
                   if at - k >= 0)

    def is_suffix(self, text: str, at: int) -> bool:
        """Whether the character at `at` ends a name rather than starting a word (新乡贤)."""
        rule = self.not_suffix_before.get(text[at])
        return rule is None or rule.match(text, at + 1) is None

    def level_before(self, text: str, at: int, ends: frozenset[int] = frozenset()) -> int | None:
        """Start of the level word (县, 乡镇, 自治区) that ends at `at` and begins a name. The longest
        level word there decides, so the 区 of 自治区 is never a district of its own."""
        for word in self.level_words:
            start = at - len(word)
            if start >= 0 and text.startswith(word, start):
                ok = self.is_suffix(text, at - 1) and self.boundary_before(text, start, ends)
                return start if ok else None
        return None

    def clean_stem(self, stem: str) -> bool:
        return all(is_cjk(ch) and ch not in self.stem_blockers for ch in stem) and \
            stem not in self.boundary_words and not stem.endswith(self.not_place_stem_endings) and \
            stem not in self.not_place_stems

    def town_stem(self, stem: str, suffix: str) -> bool | None:
        """Whether `stem + suffix` may name a town: True, False, or None when only a confirming
        context makes it one (a stem of numerals only: 八一村). Numerals may lead a stem (三江镇,
        六合瑶族乡) but not make it a rating (十佳村)."""
        rest = stem.lstrip("".join(self.numerals))
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
        name = stem + suffix
        tails = (name,) if confirmed else tuple(name[i:] for i in range(len(stem)))
        return self.clean_stem(stem) and not any(tail in self.not_places for tail in tails)

    # -- places -------------------------------------------------------------------------------
    def places(self, text: str, word_starts: frozenset[int] | None = None) -> tuple[list[Found], dict[str, str]]:
        """GPE proposals, and the county-level place (or higher) each level word stands for.
        `word_starts` (where the words of a segmented text start) lets a town, street or
        village be found from its own shape, without a confirming context."""
        found: list[Found] = []
        codes: set[str] = set()
        for at, name in self.gazetteer.full.leftmost_longest(text):
            found.append(Found(at, at + len(name), "GPE"))
            codes.update(Gazetteer.lineage(self.gazetteer.code_of[name]))
        shorts = self.gazetteer.shorts
        # Short names overlap (湘东|东区); at each position the longest one this report supports.
        for at, words in self.gazetteer.short_index.at_each(text):
            short = next((word for word in words if self._short_supported(shorts[word], codes)), None)
            end = at + len(short or "")
            if short and text[end:end + 1] not in ("人", "籍"):
                found.append(Found(at, end, "GPE"))
        found += [Found(m.start(), m.end(), "GPE") for m in self.countries.finditer(text)]
        found += self._unknown_counties(text, found)
        found += self._towns(text, found, word_starts)
        return found, self._levels(text, found, codes)

    @staticmethod
    def _short_supported(code: str | None, codes: set[str]) -> bool:
        """A short name counts where its province is meant or its place (or a child) occurs."""
        return code is not None and (Gazetteer.level(code) == "province" or code in codes)

    def _confirmed_everywhere(self, text: str, names: set[str]) -> list[Found]:
        # Sorted, so that the proposals' order never depends on the hash order of a set.
        return [Found(m.start(), m.end(), "GPE") for name in sorted(names)
                for m in re.finditer(re.escape(name), text)]

    @staticmethod
    def _by_frequency(text: str, places: list[Found]) -> list[str]:
        """Distinct place names, most frequent first; a tie goes to the one named first."""
        counts: Counter[str] = Counter()
        first: dict[str, int] = {}
        for found in places:
            name = text[found.start:found.end]
            counts[name] += 1
            first[name] = min(first.get(name, found.start), found.start)
        return sorted(counts, key=lambda name: (-counts[name], first[name]))

    def _unknown_counties(self, text: str, known: list[Found]) -> list[Found]:
        taken = {(f.start, f.end) for f in known}
        confirmers = tuple(self.p["place_confirmers"])
        party = self.party
        names: set[str] = set()
        confirmed_names: set[str] = set()
        for match in self.county_suffix.finditer(text):
            end = match.start() + 1
            start = end - 3
            if start < 0 or not self.is_suffix(text, match.start()) or (start, end) in taken or any(f.start <= start and end <= f.end for f in known):
                continue
            before = text[max(0, start - 4):start]
            led = before.endswith("中共") or any(before.endswith(m.group()) for m in party.finditer(before))
            if not (led or self.boundary_before(text, start)):
                continue
            confirmed = text.startswith(confirmers, end)
            if self.placelike(text[start:end - 1], text[end - 1], confirmed=confirmed):
                names.add(text[start:end])
                if confirmed:
                    confirmed_names.add(text[start:end])
        # Only a name that the context confirms somewhere lends its stem as a short name (松柏).
        shorts = {name[:-1] for name in confirmed_names}
        found = self._confirmed_everywhere(text, names)
        return found + [f for f in self._confirmed_everywhere(text, shorts)
                        if text[f.end:f.end + 1] not in ("人", "籍") and not any(
                            g.start <= f.start and f.end <= g.end and g.length > f.length for g in found)]

    def _towns(self, text: str, known: list[Found], word_starts: frozenset[int] | None) -> list[Found]:
        confirmers = tuple(self.p["town_confirmers"])
        lead_ins = tuple(self.p["place_lead_ins"])
        short_places = {text[f.start:f.end] for f in known}
        names: set[str] = set()
        place_ends = frozenset(f.end for f in known)
        for match in self.ethnic_area.finditer(text):
            end = match.start() + len(match.group(1)) + len(match.group(2))
            for start in (match.start() - 2, match.start() - 3):
                stem = text[start:match.start()] if start >= 0 else ""
                if stem and self.town_stem(stem, "乡") is not False and \
                        self.boundary_before(text, start, place_ends):
                    names.add(text[start:end])
                    break
        # A village named after its town (某镇|某村) is found once the town is: repeat until stable.
        while True:
            ends = place_ends | {m.end() for name in names for m in re.finditer(re.escape(name), text)}
            before = len(names)
            names |= self._town_names(text, ends, short_places, confirmers, lead_ins)
            if word_starts is not None:
                names |= self._worded_town_names(text, word_starts, place_ends)
            if len(names) == before:
                return self._confirmed_everywhere(text, names)

    def _town_names(self, text: str, ends: frozenset[int], short_places: set[str],
                    confirmers: tuple[str, ...], lead_ins: tuple[str, ...]) -> set[str]:
        names = set()
        for match in self.town_suffix.finditer(text):
            suffix = match.group(1)
            at = match.start()
            if not self.is_suffix(text, at + len(suffix) - 1):
                continue
            for size in (3, 2):
                start = at - size
                stem_ok = self.town_stem(text[start:at], suffix) if start >= 0 else False
                if stem_ok is False or not self.boundary_before(text, start, ends):
                    continue
                end = at + len(suffix)
                confirmed = text.startswith(confirmers, end) or \
                    text[max(0, start - 2):start].endswith(lead_ins) or start in ends or \
                    (text[start - 1] == "、" and start - 1 in ends)
                anchored = suffix in self.p["strong_town_suffixes"] or text[start:at] in short_places
                if confirmed or (anchored and stem_ok):
                    names.add(text[start:end])
                break
        return names

    def _worded_town_names(self, text: str, word_starts: frozenset[int], place_ends: frozenset[int]) -> set[str]:
        """Towns, streets and villages of a segmented text, without a confirming context: a
        2-3 character stem and a suffix that start and end on word boundaries (到|桃源|镇, not
        美丽|家乡's 丽家乡), a stem whose first word is not a lone character (到桃源镇), no
        modifier that rates or groups villages (示范村, 重点村) and no common word in its tail.
        A known place is not grown into a longer one (交流|萍乡 stays 萍乡), nor a stem led by a
        verb."""
        names = set()
        bounds = word_starts | {len(text)}
        for match in self.town_suffix.finditer(text):
            suffix = match.group(1)
            at = match.start()
            end = at + len(suffix)
            if end not in bounds or end in place_ends or not self.is_suffix(text, end - 1):
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
        """The level suffix a place name ends with, longest first (自治县 before 县)."""
        return next((s for s in self.place_level_suffixes if name.endswith(s) and len(name) > len(s) + 1), None)

    def _levels(self, text: str, places: list[Found], codes: set[str]) -> dict[str, str]:
        """Level suffix -> this report's most frequent place of that level (区 -> 湘东区)."""
        levels: dict[str, str] = {}
        for name in self._by_frequency(text, places):
            level = self.place_level(name)
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

    def _region(self, text: str, places: list[Found]) -> str | None:
        """The report's own place: its most frequent county-level place, else prefecture-level."""
        ranked = self._by_frequency(text, places)
        for tier in (self.county_levels, frozenset({"市", "州", "自治州", "盟"})):
            named = next((name for name in ranked if self.place_level(name) in tier), None)
            if named:
                return named
        return None

    # -- organisations, venues, events --------------------------------------------------------
    def _anchor_start(self, text: str, at: int, anchors: dict[int, int], max_filler: int, *,
                      forbid: Callable[[str], bool]) -> tuple[int, int] | None:
        """Start of the nearest anchor (place, body or clean level word) left of `at`, and how
        many characters lie between it and `at`."""
        for filler in range(0, max_filler + 1):
            anchor_end = at - filler
            if anchor_end <= 0 or (filler and forbid(text[anchor_end:at])):
                return None
            if anchor_end in anchors:
                return anchors[anchor_end], filler
            # A level character right after a place (白鹭湾村|乡贤…) is part of a word, not a level.
            start = self.level_before(text, anchor_end)
            if start is not None:
                return start, filler
        return None

    def _filler_blocked(self, filler: str) -> bool:
        words = self.function_char_words.sub("", filler)
        return any(not is_cjk(ch) or ch in self.function_chars for ch in words)

    def organisations(self, text: str, places: list[Found]) -> list[Found]:
        found: list[Found] = []
        place_at = self._place_anchors(text, places)
        ends = frozenset(place_at)
        for match in self.national.finditer(text):
            found.append(Found(match.start(), match.end(), "ORG"))
        for match in self.body.finditer(text):
            start = self._body_start(text, match.start(), place_at, ends)
            if start is None:
                continue
            if text[max(0, start - 2):start] == "中共":
                start -= 2
            found.append(Found(start, match.end(), "ORG"))
        for match in self.standalone_body.finditer(text):
            found.append(Found(place_at.get(match.start(), match.start()), match.end(), "ORG"))
        for match in self.place_body.finditer(text):
            if match.start() in place_at and self.is_suffix(text, match.end() - 1):
                found.append(Found(place_at[match.start()], match.end(), "ORG"))
        found += self._party_units(text, places)
        anchors = dict(place_at)
        anchors.update({f.end: f.start for f in found})
        foreign_ends = frozenset(end for end, start in place_at.items() if text[start:end] in self.country_names)
        found += self._departments(text, anchors, foreign_ends)
        for match in self.company.finditer(text):
            start = self._company_start(text, match.start(), place_at)
            if start is not None:
                found.append(Found(start, match.end(), "ORG"))
        return found

    def _place_anchors(self, text: str, places: list[Found]) -> dict[int, int]:
        """End -> start of the places a body's name may begin with: any but the short names a
        report shortens its own places to (萍乡), whose end may fall inside a word; foreign
        places and Hong Kong, Macao and Taiwan are whole words (香港|某某同乡会)."""
        return {f.end: f.start for f in places if f.length >= 3 or text[f.start:f.end] in self.country_names}

    def _party_units(self, text: str, places: list[Found]) -> list[Found]:
        """A democratic party's local organisation: the party, its place or level, the unit
        (民盟某某州委, 九三学社某某市委, 民建某某支部, 致公党某某基层委员会). The place may be one the
        report names nowhere else, so any short clean stem will do."""
        place_spans = {(f.start, f.end) for f in places}
        found = []
        for match in self.party.finditer(text):
            for unit in self.party_unit_after.finditer(text, match.end(), match.end() + self.p["party_max_place"] + 6):
                place = text[match.end():unit.start(1)]
                known = (match.end(), unit.start(1)) in place_spans or place in self.level_words or \
                    place in self.p["national_prefixes"]
                stem = place.rstrip("".join(self.level_chars))
                if known or (2 <= len(stem) and len(place) <= self.p["party_max_place"] and
                             self.clean_stem(stem) and not self._has_clause_verb(place)):
                    found.append(Found(match.start(), unit.end(1), "ORG"))
                break
        return found

    def _body_start(self, text: str, at: int, place_at: dict[int, int], ends: frozenset[int]) -> int | None:
        """Start of a standard body's name at `at`: its place or level word, with a Party
        committee's 委 or 党委 between (县委统战部, 自治区党委统战部), or a national prefix."""
        for committee in self.committee_words:
            end = at - len(committee)
            if end > 0 and text.startswith(committee, end):
                start = place_at.get(end, self.level_before(text, end, ends))
                if start is not None:
                    return start
        nationals = self.p["national_prefixes"]
        national = next((n for n in nationals if text.startswith(n, at - len(n))), None)
        if national:
            return at - len(national)
        return place_at.get(at, self.level_before(text, at, ends))

    def _departments(self, text: str, anchors: dict[int, int], foreign_ends: frozenset[int]) -> list[Found]:
        """Departments, courts and associations: an anchor, a filler naming the field, a suffix
        (县农业农村局, 县人民法院, 清溪县青年企业家商会). A foreign place, Hong Kong, Macao or
        Taiwan anchors only an association (香港某某同乡会), not an office (香港|国际金融中心)."""
        found = []
        least_filler = self.p["department_suffixes"]
        for match in self.department.finditer(text):
            # 举办, 开办: the suffix ends a verb here, not a department's name.
            if not self.is_suffix(text, match.end() - 1) or self._ends_verb(text, match.end()):
                continue
            anchored = self._anchor_start(text, match.start(), anchors, self.p["department_max_filler"],
                                          forbid=self._name_filler_blocked)
            if anchored is None or anchored[1] < least_filler[match.group()] or \
                    text[match.start() - anchored[1]] in self.function_chars or \
                    (match.start() - anchored[1] in foreign_ends and not match.group().endswith("会")):
                continue
            name = text[anchored[0]:match.end()]
            if not name.endswith(self.not_department_tails) and not self.venue_end.search(name):
                found.append(Found(anchored[0], match.end(), "ORG"))
        return found

    def _ends_verb(self, text: str, end: int) -> bool:
        return any(text[end - k:end] in self.verbs for k in (2, 3))

    def _name_filler_blocked(self, filler: str) -> bool:
        """Whether the words between a name's anchor and its suffix run over a clause: a function
        or generic character, a standard body, or a verb other than those names contain."""
        filler = self.joined_fields.sub("", filler)
        return self._filler_blocked(filler) or any(ch in self.filler_blockers for ch in filler) or \
            self.body.search(filler) is not None or self._has_clause_verb(filler)

    def _has_clause_verb(self, words: str) -> bool:
        plain = self.department_filler_words.sub("|", words)
        return any(plain[i:j] in self.verbs for i in range(len(plain)) for j in range(i + 2, len(plain) + 1))

    def _venue_filler_blocked(self, filler: str) -> bool:
        """A venue's name ends at its first suffix (某镇乡贤馆|开馆 is not one name)."""
        return self._filler_blocked(filler) or self.venue.search(filler) is not None

    def _company_start(self, text: str, at: int, place_at: dict[int, int], longest: int = 20) -> int | None:
        """Start of a company's name ending at `at`: leftwards to a boundary, or past a function
        character to the place that opens the name (某县|顺和茶业有限公司: 和 is in the brand)."""
        start = at
        while start > max(0, at - longest):
            before = text[start - 1]
            if not is_cjk(before) or before in self.function_chars:
                break
            if at - start >= 2 and any(text[start - k:start] in self.boundary_words
                                       for k in range(2, self.max_boundary + 1) if start - k >= 0):
                break
            start -= 1
        if start > 0 and text[start - 1] in self.function_chars:
            brand_head = next((end for end in range(start - 2, start - 2 - self.p["brand_head_max"], -1)
                               if end in place_at), None)
            if brand_head is not None and self.clean_stem(text[brand_head:start - 1].replace(text[start - 1], "")) and \
                    not self._has_clause_verb(text[brand_head:start - 1]):
                return place_at[brand_head]
        return start if at - start >= 2 else None

    def venues(self, text: str, places: list[Found], orgs: list[Found]) -> list[Found]:
        found = []
        for match in QUOTED.finditer(text):
            inner = match.group(1)
            if self.venue.search(inner) and self.venue.search(inner).end() == len(inner) and len(inner) >= 3:
                found.append(Found(match.start(1), match.end(1), "FAC"))
        anchors = {f.end: f.start for f in places if f.length >= 3}
        anchors.update({f.end: f.start for f in orgs})
        for match in self.venue.finditer(text):
            # 开馆, 建站: the suffix ends a verb here, not a venue's name.
            if self._ends_verb(text, match.end()):
                continue
            anchored = self._anchor_start(text, match.start(), anchors, self.p["venue_max_filler"],
                                          forbid=self._venue_filler_blocked)
            if anchored is not None:
                found.append(Found(anchored[0], match.end(), "FAC"))
        return found

    def events(self, text: str, places: list[Found], orgs: list[Found], dates: list[Found]) -> list[Found]:
        found = [Found(m.start(), m.end(), "EVENT") for m in _CONGRESS.finditer(text)]
        found += [Found(m.start(), m.end(), "EVENT") for m in _PLENUM.finditer(text)]
        found += [Found(m.start(), m.end(), "EVENT") for m in self.two_sessions.finditer(text)
                  if self.boundary_before(text, m.start())]
        found += self._sessions(text, places, orgs)
        scopes = [(m.start(), m.end()) for m in self.event_scope.finditer(text)]
        scopes += [(f.start, f.end) for f in places if f.length >= 3]
        # A year names its meeting too (2024年度新乡贤工作推进会), when the topic is no clause.
        years = [(f.start, f.end) for f in dates if text[f.end - 1] in "年度"]
        for start, end in scopes + years:
            match = self.event_suffix.match(text, end)
            if match and not self._filler_blocked(match.group()) and \
                    not any(w in match.group() for w in ("召开", "举办", "参加", "出席")) and \
                    ((start, end) not in years or self._year_names_topic(match.group("topic"))):
                found.append(Found(start, match.end(), "EVENT"))
        return found

    def _year_names_topic(self, topic: str) -> bool:
        """Whether a year leads a meeting's own name (2024年度新乡贤工作推进会), not just dates a
        meeting named without it (1990年|七届全国人大三次会议, 2024年|全县…会议)."""
        return topic[0] not in _CN_DIGIT + "第" and self.event_scope.match(topic) is None and \
            not any(ch in self.filler_blockers or ch in "届次" for ch in topic) and not self._has_clause_verb(topic)

    def _sessions(self, text: str, places: list[Found], orgs: list[Found]) -> list[Found]:
        """Numbered meetings: after a body (县政协十届三次会议), a place or level word
        (县第十五次党代会), or at a boundary when the topic names something (第五次全国…表彰大会)."""
        anchors = {f.end: f.start for f in orgs}
        anchors.update({f.end: f.start for f in places if f.length >= 3})
        found = []
        for match in self.session.finditer(text):
            topic = match.group("topic")
            if topic and (self._filler_blocked(topic) or self._has_clause_verb(topic)):
                continue
            at = match.start()
            start = anchors.get(at, self.level_before(text, at))
            if start is None and self.boundary_before(text, at) and \
                    len(topic.strip(_CN_DIGIT + "第届次中")) >= 2:
                start = at
            if start is not None:
                found.append(Found(start, match.end(), "EVENT"))
        return found

    # -- documents, dates, persons ------------------------------------------------------------
    @staticmethod
    def titles(text: str) -> list[Found]:
        return [Found(m.start(), m.end(), "DOC") for m in _TITLE.finditer(text)]

    @staticmethod
    def dates(text: str) -> list[Found]:
        found = []
        for match in _DATE.finditer(text):
            month = None
            if match.group("y1"):
                year = parse_year(match.group("y1"))
                if year is None:
                    continue
                if match.group("y2"):
                    normalized = f"{year}/{parse_year(match.group('y2'))}"
                else:
                    # A part of a month stays that month; a year's start or end is its month.
                    month = match.group("m") or _YEAR_PART_MONTH.get(match.group("year_part") or "")
                    normalized = _iso(year, month, match.group("d"))
            else:
                month = match.group("m2")
                normalized = _iso(None, month, match.group("d2"))
            # 13月 is no date at all; 5月32日 is a date written wrong: kept, with no normal form.
            if month is not None and _month(month) is None:
                continue
            found.append(Found(match.start(), match.end(), "DATE", normalized=normalized))
        return found

    def persons(self, text: str) -> list[Found]:
        names = {m.group() for m in self.leaders.finditer(text)}
        for match in self.person_cue.finditer(text):
            name = self._name_at(text, match.end())
            if name:
                names.add(name)
        for cue, needs_boundary in ((self.person_after, False), (self.person_title_after, True)):
            for match in cue.finditer(text):
                name = self._name_ending_at(text, match.start(), needs_boundary=needs_boundary)
                if name:
                    names.add(name)
        # 赵先生, 王女士: a surname alone with an honorific, right after a boundary, names a person.
        for match in self.honorific.finditer(text):
            at = match.start()
            if at >= 1 and text[at - 1] in self.surnames and \
                    (at == 1 or not is_cjk(text[at - 2]) or text[at - 2] in self.function_chars):
                names.add(text[at - 1:match.end()])
        found = {(m.start(), m.end()) for name in names for m in re.finditer(re.escape(name), text)}
        return [Found(start, end, "PERSON") for start, end in self._listed_with(text, found)]

    def _name_ending_at(self, text: str, end: int, *, needs_boundary: bool) -> str | None:
        """A 3- or 2-character name ending at `end`; with `needs_boundary`, only one that starts
        after punctuation or a function character (so 常务副|主任 gives no name)."""
        for size in (3, 2):
            start = end - size
            name = self._name_at(text, start)
            if name and len(name) == size:
                before = text[start - 1] if start > 0 else ""
                if not needs_boundary or not before or not is_cjk(before) or before in self.function_chars:
                    return name
                return None
        return None

    def _listed_with(self, text: str, found: set[tuple[int, int]]) -> set[tuple[int, int]]:
        """Names listed beside a found one with 、 (李明、王小红、赵强同志): a surname-led word
        between list marks is a name too."""
        closers = "、,。;:)等和与及"
        queue = list(found)
        while queue:
            start, end = queue.pop()
            candidates = []
            if text[end:end + 1] == "、":
                name = self._name_at(text, end + 1)
                if name and text[end + 1 + len(name):end + 2 + len(name)] in tuple(closers) + ("同",):
                    candidates.append((end + 1, end + 1 + len(name)))
            if start > 0 and text[start - 1] == "、":
                name = self._name_ending_at(text, start - 1, needs_boundary=True)
                if name:
                    candidates.append((start - 1 - len(name), start - 1))
            for span in candidates:
                if span not in found:
                    found.add(span)
                    queue.append(span)
        return found

    def _name_at(self, text: str, at: int) -> str | None:
        if at < 0:
            return None
        surname = next((s for s in self.compound_surnames if text.startswith(s, at)), None)
        surname = surname or (text[at] if at < len(text) and text[at] in self.surnames else None)
        if surname is None:
            return None
        given_at = at + len(surname)
        size = 0
        while size < 2 and given_at + size < len(text):
            ch = text[given_at + size]
            if not is_cjk(ch) or ch in self.function_chars or \
                    (size == 1 and text.startswith(self.name_stops, given_at + size)):
                break
            size += 1
        if size == 0 or (size == 1 and text.startswith(self.name_stops, given_at)):
            return None
        name = text[at:given_at + size]
        blocked = name[-1] in "会部委局处办厅院所站队团组班" or any(ch in self.not_given_chars for ch in name[1:])
        return None if blocked else name

    # -- the whole ----------------------------------------------------------------------------
    def find(self, text: str, word_starts: frozenset[int] | None = None) -> Findings:
        """Every name in `text`; `word_starts`, where the words of a segmented text start (jieba
        tokens), lets towns and villages be found without a confirming context."""
        places, levels = self.places(text, word_starts)
        orgs = self.organisations(text, places)
        dates = self.dates(text)
        proposals = places + orgs + self.venues(text, places, orgs) + self.events(text, places, orgs, dates) + \
            self.titles(text) + dates + self.persons(text)
        chosen = resolve(text, proposals, self.function_chars, self.country_names)
        region = self._region(text, places)
        return Findings(tuple(self._canonical(text, f, levels, region) for f in chosen), region)

    def _canonical(self, text: str, found: Found, levels: dict[str, str], region: str | None) -> Found:
        """`区委统战部` in a report on 湘东区 -> `湘东区委统战部`; names with their own place stay.
        A county-level word resolves only to the report's own region, and only to a place of
        its level (区 never to a 县 or an 自治区)."""
        if found.label not in ("ORG", "FAC", "EVENT"):
            return found
        surface = text[found.start:found.end]
        level = next((word for word in self.relative_levels if surface.startswith(word)), None)
        # 省级, 县级: an adjective of rank (省级区域医疗中心), not this report's own province.
        if level is None or surface[len(level):len(level) + 1] == "级":
            return found
        rest = surface[len(level):]
        places = [levels[suffix] for suffix in self.relative_levels[level] if suffix in levels]
        if level in self.county_levels:
            places = [place for place in places if place == region]
        if places and (rest.startswith(self.committee_words) or found.label != "EVENT"):
            return replace(found, canonical=places[0] + rest)
        return found


def _month(written: str | None) -> int | None:
    """The month `written` names, 1 to 12; None for none or one the calendar lacks (13月)."""
    value = parse_numeral(written) if written else None
    return value if isinstance(value, int) and 1 <= value <= 12 else None


def _iso(year: int | None, month: str | None, day: str | None) -> str | None:
    """`2023-05-04`, `2023-05`, `2023`, or `--05-04` for a day of no stated year; None when the
    day does not exist (5月32日, 2023年2月29日) or the month is missing or impossible."""
    if month is None:
        return f"{year:04d}" if year else None
    month_value = _month(month)
    if month_value is None:
        return None
    head = f"{year:04d}-{month_value:02d}" if year else f"--{month_value:02d}"
    if day is None:
        return head if year else None
    day_value = parse_numeral(day)
    # A day of no stated year may be 29 February: a leap year stands in for the unknown one.
    last_day = calendar.monthrange(year or 2000, month_value)[1]
    if not isinstance(day_value, int) or not 1 <= day_value <= last_day:
        return None
    return f"{head}-{day_value:02d}"


def resolve(text: str, proposals: Iterable[Found], function_chars: frozenset[str],
            whole_places: frozenset[str] = frozenset()) -> list[Found]:
    """Longest proposals win; names nested in a longer one of another label are kept too.
    `whole_places` are places named in full without a level word (美国, 香港)."""
    ordered = sorted({f for f in proposals if f.length > 0 and text[f.start] not in function_chars},
                     key=lambda f: (-f.length, _LABEL_RANK[f.label], f.start))
    taken = bytearray(len(text) + 1)
    top: list[Found] = []
    rest: list[Found] = []
    for found in ordered:
        if any(taken[found.start:found.end]):
            rest.append(found)
            continue
        top.append(found)
        taken[found.start:found.end] = b"\x01" * found.length
    nested: list[Found] = []
    for found in rest:
        if found.label not in _NESTABLE:
            continue
        host = next((t for t in top if t.start <= found.start and found.end <= t.end), None)
        if host is None or host.label in (found.label, "DOC"):
            continue
        # A short place name inside a longer name is part of that name (桐江|青石铺…有限公司).
        if found.label == "GPE" and text[found.end - 1] not in "省市区县州旗盟镇乡村街道" and \
                text[found.start:found.end] not in whole_places:
            continue
        if any(n.start < found.end and found.start < n.end and n.label == found.label for n in nested):
            continue
        nested.append(found)
    return sorted(top + nested, key=lambda f: (f.start, -f.length))


def make_stage() -> Callable[[Draft], None]:
    from ..spacy_components import ENTITY_SPANS, entity_pipeline, doc_from_tokens

    nlp = entity_pipeline()
    component = nlp.get_pipe(nlp.pipe_names[0])

    def run(draft: Draft) -> None:
        # The rules read the folded text; the Doc, of the text as written, is then built once, its
        # tokens already cut where names begin and end, instead of split token by token afterwards.
        findings = component.rules.find(draft.folded, frozenset(token.start for token in draft.tokens))
        cuts = [offset for found in findings.entities for offset in (found.start, found.end)]
        doc = component.annotate(doc_from_tokens(nlp.vocab, draft.text, draft.tokens, cuts), findings)
        draft.shared["spacy_doc"] = doc
        text = draft.text
        entities = []
        for span in doc.spans[ENTITY_SPANS]:
            sentence = draft.sentence_at(span.start_char)
            entities.append(Entity(text[span.start_char:span.end_char], span.start_char, span.end_char,
                                   span.label_, span._.canonical, span._.normalized,
                                   sentence.id if sentence else None))
        draft.entities = entities
        draft.meta = replace(draft.meta, region=doc._.report_miner_region)

    return on_matching_view(run, "entities")
