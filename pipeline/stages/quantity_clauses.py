"""Quantities, part three: the clause around a quantity, the words it holds, and
`object_and_verb`, which reads the quantity's object and verb from them with the rules of
`quantity_context.py`; the entry point is `quantities.py`.
"""
from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable
from functools import lru_cache

import numpy as np

from ..draft import offset_array
from ..records import Sentence
from ..textnorm import CJK_CLASS, code_point_view
from .quantity_context import CLAUSE_BREAK, EMPTY, Context, Piece, Stretch

#: An enumeration comma: a forward object runs on through it (`4期统战信息、宣传等工作培训班`).
LIST_COMMA = "、"
#: A short bracket inside a word (`行业商(协)会`, `示范村(社区)`) belongs to the word: it breaks
#: nothing. The bracket comes first so that a search skips to the next one at C speed.
_GLUE = re.compile(rf"\((?<=[{CJK_CLASS}]\()[^()\s,。;:!?]{{1,3}}\)(?=[{CJK_CLASS}])")

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
    words: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
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
    return Stretch(words, starts, ends)


class TokenIndex:
    """A document's tokens (`Draft.token_offsets`: their starts and ends) and, for each character
    offset, how many tokens begin before it, so that the tokens of a stretch are two reads of a
    table: bisecting the offsets made an int per probe, some 7,000 instructions a stretch, and
    the quantities read two stretches each. Built for a document that holds a quantity."""

    __slots__ = ("starts", "ends", "tokens_before")

    def __init__(self, offsets: tuple[array, array], length: int) -> None:
        self.starts, self.ends = offsets
        # Tokens beginning before each offset: a running count of the starts, one step after each.
        starts = np.frombuffer(self.starts, dtype=np.intc)
        self.tokens_before = offset_array(np.bincount(starts + 1, minlength=length + 1).cumsum())


def _pieces_between(tokens: TokenIndex, folded: str, start: int, end: int,
                    is_noun: Callable[[str], bool], *, straddling: bool = False) -> Stretch:
    """The pieces of the tokens in `[start, end)` (not empty: the caller tells an empty stretch,
    most often a quantity closing its clause, without a call), clipped to it; `straddling`: also
    the part of a token that begins before."""
    # The tokens `draft.span_range` gives, read here rather than by a method: one call less.
    tokens_before = tokens.tokens_before
    first, last = tokens_before[start], tokens_before[end]
    if straddling and first and tokens.ends[first - 1] > start:
        first -= 1
    if _JOINS.search(folded, start, end) is not None:
        return _joined_pieces(zip(tokens.starts[first:last], tokens.ends[first:last]),
                              start, end, folded, is_noun)
    if first == last:
        return EMPTY
    # Most stretches have nothing to join: a piece per token, the offsets sliced whole and only
    # the first and last clipped (a loop appending token by token was the stage's largest cost).
    starts, ends = tokens.starts[first:last].tolist(), tokens.ends[first:last].tolist()
    if starts[0] < start:
        starts[0] = start
    if ends[-1] > end:
        ends[-1] = end
    words = [folded[left:right] for left, right in zip(starts, ends)]
    if "" in words:  # an empty token (none in the bundled reports) is no piece
        kept = [index for index, word in enumerate(words) if word]
        return Stretch([words[index] for index in kept], [starts[index] for index in kept],
                       [ends[index] for index in kept])
    # Made without its `__init__`, a Python call per stretch (two stretches a quantity).
    stretch = _bare_object(Stretch)
    stretch.words, stretch.starts, stretch.ends = words, starts, ends
    return stretch


_bare_object = object.__new__

#: `role` of a quantity: a figure worth citing, or one that only places the report in time.
FIGURE, DURATION, ORDINAL = "figure", "duration", "ordinal"


@lru_cache(maxsize=1)
def is_break() -> np.ndarray:
    """Whether each code point is a clause break, read from `CLAUSE_BREAK` itself over the Basic
    Multilingual Plane, which holds every character it matches (a test holds the table to the
    pattern on every code point)."""
    table = np.zeros(0x110000, dtype=bool)
    plane = "".join(map(chr, range(0x10000)))
    table[[ord(char) for char in CLAUSE_BREAK.findall(plane)]] = True
    return table


class ClauseBreaks:
    """The clause breaks of one document that holds a quantity, outside the short brackets inside
    a word, listed once (numpy reads whether each character is one from a table), so that
    each quantity finds its clause by two bisections. Seeking them from each quantity outwards
    with `re` cost 11 thousand instructions a quantity (two searches, a match object each), and
    listing them by `re.finditer` 1.7 M instructions over the bundled reports, against 0.5 M."""

    def __init__(self, folded: str) -> None:
        self._folded = folded
        found = is_break()[code_point_view(folded)]
        for glue in _GLUE.finditer(folded):  # most reports have none
            found[glue.start():glue.end()] = False
        self._breaks: list[int] = found.nonzero()[0].tolist()

    def clause(self, quantity_start: int, quantity_end: int, sentence: Sentence | None,
               previous_end: int, following: int) -> tuple[int, int]:
        """`(start, end)` of the clause around a quantity, within its sentence and between its
        neighbours (the quantities before and after it ending at `previous_end`, 0 for none, and
        starting at `following`): where the words around it may come from, the quantity left
        out."""
        folded, breaks = self._folded, self._breaks
        low, high = (0, len(folded)) if sentence is None else (sentence.start, sentence.end)
        start = low if low > previous_end else previous_end
        index = bisect_left(breaks, quantity_start)
        if index and breaks[index - 1] >= start:  # the last break before the quantity
            start = breaks[index - 1] + 1
        # A forward object runs on through an enumeration comma: the clause ends at the next other
        # break. The commas passed over lie before the next quantity, so each is passed once.
        end = high if high < following else following
        index = bisect_left(breaks, quantity_end, index)
        count = len(breaks)
        while index < count and breaks[index] < end:
            if folded[breaks[index]] != LIST_COMMA:
                return start, breaks[index]
            index += 1
        return start, end


def object_and_verb(tokens: TokenIndex, folded: str, context: Context,
                    quantity_start: int, quantity_end: int, kind: str, clause: tuple[int, int],
                    previous_end: int, previous_noun: Piece | None,
                    role: str) -> tuple[Piece | None, Piece | None]:
    """What the quantity at `[quantity_start, quantity_end)`, of `kind` and `role`, counts and
    the action, from the words of its clause (`tokens`: the draft's); `previous_end` and
    `previous_noun`: where the quantity before it in the sentence ends and what it counts."""
    clause_start, clause_end = clause
    # Words are read only between this quantity and its neighbours, so a run of quantities
    # (`3次3次3次...`) costs each one its own stretch of text, not the whole clause.
    before = _pieces_between(tokens, folded, clause_start, quantity_start, context.is_noun) \
        if clause_start < quantity_start else EMPTY
    noun, verb, closed, measured = context.before(before)
    if closed:
        return noun, verb
    after = _pieces_between(tokens, folded, quantity_end, clause_end, context.is_noun, straddling=True) \
        if quantity_end < clause_end else EMPTY
    # Whether a stretch is empty is asked of its words: a stretch's own length is a Python call.
    if role != FIGURE:
        # A span of time measures only a noun it is joined to (`为期一个月的宣传活动`,
        # `培养周期为三年`); `连续两年`, `一年来`, `运行5年` count nothing.
        if role == ORDINAL or (after.words and after.words[0] in context.frame_after) \
                or (before.words and before.words[-1] in context.frame_before):
            return None, verb
        forward = context.after(after, after_de_only=True)
        measured = measured or (noun is not None and verb is None and noun.end == quantity_start)
        return forward or (noun if measured else None), verb
    # Most figures close their clause: no words after them to read an object from.
    forward = context.after(after, after_de_only=kind not in _FORWARD_KINDS,
                            leading_verb=noun is None) if after.words else None
    if forward is not None:
        return forward, verb
    if noun is None and verb is None and after.words and (not before.words or measured):
        passive = context.after_action(after)
        if passive is not None:
            return passive
    if noun is None and verb is not None:
        noun = context.subject(before, verb)
    if noun is None and not before.words and previous_noun is not None \
            and (not after.words or previous_end == quantity_start):
        # `少数民族19个,2.3万人` and `贫困户7.71万户近25万人`: a bare figure right after
        # another one counts the same thing.
        noun = previous_noun
    return noun, verb


#: Kinds whose counted noun may follow the number (`11个示范点`, `三万六千亩油茶林`).
_FORWARD_KINDS = frozenset({"count", "area", "weight", "length", "volume"})
