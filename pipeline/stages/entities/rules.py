"""The whole: every kind's rules over one text, overlapping proposals resolved, relative names
(区委统战部) given their canonical place."""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from functools import lru_cache

from .base import RuleBase
from .common import END, START, Findings, Found, word_positions
from .dates import dates, titles
from .events import EventRules
from .lists import ListRules
from .organisations import OrganisationRules
from .people import PersonRules
from .gazetteer import Gazetteer
from .places import PlaceRules
from .towns import TownRules
from .venues import VenueRules

#: Label preference when two proposals cover exactly the same characters.
_LABEL_RANK = {"ORG": 0, "FAC": 1, "EVENT": 2, "DOC": 3, "GPE": 4, "PERSON": 5, "DATE": 6}
#: Labels of the names `_canonical` may give a place (区委统战部 -> 湘东区委统战部), besides places of the gazetteer.
_RENAMED = frozenset({"ORG", "FAC", "EVENT"})
#: Labels kept when nested in a longer name of another label (松柏县委…领导小组 inside a meeting).
_NESTABLE = frozenset({"GPE", "ORG"})


# The mixins read RuleBase's data and each other's rules. The type checker sees them as subclasses
# of what they read (at run time they are plain classes, so that no mixin depends on another's
# module), so each comes before what it reads; no two of them define the same name.
class EntityRules(PlaceRules, TownRules, VenueRules, EventRules, ListRules, OrganisationRules, PersonRules, RuleBase):
    """All entity rules, loaded once; `find(text)` is the per-document entry point."""

    def find(self, text: str, word_starts: Iterable[int] | None = None) -> Findings:
        """Every name in `text`; `word_starts`, where the words of a segmented text start (jieba
        tokens), lets towns and villages be found without a confirming context."""
        starts, bounds = word_positions(text, word_starts)
        words = self.word_families.find(text)
        places, levels, region = self.places(text, words, starts, bounds)
        orgs = self.organisations(text, words, places, bounds)
        found_dates = dates(text)
        proposals = places + orgs + self.venues(text, words, places, orgs) + \
            self.events(text, words, places, orgs, found_dates) + titles(text) + found_dates + \
            self.persons(text, words, bounds) + self.listed(text, places, words["division_short_names"], bounds) + self.bracketed(text)
        # No name starts with a function character, unless a body's name starts with a word that
        # holds one (对台办; but 和顺 in 和顺利 names no place).
        proposals = [f for f in proposals if f.end > f.start and (
            text[f.start] not in self.function_chars or
            (f.label in ("ORG", "FAC") and self.function_char_words.match(text, f.start)))]
        chosen = resolve(text, proposals, self.country_names)
        level_places = self._level_places(levels, region)
        # Only a body, a venue, a meeting or a place of the gazetteer is renamed: the others are not
        # handed to `_canonical` at all (a call for each of a report's dates, people and titles).
        return Findings(tuple([self._canonical(text, f, level_places) if f.code is not None or f.label in _RENAMED else f
                               for f in chosen]), region)

    def _level_places(self, levels: dict[str, str], region: str | None) -> dict[str, str]:
        """Relative level word -> the report's place it stands for (区 -> 湘东区), where there is
        one: of the word's level, and, for a county-level word, only the report's own region."""
        # Read from the report's few levels, not from every relative level word: for each word,
        # the place of its first suffix (in `relative_levels`) that the report has.
        places: dict[str, str] = {}
        ranks: dict[str, int] = {}
        for suffix, place in levels.items():
            for level, rank in self.relative_levels_by_suffix.get(suffix, ()):
                if (level not in self.county_levels or place == region) and rank < ranks.get(level, rank + 1):
                    places[level] = place
                    ranks[level] = rank
        return places

    def _canonical(self, text: str, found: Found, level_places: dict[str, str]) -> Found:
        """`区委统战部` in a report on 湘东区 -> `湘东区委统战部`; names with their own place stay.
        `level_places` are `_level_places` of the report."""
        label = found.label
        if label == "GPE":
            return found if found.code is None else self._place_canonical(text[found.start:found.end], found)
        if label not in _RENAMED:
            return found
        surface = text[found.start:found.end]
        if label == "ORG" and surface in self.party_names:
            return found.with_canonical(self.party_names[surface])
        # No level word starts another (自治区, 区), so at most one starts the name, and the report's
        # level places are looked up at once (the keys are level words).
        for size in self.relative_level_sizes:
            level = surface[:size]
            if level in level_places:
                break
        else:
            return found
        rest = surface[size:]
        # 省级, 县级: an adjective of rank (省级区域医疗中心), not this report's own province.
        if rest[:1] == "级":
            return found
        if rest.startswith(self.committee_words) or label != "EVENT":
            return found.with_canonical(level_places[level] + rest)
        return found


    def _place_canonical(self, surface: str, found: Found) -> Found:
        """A place of the gazetteer under its full name and parents (萧山 -> 杭州市萧山区; a
        township under its county: 东溪 -> 广元市苍溪县东溪镇)."""
        assert found.code is not None
        county = self.gazetteer.canonical(found.code)
        if found.level != "township":
            return found.with_canonical(county, Gazetteer.level(found.code))
        return found.with_canonical(county + self.gazetteer.township_named(found.code, surface))


@lru_cache(maxsize=1)
def entity_rules() -> EntityRules:
    """The process's rules, loaded once, for the stage and the spaCy component alike."""
    return EntityRules()


def resolve(text: str, proposals: Iterable[Found], whole_places: frozenset[str] = frozenset()) -> list[Found]:
    """Longest proposals win; names nested in a longer one of another label are kept too.
    `whole_places` are places named in full without a level word (美国, 香港)."""
    # Longest first, then by label, by start, a place of the gazetteer before the same span without
    # a code, and ties in the set's order (the index): each proposal's key and span unpacked in one
    # comprehension, where a key function called for each and its fields read by name cost more.
    ordered = sorted([(start - end, _LABEL_RANK[label], start, code is None, index, end, found)
                      for index, found in enumerate(set(proposals)) for start, end, label, _, _, code, _ in (found,)])
    taken = bytearray(len(text) + 1)
    top: list[Found] = []
    rest: list[Found] = []
    for _, _, start, _, _, end, found in ordered:
        # Each proposal taken is at least as long as this one, so one that overlaps it and holds
        # neither its first nor its last character would lie inside it, shorter: those two
        # characters tell, read without cutting the marks (a slice costs some thousand instructions).
        if end > start and (taken[start] or taken[end - 1]):
            rest.append(found)
            continue
        top.append(found)
        taken[start:end] = b"\x01" * (end - start)
    # The proposals taken do not overlap: the one that may hold a name left over is the last to
    # start at or before it (an empty one holds none).
    top_by_start = sorted([f for f in top if f.end > f.start], key=START)
    top_starts = list(map(START, top_by_start))
    nested: list[Found] = []
    for found in rest:
        if found.label not in _NESTABLE:
            continue
        last = bisect_right(top_starts, found.start) - 1
        host = top_by_start[last] if last >= 0 and found.end <= top_by_start[last].end else None
        if host is None or host.label in (found.label, "DOC"):
            continue
        # A short place name inside a longer name is part of that name (桐江|青石铺…有限公司).
        if found.label == "GPE" and text[found.end - 1] not in "省市区县州旗盟镇乡村街道" and \
                text[found.start:found.end] not in whole_places:
            continue
        if any(n.start < found.end and found.start < n.end and n.label == found.label for n in nested):
            continue
        nested.append(found)
    # By start, the longest first: two sorts on a field each, in compiled code (both stable).
    chosen = sorted(top + nested, key=END, reverse=True)
    chosen.sort(key=START)
    return chosen
