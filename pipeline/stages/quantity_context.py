"""Quantities, part two: what a quantity counts (its object) and the action (its verb), read
from the words around it; the entry point is `quantities.py`, the number grammar
`quantity_grammar.py`, and the clauses, the words they hold and `object_and_verb`, which applies
these rules, `quantity_clauses.py`.

See that module's docstring for the rules; the words they rely on are in
`data/units.markers.json` (`context`, `time_roles`).
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from ..data import data_lines
from ..numerals import DIGIT_CHARS
from ..records import new_tuple

#: jieba's part-of-speech tags for verbs (plain verbs and verbs used as nouns).
VERB_TAGS = frozenset({"v", "vd", "vi", "vn", "vg"})
_NOUN_LIKE_VERB_TAG = "vn"
#: Clause breaks in the folded text, where full-width ，；：！？（） are already half-width. A
#: bracket opens an aside (`有人员62人(含离岗干部2人)`): what is counted inside it or after it is
#: named there, never across the bracket.
CLAUSE_BREAK = re.compile(r"[,。;:!?、\s|()【】\[\]]")


@lru_cache(maxsize=1)
def _jieba_tags() -> tuple[frozenset[str], frozenset[str]]:
    """(verbs, verbal nouns) as jieba's dictionary tags them (`data/verb_tags.tsv`)."""
    verbs: set[str] = set()
    verbal_nouns: set[str] = set()
    for line in data_lines("verb_tags.tsv"):
        word, _, tag = line.partition("\t")
        (verbal_nouns if tag == _NOUN_LIKE_VERB_TAG else verbs).add(word)
    return frozenset(verbs), frozenset(verbal_nouns)


def verb_lexicon(context: dict) -> tuple[frozenset[str], frozenset[str]]:
    """(verbs, verbal nouns): jieba's dictionary tags, corrected by the report-usage lists.

    A verbal noun (jieba's `vn`: 培训, 调研, 服务) governs a following noun (`培训党外干部`) but
    heads a noun phrase when it stands last (`开展专题调研21次`)."""
    tagged_verbs, verbal_nouns = _jieba_tags()
    verbs = tagged_verbs | set(context["verbs"])
    not_verbs = set(context["not_verbs"])
    return frozenset(verbs - not_verbs), frozenset(verbal_nouns - verbs - not_verbs)


class Piece(NamedTuple):
    """A token, or the part of one that lies outside the quantity; the object and the verb
    found are pieces with no text of their own. Made by `tuple.__new__`: the class's own
    `__new__` is a Python function, one more call per quantity."""

    text: str
    start: int
    end: int



class Stretch:
    """The pieces of a stretch of text around a quantity, as three parallel lists: the word
    tests read only the words, and a record per piece cost more than the tests themselves."""

    __slots__ = ("words", "starts", "ends")

    def __init__(self, words: list[str], starts: list[int], ends: list[int]) -> None:
        self.words, self.starts, self.ends = words, starts, ends

    def piece(self, index: int) -> Piece:
        return new_tuple(Piece, (self.words[index], self.starts[index], self.ends[index]))

    def span(self, first: int, last: int) -> Piece | None:
        """One piece over pieces `[first, last)`; None when that is empty."""
        if first >= last:
            return None
        return new_tuple(Piece, ("", self.starts[first], self.ends[last - 1]))


#: The stretch of an empty span, shared: nothing writes to a stretch once it is made.
EMPTY = Stretch([], [], [])


class Context:
    """Finds the counted object and the verb of a quantity among its clause's tokens.

    Its methods take a stretch and indexes into it: a quantity reads a few pieces, and slicing
    them or searching them again for an index cost more than reading them."""

    def __init__(self, markers: dict) -> None:
        context = markers["context"]
        verbs, self.verbal_nouns = verb_lexicon(context)
        self.frame_after = frozenset(markers["time_roles"]["frame_after"])
        self.frame_before = frozenset(markers["time_roles"]["frame_before"])
        self.copulas = frozenset(context["copulas"])
        self.skip = frozenset(context["skip"])
        self.back_references = frozenset(context["back_references"])
        self.stops = frozenset(context["object_stops"])
        self.light_verbs = frozenset(context["light_verbs"])
        self.enumeration_ends = frozenset(context["enumeration_ends"])
        self.noun_joiners = frozenset(context["noun_joiners"])
        # One large set of every verb-looking word and small sets of the exceptions: the word
        # tests below touch one 2 MB table instead of four (cache misses inside the pipeline).
        self._verbs_anywhere = (verbs | self.verbal_nouns) - self.copulas
        self._object_ends = self.stops | self.skip | self.copulas | self.back_references
        self._skips_or_copulas = self.skip | self.copulas
        self._stops_or_skips = self.stops | self.skip
        #: Verb-looking words that end a noun phrase standing last before a quantity: verbal
        #: nouns and light verbs (`异地商会组织4个`).
        self._nouns_standing_last = self.verbal_nouns | self.light_verbs

    def is_verb(self, word: str, *, head: bool = False) -> bool:
        """`head`: the word stands last before the quantity, where a verbal noun is a noun."""
        return word in self._verbs_anywhere and not (head and word in self.verbal_nouns)

    def _noun_start(self, words: list[str], end: int) -> int:
        """Where the noun phrase ending at `end` starts; `end` when there is none. A clause
        break, a stop word or a verb ends it, but a light verb standing last is a noun
        (`异地商会组织4个`)."""
        start = end
        verbs, nouns_standing_last = self._verbs_anywhere, self._nouns_standing_last
        while start:
            word = words[start - 1]
            # A clause break is one character: only those need the pattern.
            if word in self._object_ends \
                    or (word in verbs and (start < end or word not in nouns_standing_last)) \
                    or (len(word) == 1 and CLAUSE_BREAK.match(word) is not None):
                break
            start -= 1
        return start

    def _verb_run(self, words: list[str], end: int) -> tuple[int, int] | None:
        """`(first, last)` of the verb run before `end` governing what follows: the last run a
        non-verb follows, else one ending at `end` (light verbs alone make none). Read from the
        end, where that run most often is."""
        anywhere, verbal_nouns = self._verbs_anywhere, self.verbal_nouns
        light = self.light_verbs
        fallback = None
        last = None  # where the run being read ends, while in one
        heavy = False
        for index in range(end - 1, -2, -1):  # index -1 closes a run opening the stretch
            if index >= 0 and words[index] in anywhere \
                    and (index < end - 1 or words[index] not in verbal_nouns):
                if last is None:
                    last, heavy = index + 1, False
                heavy = heavy or words[index] not in light
                continue
            if last is not None:
                if heavy:
                    if last < end and words[last] not in anywhere:
                        return index + 1, last
                    if last == end:
                        fallback = (index + 1, last)
                last = None
        return fallback

    def before(self, stretch: Stretch) -> tuple[Piece | None, Piece | None, bool, bool]:
        """What the clause before a quantity says about it: `(noun, verb, closed, measured)`.

        `closed`: the object slot is settled (after a back-reference such as 其中, the quantity
        counts what was named before, so no noun may be borrowed from after it). `measured`: the
        noun is what the quantity measures, joined to it by a copula (`培养周期一般为三到五年`).
        A plain tuple: a named one cost seven times as much to make (2.9 against 0.4 thousand
        instructions), once per quantity."""
        words = stretch.words
        end = len(words)
        after_copula = False
        while end and words[end - 1] in self._skips_or_copulas:
            after_copula |= words[end - 1] in self.copulas
            end -= 1
        if after_copula:
            return self.class_noun(stretch, self._noun_start(words, end), end), None, False, True
        run = self._verb_run(words, end)
        if run is None:
            start = self._noun_start(words, end)
            closed = start > 0 and words[start - 1] in self.back_references
            return self.class_noun(stretch, start, end), None, closed, False
        first, last = run
        while first < last - 1 and words[first] in self.light_verbs:
            first += 1
        object_start = last
        while object_start < end and words[object_start] in self._stops_or_skips:
            object_start += 1
        return self.class_noun(stretch, object_start, end), stretch.span(first, last), False, False

    def subject(self, stretch: Stretch, verb: Piece) -> Piece | None:
        """The noun before the verb, for `早餐会全年召开12次` and `覆盖率同比增长6.5个百分点`."""
        words = stretch.words
        end = stretch.starts.index(verb.start)
        while end and words[end - 1] in self.skip:
            end -= 1
        if end and words[end - 1] == "被":
            return None
        return stretch.span(self._noun_start(words, end), end)

    def is_noun(self, word: str) -> bool:
        # Not a stop word nor `is_verb(head=True)`, inlined: it runs on every word after a quantity.
        return word not in self._object_ends \
            and (word not in self._verbs_anywhere or word in self.verbal_nouns) \
            and (len(word) != 1 or CLAUSE_BREAK.match(word) is None)

    def after(self, stretch: Stretch, *, after_de_only: bool, leading_verb: bool = False,
              first: int = 0) -> Piece | None:
        """The noun phrase right after the quantity (`11个示范点`, `56.3%的税收`), running on
        through an enumeration (`4期统战信息、宣传等工作培训班`); `first`: where it may start.

        `leading_verb`: nothing before names the object, so a verb-looking word that opens a
        compound noun belongs to it (`5个联合党支部`)."""
        words = stretch.words
        index = first
        if index < len(words) and words[index] == "的":
            index += 1
        elif after_de_only:
            return None
        first = index
        if leading_verb and index + 1 < len(words) and self.is_verb(words[index], head=True) \
                and self.is_noun(words[index + 1]):
            index += 1
        end = index
        while index < len(words):
            word = words[index]
            if word in self.noun_joiners and end > first and index + 1 < len(words) \
                    and not _opens_number(words[index + 1]) and self.is_noun(words[index + 1]):
                index += 1
                continue
            if not self.is_noun(word):
                break
            index += 1
            end = index
        return stretch.span(first, end)

    def after_action(self, stretch: Stretch) -> tuple[Piece | None, Piece] | None:
        """(object, verb) when the quantity opens its clause and a verb follows it:
        `100%完成赋码换证工作`, `3个被评为省级示范场所`."""
        words = stretch.words
        index = 1 if words[0] == "被" else 0
        if index >= len(words) or not self.is_verb(words[index]):
            return None
        noun = self.after(stretch, after_de_only=False, first=index + 1)
        return (noun, stretch.piece(index)) if noun is not None else None

    def class_noun(self, stretch: Stretch, first: int, last: int) -> Piece | None:
        """The object named by pieces `[first, last)`: `A、B等基层统战品牌12个` counts the class
        named after 等."""
        words = stretch.words
        if self.enumeration_ends.isdisjoint(words[first:last]):  # the most usual, tested in C
            return stretch.span(first, last)
        cut = max(index for index in range(first, last) if words[index] in self.enumeration_ends)
        if cut == last - 1:  # `…主题教育活动等30余次`: the last item stands for the list
            return stretch.span(first + self._noun_start(words[first:last], cut - first), cut)
        return stretch.span(cut + 1, last)


def _opens_number(word: str) -> bool:
    return word[0].isdigit() or word[0] in DIGIT_CHARS
