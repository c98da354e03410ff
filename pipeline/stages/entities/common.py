"""What every entity rule shares: the proposal record, the patterns file, trie-compiled
alternations, the word families that find thousands of names in one pass, and word positions."""
from __future__ import annotations

import re
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import NamedTuple

import numpy
from ahocorasick_rs import AhoCorasick, Implementation, MatchKind

from ...data import read_json
from ...numerals import DIGIT_CHARS
from ...records import new_tuple
from ...textnorm import END, START, WHITE_SPACE, code_point_view

#: Chinese numerals below a hundred: months, days, congresses and plenums (十二月, 二十大).
CN_DIGIT = DIGIT_CHARS + "十"
NUM = rf"(?:\d{{1,2}}|[{CN_DIGIT}]{{1,3}})"
#: A quoted name: “…” with no line break, of a length a name can have.
QUOTED = re.compile(r"“([^“”\n]{1,60})”")


#: A span's `(start, end)` and `(end, start)`: `set(map(SPAN, found))` and `dict(map(END_START, found))`
#: read every proposal's fields in compiled code, where a comprehension reads each by name.
SPAN, END_START = itemgetter(0, 1), itemgetter(1, 0)


class Found(NamedTuple):
    """One proposed name: character offsets into the text it was found in (its first two fields,
    as `START` and `END` read them). A named tuple, not a frozen dataclass: a report's hundreds
    of proposals are made, hashed (`resolve`) and compared in compiled code."""

    start: int
    end: int
    label: str
    canonical: str | None = None
    normalized: str | None = None
    #: For a place of the gazetteer: its administrative code (of its county, for a township) and level.
    code: str | None = None
    level: str | None = None

    def with_canonical(self, canonical: str, level: str | None = None) -> Found:
        """This proposal under its canonical name (and its level, where one is given)."""
        return proposal(self.start, self.end, self.label, canonical, self.normalized, self.code, level or self.level)


def proposal(start: int, end: int, label: str, canonical: str | None = None, normalized: str | None = None,
             code: str | None = None, level: str | None = None) -> Found:
    """`Found(start, end, label, …)`, made by `tuple.__new__`: calling the named tuple's class runs
    its `__new__`, a Python function, behind the type's call (measured: 0.3 us more a proposal,
    and a bundled pass makes some 360)."""
    return new_tuple(Found, (start, end, label, canonical, normalized, code, level))


@dataclass(frozen=True)
class Findings:
    entities: tuple[Found, ...]
    region: str | None


class Positions:
    """Positions in a text (where its words start or end), read as a set is read (`at in
    positions`), kept as a byte per position: made from an integer array at numpy's speed
    (`word_positions`), without an int object and a hash entry for each of a long report's words."""

    __slots__ = ("marks", "_size")

    def __init__(self, marks: numpy.ndarray) -> None:
        """`marks`: a byte for each position of the text and its end, 1 where a position is."""
        #: 1 or 0 for each position from 0 to the text's end: a loop over many positions known to
        #: lie there reads `marks[at]`, without the Python call that `in` makes for each.
        self.marks = marks.tobytes()
        self._size = len(marks) - 1

    def __contains__(self, at: int) -> bool:
        return 0 <= at <= self._size and self.marks[at] == 1

    def any_within(self, start: int, end: int) -> bool:
        """Whether any position lies in `start:end`."""
        return self.marks.find(1, max(0, start), end) >= 0


def word_positions(text: str, word_starts: Iterable[int] | None) -> tuple[Positions | None, Positions | None]:
    """Where the words of a segmented text start, and where they start or end (a word also ends
    before white space, which is no token, and at the text's end); None for a text not segmented
    into words. Both from one array of marks: a few numpy calls cost more than their work here."""
    if word_starts is None:
        return None, None
    size = len(text)
    marks = numpy.zeros(size + 1, dtype=numpy.uint8)
    _mark(marks, word_starts)
    starts = Positions(marks)
    marks[:size] |= white_space_marks(text)
    marks[size] = 1
    return starts, Positions(marks)


def _mark(marks: numpy.ndarray, positions: Iterable[int] | numpy.ndarray) -> None:
    """Sets `marks` at `positions` (an integer array is read as it is, without an int object per
    position); positions outside `marks` are left out."""
    indexes = positions if isinstance(positions, numpy.ndarray) else \
        numpy.asarray(positions) if isinstance(positions, array) else numpy.fromiter(positions, numpy.intp)
    # Words start inside their text: one reduction tells, cheaper than selecting them all (read
    # unsigned, a negative position is past any end, so `max` alone tells; `min` too cost 1 us a text).
    if len(indexes) and indexes.view(f"u{indexes.itemsize}").max() >= len(marks):
        indexes = indexes[(indexes >= 0) & (indexes < len(marks))]
    marks.put(indexes, 1)  # faster than assigning through the index array (0.5 against 1.2 us)


def white_space_marks(text: str) -> numpy.ndarray:
    """1 for each character of `text` that is white space, else 0, read from its code points in
    compiled code (one gather, code points past the table clipped to its last entry)."""
    return WHITE_SPACE.take(code_point_view(text), mode="clip")


@lru_cache(maxsize=1)
def patterns() -> dict:
    return read_json("entity_patterns.json")


def skip_to(first_chars: str) -> str:
    """A lookahead for the start of a pattern that would otherwise open with an assertion, an
    optional part or a repetition: `re` then skips straight to a character that can start a match
    (`first_chars`, the body of a character class) instead of trying the whole pattern at every
    character, several times faster on a report. It must admit every first character the
    pattern admits."""
    return f"(?=[{first_chars}])"


def each_start(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """The match of `pattern` at every position where one starts, overlapping ones too: what a
    lookahead `(?=(…))` finds, but `re` skips to the pattern's first characters, which it cannot
    do for a pattern that opens with a lookahead (measured: three times faster on a report)."""
    at = 0
    while (match := pattern.search(text, at)) is not None:
        yield match
        at = match.start() + 1


def matches_holding(literal: str, pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)` for a pattern each match of which holds `literal`: a text without
    it is not scanned at all (`re` tries a pattern at nearly every character)."""
    return pattern.finditer(text) if literal in text else iter(())


def matches_before(pattern: re.Pattern[str], text: str, anchors: Iterable[int], lead: int,
                   lead_chars: frozenset[str] | None = None) -> Iterator[re.Match[str]]:
    """What `pattern.finditer(text)` finds, for a pattern each match of which holds one of the
    `anchors` (positions, in order) at most `lead` characters after its start: the pattern is
    tried only at those characters before each anchor (`re` would try it at nearly every
    character), the leftmost match first, the next after its end. `lead_chars`, where a match
    holds only decimal digits and these before its first anchor: it is tried only from where
    such a run of them before the anchor begins (2023年: from 2, not from the four before)."""
    at = 0
    for anchor in anchors:
        first = max(at, anchor - lead)
        if lead_chars is not None:
            start = anchor
            while start > first and ((before := text[start - 1]) in lead_chars or before.isdecimal()):
                start -= 1
            first = start
        for start in range(first, anchor):
            match = pattern.match(text, start)
            if match:
                yield match
                at = match.end()
                break


def after_numerals(text: str, marks: str, numerals: str) -> list[int]:
    """Where each of the characters `marks` stands right after a digit (`\\d`) or one of
    `numerals`, in order: found by `str.find`, where a pattern's lookbehind would be tried at
    every such mark character only after `re` had read every character to find them."""
    found = [at for mark in marks for at in occurrences(text, mark)]
    found.sort()
    return [at for at in found if at > 0 and ((before := text[at - 1]).isdecimal() or before in numerals)]


def occurrences(text: str, word: str) -> list[int]:
    """Where `word` (not empty) occurs in `text`, as `re.finditer` of it finds it (none overlapping
    the one before), by `str.find`: no pattern is escaped and looked up for each word. A list, not
    a generator: most words occur a few times, and resuming a generator for each cost more."""
    found = []
    at = text.find(word)
    while at >= 0:
        found.append(at)
        at = text.find(word, at + len(word))
    return found


def by_opening(openings: Iterable[str], pattern: str) -> tuple[re.Pattern[str], ...]:
    """`pattern` (with `{opening}` where it opens) compiled once for each of `openings`, literal
    texts, for `matches_by_opening`: `re` skips to a literal opening in compiled code, but to the
    first characters of an alternation or a class only by trying each character."""
    return tuple(re.compile(pattern.replace("{opening}", re.escape(opening))) for opening in openings)


def matches_by_opening(patterns: Iterable[re.Pattern[str]], text: str) -> list[re.Match[str]]:
    """What the alternation of the `patterns`' openings would find with `finditer`, in order, for
    patterns (`by_opening`) none of whose matches can overlap one of another's."""
    found = [match for pattern in patterns for match in pattern.finditer(text)]
    if len(found) > 1:  # most texts: none, and nothing to order
        found.sort(key=re.Match.start)
    return found


def alternation(words: Iterable[str]) -> str:
    """One regular expression for a list of literal words, factored as a trie (北京市|北海市 ->
    北(?:京市|海市)). It matches what a longest-first alternation matches, but `re` decides at
    each character instead of trying every word in turn: thousands of place names cost one pass."""
    trie: dict = {}
    for word in set(words):
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return trie_pattern(trie)


def trie_pattern(node: dict) -> str:
    branches = [re.escape(ch) + trie_pattern(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


def _indexable(words: Iterable[str]) -> list[str]:
    return sorted({word for word in words if len(word) >= 2})


#: Where each family of words occurs in a text: family -> `(start, end)` in order (`WordFamilies`).
WordSpans = dict[str, Sequence[tuple[int, int]]]


class WordFamilies:
    """Lists of literal words (families: the gazetteer's names, bodies, venue suffixes, titles…),
    all found in one pass of one automaton over a text (one pass instead of one per list), each
    read in one of three ways: as a longest-first alternation's `finditer` finds it (the leftmost,
    the longest there, then on after it); for the families named `at_each_start`, as `each_start`
    finds it (the longest at every position where one starts); for those named `every`, every
    occurrence (`grouped_by_start` gives them position by position)."""

    def __init__(self, families: dict[str, list[str]], *, at_each_start: Iterable[str] = (),
                 every: Iterable[str] = ()) -> None:
        owners: dict[str, tuple[str, ...]] = {}
        for family, words in families.items():
            for word in dict.fromkeys(words):
                owners[word] = (*owners.get(word, ()), family)
        words = sorted(owners)
        # A match is put with the others of its word's families (a few dozen sets), then handed
        # to each family: one step per match, whatever number of families its word is in.
        self._owner_sets = list(dict.fromkeys(owners.values()))
        set_index = {families: index for index, families in enumerate(self._owner_sets)}
        self._owner_set_of = [set_index[owners[word]] for word in words]
        #: Each family with no span, the empty tuple: copied for each text, which then makes a
        #: list only for the families it holds (a short report, few of the two dozen).
        self._no_spans: WordSpans = dict.fromkeys(families, ())
        self._at_each_start = frozenset(at_each_start)
        #: Families every span of which is kept: those read `every` way, and those of single
        #: characters (区, 县, 市), no two spans of which overlap.
        self._kept_whole = frozenset(every) | {family for family, words in families.items()
                                              if all(len(word) == 1 for word in words)}
        #: Families no word of which starts another: no two of their spans share a start, so a
        #: plain sort of the spans orders them, without the two sorts by a key that the others need.
        self._one_word_a_start = frozenset(family for family, words in families.items()
                                           if not _any_starts_another(words))
        # An NFA, not a DFA: for thousands of words the DFA is far larger, and in a pipeline the
        # other stages push it out of the processor's caches between texts. Measured inside the
        # pipeline (CPU): this search a fifth faster on the sample and the government reports alike,
        # though a third slower when run over and over on its own.
        self._automaton = AhoCorasick(words, implementation=Implementation.ContiguousNFA)

    def find(self, text: str) -> WordSpans:
        by_owners: defaultdict[int, list[tuple[int, int]]] = defaultdict(list)
        owner_set_of = self._owner_set_of
        for index, start, end in self._automaton.find_matches_as_indexes(text, overlapping=True):
            by_owners[owner_set_of[index]].append((start, end))
        spans_of: dict[str, list[tuple[int, int]]] = {}
        for owners, spans in by_owners.items():
            # A list of its own for each family: the spans are ordered and filtered family by family.
            for family in self._owner_sets[owners]:
                spans_of[family] = [*spans_of.get(family, ()), *spans]
        for family, spans in spans_of.items():
            if len(spans) < 2:
                continue  # most families: nothing to order or to drop
            # By start, the longest first at each (words starting together differ in length, so
            # this order is total: two stable sorts on a field each, in compiled code); then, unless
            # every one is kept, the first at each start and, but for the families read at each
            # start, none that overlaps the one kept before it.
            if family in self._one_word_a_start:
                spans.sort()
            else:
                spans.sort(key=END, reverse=True)
                spans.sort(key=START)
            if family in self._kept_whole:
                continue
            kept = []
            free_from = 0
            overlapping = family in self._at_each_start
            # Each span kept as it is, not unpacked and packed again (a tuple made for each).
            for span in spans:
                if span[0] >= free_from:
                    kept.append(span)
                    free_from = span[0] + 1 if overlapping else span[1]
            spans_of[family] = kept
        found = self._no_spans.copy()
        found.update(spans_of)
        return found


def _any_starts_another(words: Iterable[str]) -> bool:
    """Whether one of `words` starts another (街 of 街道): each is compared with the next in order,
    which a word starting another comes right before or before a word that it also starts."""
    ordered = sorted(set(words))
    return any(later.startswith(word) for word, later in zip(ordered, ordered[1:]))


def grouped_by_start(spans: Sequence[tuple[int, int]]) -> Iterator[tuple[int, list[int]]]:
    """Each position where spans start, with their ends, longest first, from spans in that order
    (a family read `every` way)."""
    at = -1
    ends: list[int] = []
    for start, end in spans:
        if start != at:
            if ends:
                yield at, ends
            at, ends = start, []
        ends.append(end)
    if ends:
        yield at, ends


def longest_not_before(text: str, spans: Sequence[tuple[int, int]], not_before: str) -> Iterator[tuple[int, int]]:
    """Non-overlapping spans of words, as a longest-first alternation of them followed by
    `(?!not_before)` finds them: at each position the longest word not followed by `not_before`.
    `spans`: every occurrence of the words, by start, longest first."""
    free_from = 0
    for at, ends in grouped_by_start(spans):
        if at < free_from:
            continue
        end = next((end for end in ends if not text.startswith(not_before, end)), None)
        if end is not None:
            free_from = end
            yield at, end


class LongestWords:
    """Literal words of two or more characters found as a longest-first alternation's `finditer`
    finds them (the leftmost, the longest there, then on after it), by an automaton of that
    match kind: no overlapping matches to sort through. `searched_once`: for words of one text
    (a report's townships), an NFA, several times faster to build than a DFA."""

    def __init__(self, words: Iterable[str], *, searched_once: bool = False) -> None:
        self._words = _indexable(words)
        implementation = Implementation.ContiguousNFA if searched_once else Implementation.DFA
        self._automaton = AhoCorasick(self._words, matchkind=MatchKind.LeftmostLongest, implementation=implementation)

    def leftmost_longest(self, text: str) -> Iterator[tuple[int, str]]:
        words = self._words
        for index, start, _ in self._automaton.find_matches_as_indexes(text):
            yield start, words[index]
