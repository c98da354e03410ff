"""Quantities, part two: what a quantity counts (its object) and the action (its verb), read
from the tokens around it; the entry point and the number grammar are in `quantities.py`.

See that module's docstring for the rules; the words they rely on are in
`data/units.markers.json` (`context`, `time_roles`).
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from typing import NamedTuple, Protocol

from ..data import data_lines
from ..draft import Draft
from ..numerals import DIGIT_CHARS
from ..records import Sentence
from ..textnorm import CJK_CLASS

#: jieba's part-of-speech tags for verbs (plain verbs and verbs used as nouns).
VERB_TAGS = frozenset({"v", "vd", "vi", "vn", "vg"})
_NOUN_LIKE_VERB_TAG = "vn"
#: Clause breaks in the folded text, where full-width ，；：！？（） are already half-width. A
#: bracket opens an aside (`有人员62人(含离岗干部2人)`): what is counted inside it or after it is
#: named there, never across the bracket.
_CLAUSE_BREAK = re.compile(r"[,。;:!?、\s|()【】\[\]]")
#: An enumeration comma: a forward object runs on through it (`4期统战信息、宣传等工作培训班`).
LIST_COMMA = "、"
#: A short bracket inside a word (`行业商(协)会`, `示范村(社区)`) belongs to the word: it breaks
#: nothing. The bracket comes first so that a search skips to the next one at C speed.
_GLUE = re.compile(rf"\((?<=[{CJK_CLASS}]\()[^()\s,。;:!?]{{1,3}}\)(?=[{CJK_CLASS}])")


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
    found are pieces with no text of their own."""

    text: str
    start: int
    end: int


class Stretch:
    """The pieces of a stretch of text around a quantity, as three parallel lists: the word
    tests read only the words, and a record per piece cost more than the tests themselves."""

    __slots__ = ("words", "starts", "ends")

    def __init__(self, words: list[str], starts: list[int], ends: list[int]) -> None:
        self.words, self.starts, self.ends = words, starts, ends

    def __len__(self) -> int:
        return len(self.words)

    def __iter__(self) -> Iterator[Piece]:
        return map(Piece, self.words, self.starts, self.ends)

    def piece(self, index: int) -> Piece:
        return Piece(self.words[index], self.starts[index], self.ends[index])

    def span(self, first: int, last: int) -> Piece | None:
        """One piece over pieces `[first, last)`; None when that is empty."""
        if first >= last:
            return None
        return Piece("", self.starts[first], self.ends[last - 1])


#: The stretch of an empty span, shared: nothing writes to a stretch once it is made.
_EMPTY = Stretch([], [], [])


class _Before(NamedTuple):
    """What the clause before a quantity says about it.

    `closed`: the object slot is settled (after a back-reference such as 其中, the quantity
    counts what was named before, so no noun may be borrowed from after it). `measured`: the
    noun is what the quantity measures, joined to it by a copula (`培养周期一般为三到五年`)."""

    noun: Piece | None
    verb: Piece | None
    closed: bool = False
    measured: bool = False


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
        #: Verb-looking words that are nouns standing last before a noun (`异地商会组织4个`).
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
                    or (len(word) == 1 and _CLAUSE_BREAK.match(word) is not None):
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

    def before(self, stretch: Stretch) -> _Before:
        """The object and verb read from the clause before the quantity."""
        words = stretch.words
        end = len(words)
        after_copula = False
        while end and words[end - 1] in self._skips_or_copulas:
            after_copula |= words[end - 1] in self.copulas
            end -= 1
        if after_copula:
            return _Before(self.class_noun(stretch, self._noun_start(words, end), end), None,
                           measured=True)
        run = self._verb_run(words, end)
        if run is None:
            start = self._noun_start(words, end)
            closed = start > 0 and words[start - 1] in self.back_references
            return _Before(self.class_noun(stretch, start, end), None, closed=closed)
        first, last = run
        while first < last - 1 and words[first] in self.light_verbs:
            first += 1
        object_start = last
        while object_start < end and words[object_start] in self._stops_or_skips:
            object_start += 1
        return _Before(self.class_noun(stretch, object_start, end), stretch.span(first, last))

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
            and (len(word) != 1 or _CLAUSE_BREAK.match(word) is None)

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


#: Quotation and title marks: what they enclose is one piece, so the words of a quoted name or a
#: title are never taken for verbs (`开展“同心助企”服务活动`, `编辑7期《同心》`).
_OPEN_QUOTES = frozenset("“‘「『《")
#: A straight quote closes a quotation but never opens one: it cannot tell which side it is on.
_CLOSE_QUOTES = frozenset("”’」』\"》")
#: What may join tokens into one piece: an opening quotation or title mark, a bracket.
_JOINS = re.compile(r"[“‘「『《(]")


def _joined_pieces(tokens: Iterable[tuple[int, int]], start: int, end: int, folded: str,
                   is_noun: Callable[[str], bool]) -> Stretch:
    """Tokens, given by their bounds, clipped to `[start, end)`, with their folded text; a
    quotation is one piece, and a short bracket inside a word joins the words on both sides
    (`行业商(协)会`: `商(协)会`) unless what follows it is a word of its own (`乡(街道)签订`)."""
    stretch = Stretch([], [], [])
    words, starts, ends = stretch.words, stretch.starts, stretch.ends
    quote_start = None
    glue_until = -1
    for token_start, token_end in tokens:
        left = token_start if token_start > start else start
        right = token_end if token_end < end else end
        if left >= right:
            continue
        word = folded[left:right]
        if quote_start is None and left > glue_until and word not in _OPEN_QUOTES \
                and (right == end or folded[right] != "("):
            # Most tokens are plain words: none of the joins below applies to them.
            words.append(word)
            starts.append(left)
            ends.append(right)
            continue
        if quote_start is not None:
            if word in _CLOSE_QUOTES:
                words.append(folded[quote_start:right])
                starts.append(quote_start)
                ends.append(right)
                quote_start = None
            continue
        if left < glue_until:
            if right > glue_until:  # one token holds the closing bracket and the next word
                words[-1] = folded[starts[-1]:right]
                ends[-1] = right
            continue
        if word in _OPEN_QUOTES:
            quote_start = left
            continue
        if left == glue_until and words and ends[-1] == left \
                and (right - left == 1 or is_noun(word)):
            left = starts.pop()
            words.pop()
            ends.pop()
        glue = _GLUE.match(folded, right, end) if right < end and folded[right] == "(" else None
        if glue is not None:
            right = glue_until = glue.end()
        words.append(folded[left:right])
        starts.append(left)
        ends.append(right)
    if quote_start is not None:
        words.append(folded[quote_start:end])
        starts.append(quote_start)
        ends.append(end)
    return stretch


def _pieces_between(offsets: tuple[Sequence[int], Sequence[int]], folded: str, start: int,
                    end: int, is_noun: Callable[[str], bool], *,
                    straddling: bool = False) -> Stretch:
    """The pieces of the tokens (`offsets`: all their starts and ends) in `[start, end)`, clipped
    to it; `straddling`: also the part of a token that begins before."""
    if start >= end:
        return _EMPTY  # a quantity opening or closing its clause: no tokens to look up
    starts, ends = offsets
    first = bisect_left(starts, start)
    last = bisect_left(starts, end, first)
    if straddling and first and ends[first - 1] > start:
        first -= 1
    if _JOINS.search(folded, start, end) is not None:
        return _joined_pieces(zip(starts[first:last], ends[first:last]), start, end, folded,
                              is_noun)
    # Most stretches have nothing to join: whole slices, then only the first and the last token
    # may reach outside the stretch (a loop clipping each token cost twice as much).
    stretch = Stretch([], list(starts[first:last]), list(ends[first:last]))
    if first < last:
        stretch.starts[0] = max(stretch.starts[0], start)
        stretch.ends[-1] = min(stretch.ends[-1], end)
    stretch.words = [folded[left:right] for left, right in zip(stretch.starts, stretch.ends)]
    if "" in stretch.words:  # empty tokens (of characters the matching view leaves out)
        kept = [index for index, word in enumerate(stretch.words) if word]
        stretch = Stretch([stretch.words[index] for index in kept],
                          [stretch.starts[index] for index in kept],
                          [stretch.ends[index] for index in kept])
    return stretch


#: `role` of a quantity: a figure worth citing, or one that only places the report in time.
FIGURE, DURATION, ORDINAL = "figure", "duration", "ordinal"


class Located(Protocol):
    """What the object finder needs of a quantity: where it is and its kind."""

    # Read-only: the readings and records that have these are frozen.
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def kind(self) -> str: ...


class Neighbour(NamedTuple):
    """The quantity before, in the same sentence: where it ends and what it counts."""

    end: int
    sentence: Sentence | None
    noun: Piece | None


class Clause(NamedTuple):
    """Where the words around one quantity may come from: `[start, end)`, the quantity left out."""

    start: int
    end: int
    previous: Neighbour | None


class ClauseBreaks:
    """The clause breaks of one document, outside the short brackets inside a word, read one
    sentence at a time when a quantity in it first asks: most sentences hold no quantity, and
    listing every break of the text was a seventh of the stage's time on government reports."""

    def __init__(self, folded: str) -> None:
        self._folded = folded
        glues = [match.span() for match in _GLUE.finditer(folded)]
        self._glue_starts = [start for start, _ in glues]
        self._glue_ends = [end for _, end in glues]
        #: sentence start -> the sentence's breaks.
        self._in_sentence: dict[int, list[int]] = {}
        self._in_text: list[int] | None = None

    def clause(self, reading: Located, sentence: Sentence | None, previous: Neighbour | None,
               following: int) -> Clause:
        """The clause around `reading`, within its sentence and between its neighbours."""
        if sentence is None:
            low, high = 0, len(self._folded)
            if self._in_text is None:
                self._in_text = self._breaks_between(low, high)
            breaks = self._in_text
        else:
            low, high = sentence.start, sentence.end
            found = self._in_sentence.get(low)
            if found is None:
                found = self._in_sentence[low] = self._breaks_between(low, high)
            breaks = found
        before_break = bisect_left(breaks, reading.start) - 1
        start = max(low, breaks[before_break] + 1 if before_break >= 0 else 0,
                    previous.end if previous else 0)
        # A forward object runs on through an enumeration comma: the clause ends at the next other
        # break, sought no further than the next quantity (a long list is read once).
        after_break = bisect_left(breaks, reading.end)
        while after_break < len(breaks) and breaks[after_break] < following \
                and self._folded[breaks[after_break]] == LIST_COMMA:
            after_break += 1
        end = min(high, breaks[after_break] if after_break < len(breaks) else high, following)
        return Clause(start, end, previous)

    def _breaks_between(self, low: int, high: int) -> list[int]:
        """The breaks in `[low, high)`."""
        breaks = [match.start() for match in _CLAUSE_BREAK.finditer(self._folded, low, high)]
        first = bisect_right(self._glue_ends, low)
        last = bisect_left(self._glue_starts, high, first)
        if first < last:
            breaks = _outside(breaks, self._glue_starts[first:last], self._glue_ends[first:last])
        return breaks


def _outside(offsets: list[int], starts: list[int], ends: list[int]) -> list[int]:
    """The sorted `offsets` outside every span `[starts[i], ends[i])` (sorted, disjoint)."""
    kept: list[int] = []
    span = 0
    for offset in offsets:
        while span < len(starts) and ends[span] <= offset:
            span += 1
        if span == len(starts) or offset < starts[span]:
            kept.append(offset)
    return kept


def object_and_verb(draft: Draft, context: Context, reading: Located, clause: Clause,
                    role: str) -> tuple[Piece | None, Piece | None]:
    clause_start, clause_end, previous = clause.start, clause.end, clause.previous
    # Words are read only between this quantity and its neighbours, so a run of quantities
    # (`3次3次3次...`) costs each one its own stretch of text, not the whole clause.
    offsets, folded = draft.token_offsets(), draft.folded
    before = _pieces_between(offsets, folded, clause_start, reading.start, context.is_noun)
    found = context.before(before)
    noun, verb = found.noun, found.verb
    if found.closed:
        return noun, verb
    after = _pieces_between(offsets, folded, reading.end, clause_end, context.is_noun,
                            straddling=True)
    if role != FIGURE:
        # A span of time measures only a noun it is joined to (`为期一个月的宣传活动`,
        # `培养周期为三年`); `连续两年`, `一年来`, `运行5年` count nothing.
        if role == ORDINAL or (after and after.words[0] in context.frame_after) \
                or (before and before.words[-1] in context.frame_before):
            return None, verb
        forward = context.after(after, after_de_only=True)
        measured = found.measured or (noun is not None and verb is None and noun.end == reading.start)
        return forward or (noun if measured else None), verb
    # Most figures close their clause: no words after them to read an object from.
    forward = context.after(after, after_de_only=reading.kind not in _FORWARD_KINDS,
                            leading_verb=noun is None) if after else None
    if forward is not None:
        return forward, verb
    if noun is None and verb is None and after and (not before or found.measured):
        passive = context.after_action(after)
        if passive is not None:
            return passive
    if noun is None and verb is not None:
        noun = context.subject(before, verb)
    if noun is None and not before and previous is not None and previous.noun is not None \
            and (not after or previous.end == reading.start):
        # `少数民族19个,2.3万人` and `贫困户7.71万户近25万人`: a bare figure right after
        # another one counts the same thing.
        noun = previous.noun
    return noun, verb


#: Kinds whose counted noun may follow the number (`11个示范点`, `三万六千亩油茶林`).
_FORWARD_KINDS = frozenset({"count", "area", "weight", "length", "volume"})
