"""Places found by their shape and context rather than by the gazetteer's divisions: unknown
counties confirmed by their context, towns, streets and villages by their suffix, and the
townships of the counties a report names."""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import accumulate
from typing import TYPE_CHECKING

from ...textnorm import is_cjk
from .common import END, SPAN, START, Found, LongestWords, Positions, each_start, occurrences, proposal
from .gazetteer import TOWNSHIP_SUFFIXES, Gazetteer, township_short_name

# What EntityRules mixes this with, shown to the type checker only (see rules.py).
if TYPE_CHECKING:
    from .base import RuleBase as _Mixed
else:
    _Mixed = object


def _ends_of(text: str, names: set[str]) -> frozenset[int]:
    """Where the occurrences of `names` in `text` end."""
    return frozenset(at + len(name) for name in names for at in occurrences(text, name))


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


class TownRules(_Mixed):
    """Mixin of `EntityRules`: unknown counties, towns, streets, villages and townships."""

    @lru_cache(maxsize=4096)
    def town_stem(self, stem: str, suffix: str) -> bool | None:
        """Whether `stem + suffix` may name a town: True, False, or None when only a confirming
        context makes it one (a stem of numerals only: 八一村). Numerals may lead a stem (三江镇,
        六合瑶族乡) but not make it a rating (十佳村). What follows them must be a clean stem
        whose name, and whose name's last characters, are no common word (`_no_common_word`).
        The verdict depends on the stem and the suffix alone, and is kept for the last few
        thousand: a report names its towns and villages again and again, and both the context
        rules and the word-shape rules ask of each (the bundled batch pass: 70 asks, 39 stems)."""
        rest = stem.lstrip(self.numeral_string)
        if rest == stem:
            return self.clean_stem(stem) and self._no_common_word(stem, suffix, confirmed=False)
        if rest and (rest[0] in self.numeral_stem_blockers or not self.clean_stem(rest) or
                     not self._no_common_word(rest, suffix, confirmed=False)):
            return False
        if stem + suffix in self.not_places:
            return False
        return True if rest else None

    def _no_common_word(self, stem: str, suffix: str, *, confirmed: bool) -> bool:
        """Whether the name a clean stem makes with its suffix is no common word; unless the
        context already confirms a place, its last characters must be none either (偏远山区 has
        no place 远山区). The suffix alone is no such tail: 社区 is a common word, 翠湖社区 a place."""
        name = stem + suffix
        if confirmed:
            return name not in self.not_places
        # A plain loop: a generator for `any` cost more than the few lookups of a short stem.
        not_places = self.not_places
        for cut in range(len(stem)):
            if name[cut:] in not_places:
                return False
        return True

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

    def _unknown_counties(self, text: str, suffixes: Sequence[tuple[int, int]], known: list[Found]) -> list[Found]:
        names: set[str] = set()
        confirmed_names: set[str] = set()
        inside_known = _Covering(map(SPAN, known))
        below_cjk, blockers = self.below_cjk, self.stem_blockers
        for at, end in suffixes:
            start = end - 3
            # The stem first: most suffixes have none before them (全县, 本市, 城区), which its last
            # character tells most often: compared, before the call that tests the whole stem.
            before = text[at - 1:at]
            if before < below_cjk or before in blockers:
                continue
            stem = text[start:end - 1]
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
        # A stem of either size ends with the character before the suffix: after one that ends no
        # stem (全镇, 、村) a suffix names nothing, which a comparison tells before any call.
        below_cjk, end_blockers = self.below_cjk, self.town_stem_end_blockers
        suffixes = [(at, text[at:end]) for at, end in town_suffixes
                    if (before := text[at - 1:at]) >= below_cjk and before not in end_blockers]
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
                stem = text[start:at]
                stem_ok = self.town_stem(stem, suffix)
                if stem_ok is False:
                    continue
                end = at + len(suffix)
                # The place ends first: a lookup, where the others cut the text.
                confirmed = start in ends or (start - 1 in ends and text[start - 1] == "、") or \
                    text.startswith(self.town_confirmers, end) or \
                    text[max(0, start - 2):start].endswith(self.place_lead_ins)
                anchored = suffix in self.p["strong_town_suffixes"] or stem in short_places
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
        # Every position read here lies in the text (a suffix's end at most at its end).
        starts = word_starts.marks
        for at, suffix in suffixes:
            end = at + len(suffix)
            # A word ends where the next starts, or at the end of the text.
            if (not starts[end] and end != len(text)) or end in place_ends or not self.is_suffix(text, end - 1):
                continue
            for size in (3, 2):
                start = at - size
                if start < 0 or not starts[start] or \
                        (size == 3 and (starts[start + 1] or text[start:start + 2] in self.boundary_words)):
                    continue
                stem = text[start:at]
                # 移民|建|镇, 送电|到|乡: a verb standing alone before the suffix acts on the place.
                lone_verb = starts[at - 1] and text[at - 1] in self.lone_verb_chars
                if self.town_stem(stem, suffix) and not lone_verb and \
                        stem[0] not in self.lone_verb_chars:
                    names.add(stem + suffix)
                    break
        return names
