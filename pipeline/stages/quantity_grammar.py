"""Quantities, part four: the unit table and the markers (`pipeline/data/units.tsv`,
`units.markers.json`), the one grammar every quantity matches, and the traps: set phrases and
number-shaped names (`统一`, `三严三实`) that cover a number without its being a quantity. The
entry point is `quantities.py`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..data import data_lines, read_json
from ..numerals import DIGIT_CHARS


@dataclass(frozen=True, slots=True)
class Unit:
    base: str
    multiplier: int
    kind: str


@dataclass(frozen=True)
class Tables:
    """The unit table and the markers, loaded once from `pipeline/data`."""

    units: dict[str, Unit]
    markers: dict

    @property
    def context(self) -> dict:
        return self.markers["context"]


@lru_cache(maxsize=1)
def tables() -> Tables:
    units = {}
    for line in data_lines("units.tsv"):
        surface, base, multiplier, kind = line.split("\t")
        units[surface] = Unit(base, int(multiplier), kind)
    return Tables(units, read_json("units.markers.json"))


def words_of(book: dict | list) -> list[str]:
    """A marker list's or book's words, without its `_comment` entries."""
    return [word for word in book if not word.startswith("_")]


def alternation(words, *, inside: bool = False) -> str:
    """A regex alternation trying longer words first, so `超过` wins over `超`; words sharing a
    first character are one branch (`个(?:百分点|月|)`), so that a position is turned away by
    one test per first character rather than one per word (the unit table has 80 words).

    `inside`: the alternation does not open its pattern, so the words of one character that begin
    no other word are one character class, tried first (one test, where each was a branch of
    its own). A pattern opening with a plain alternation is left so: `re` skips to where one of
    its words may start, which a class among its branches would hide from it."""
    by_first: dict[str, list[str]] = {}
    for word in sorted(words_of(words), key=len, reverse=True):
        by_first.setdefault(word[0], []).append(word)
    singles = {first for first, group in by_first.items() if group == [first]} if inside else set()
    if len(singles) < 2:
        singles = set()
    branches = [f"[{re.escape(''.join(sorted(singles)))}]"] if singles else []
    for first, group in by_first.items():
        if first in singles:
            continue
        branches.append(re.escape(group[0]) if len(group) == 1
                        else re.escape(first) + "(?:" + "|".join(re.escape(word[1:]) for word in group) + ")")
    return "|".join(branches)


def optional(pattern: str) -> str:
    """`pattern`, or nothing, as `(?:pattern)?` would match it, written as an alternation with an
    empty branch: `re` enters a repeat holding a group by allocating a repeat context and saving
    every group's mark, which an alternation outside any repeat does not (a repeat there made
    the grammar's eight optional groups most of its cost)."""
    return f"(?:{pattern}|)"


@lru_cache(maxsize=1)
def grammar() -> re.Pattern[str]:
    """The one pattern every quantity's number matches, from its first numeral on (a marker
    before it is `markers_before()`'s); group names are read by `_candidate`. The first character
    is the number's, tested by one character class with nothing before it, so that `re` skips the
    text between numbers in compiled code (it tried a lookahead, and the shapes' marker before,
    at every character: 5.0 against 3.5 M instructions a bundled pass)."""
    markers = tables().markers
    digits = DIGIT_CHARS
    # 千 before 克/米/瓦 belongs to the unit (千克), not to the number.
    numeral = rf"[0-9{digits}十百万]|千(?![克米瓦])"
    start = f"(?:{numeral})"
    # The branches of `inside` must never match the same character (万 is in `start` only), or a
    # run of them has exponentially many readings to backtrack through (`会议召开万万万…次`). The
    # numeral's own branches are among them rather than nested: one alternation a character.
    inside = rf"(?:{numeral}|,(?=[0-9]{{3}}(?![0-9]))|\.(?=[0-9])|亿|点(?=[{digits}])|[余多](?=[万亿]))"
    # Possessive (`*+`): everything after a number is optional, so the match never needs to give
    # back a character of it, and `re` then keeps no backtracking point per character. A greedy
    # `*` kept one, and on a long run of numerals the stack of them outgrew the caches: the stage
    # took 34 ms for 100,000 numerals against 1.6 ms for 10,000 (2.3 ms and 0.3 ms now).
    number = rf"{start}{inside}*+"
    stop = markers["share_not_followed_by"]["chars"]
    shares = "|".join(rf"{re.escape(word)}(?![{stop}])" for word in words_of(markers["shares"]))
    unit = rf"(?:{alternation(tables().units, inside=True)}|{shares})"
    inside_marks = alternation(markers["approx_inside"])
    after = alternation(markers["approx_after"])
    separators = markers["range_separators"]["separators"]
    separator = alternation(separators)
    # A range's separator stands within a unit's length of the number: where none does, the unit
    # before it is not sought (the unit table's alternation was tried twice a number).
    separator_firsts = re.escape("".join(sorted({word[0] for word in words_of(separators)})))
    longest_unit = max(map(len, [*tables().units, *words_of(markers["shares"])]))
    range_ahead = rf"(?=[^{separator_firsts}]{{0,{longest_unit}}}[{separator_firsts}])"
    # The first numeral is read once for the three shapes: 百 opens 百分之 (a percent), and any
    # numeral the first number (`low_rest` is the rest of it), its fraction or its unit.
    percent_words = (rf"(?<=百)分之(?P<percent>{number})"
                     + optional(rf"(?P<sep_p>{separator})(?:百分之)?(?P<percent_high>{number})")
                     + optional(rf"(?P<post_p>{after})"))
    fraction_tail = rf"分之(?P<numerator>{number})" + optional(rf"(?P<post_f>{after})")
    general_tail = (optional(rf"(?P<rough>{inside_marks})")
                    + optional(range_ahead + optional(rf"(?P<low_unit>{unit})")
                               + rf"(?P<sep>{separator})(?P<high>{number})"
                               + optional(rf"(?P<rough_high>{inside_marks})"))
                    + "".join(optional(rf"(?P<{name}>{body})") for name, body in (
                        ("unit", unit), ("half", "半"), ("more", inside_marks), ("post", after))))
    return re.compile(rf"[0-9{digits}十百千万](?!(?<=千)[克米瓦])"
                      rf"(?:{percent_words}|(?P<low_rest>{inside}*+)(?:{fraction_tail}|{general_tail}))")


@dataclass(frozen=True)
class MarkersBefore:
    """The approximation markers before a number (`超过`, `近`, `上`), found ending where the
    number starts: the grammar leaves them out so that its first character is the number's."""

    words: frozenset[str]
    #: The last characters of the words: most numbers follow none of them.
    last_chars: frozenset[str]
    longest: int
    #: word -> the characters it must not follow (签约 is no 约: `approx_before_not_after`).
    not_after: dict[str, str]
    #: word -> the characters one of which must follow it (上 before 百, 千, 万).
    only_before: dict[str, str]

    def ending_at(self, folded: str, end: int, floor: int) -> int:
        """Where the marker that ends at `end` (where a number starts) begins, or `end` for none;
        it begins at `floor` or after (the end of the match before), and the longest is taken,
        as a scan of the text from `floor` on would meet it first."""
        first = end - self.longest
        for start in range(first if first > floor else floor, end):
            word = folded[start:end]
            if word not in self.words or (start and folded[start - 1] in self.not_after.get(word, "")):
                continue
            heads = self.only_before.get(word)
            if heads is None or folded[end] in heads:
                return start
        return end


@lru_cache(maxsize=1)
def markers_before() -> MarkersBefore:
    markers = tables().markers
    words = words_of(markers["approx_before"])
    not_after, only_before = markers["approx_before_not_after"], markers["approx_before_only_before"]
    return MarkersBefore(frozenset(words), frozenset(word[-1] for word in words),
                         max(map(len, words)), {word: not_after[word] for word in words_of(not_after)},
                         {word: only_before[word] for word in words_of(only_before)})


@lru_cache(maxsize=1)
def trap_pattern() -> re.Pattern[str]:
    markers = tables().markers
    words = words_of(markers["trap_words"]["words"])
    patterns = markers["trap_patterns"]
    # Testing the first character before the words and patterns spares the engine trying each
    # of them at every position of the window (most of `_in_trap`'s time before).
    first = re.escape("".join(sorted({word[0] for word in words}))) + patterns["first_chars"]
    alternatives = [f"(?:{alternation(words)})"] + [f"(?:{p})" for p in patterns["patterns"]]
    return re.compile(f"(?=[{first}])(?:{'|'.join(alternatives)})")


@lru_cache(maxsize=1)
def trap_clues() -> re.Pattern[str]:
    """What a text holding a trap holds: the first two characters of a trap word or a text the
    patterns require, or a character they require. One character class opens the pattern, so
    that `re` skips to where a clue may start in compiled code (0.5 us a window), where the
    traps' own pattern is tried at every position (1-2 us), and few windows hold a clue; each
    text's first character is then told by a lookbehind and the rest by a lookahead, one search
    for all (two, one for the texts and one for the characters, cost 0.7 M instructions more
    over the bundled reports)."""
    markers = tables().markers
    patterns = markers["trap_patterns"]
    texts = {word[:2] for word in words_of(markers["trap_words"]["words"])} | set(patterns["required_texts"])
    rests: dict[str, list[str]] = {}
    for text in sorted(texts):
        rests.setdefault(text[0], []).append(text[1:])
    chars = patterns["required_chars"]
    branches = [f"(?<={re.escape(first)})(?=" + "|".join(map(re.escape, rest)) + ")"
                for first, rest in rests.items()]
    return re.compile(f"[{chars}{re.escape(''.join(rests))}](?:(?<=[{chars}])|{'|'.join(branches)})")


@lru_cache(maxsize=1)
def trap_reach() -> int:
    """How far from a quantity a trap may start and still cover it."""
    return max(len(word) for word in tables().markers["trap_words"]["words"]) + 8


def in_trap(folded: str, start: int, end: int, traps: re.Pattern[str], reach: int,
            clues: re.Pattern[str]) -> bool:
    """Whether a set phrase or number-shaped name covers `[start, end)`; searched in a window
    around each quantity: a scan of the whole text costs more on long reports (28 against 20 ms
    over the 72 government work reports). `clues`: `trap_clues()`."""
    left = start - reach if start > reach else 0
    if clues.search(folded, left, end + reach) is None:
        return False  # 203 of the bundled reports' 206 windows
    window = folded[left:end + reach]
    # Searched match by match (no trap is empty): most windows hold none, and one search that
    # finds nothing costs less than an iterator's making.
    trap = traps.search(window)
    while trap is not None:
        if trap.start() + left >= end:
            return False  # the traps come in order: the rest lie after the quantity too
        if trap.end() + left > start:
            return True
        trap = traps.search(window, trap.end())
    return False
