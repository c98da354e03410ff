"""The texts stages match on: the fold, one character for one, and the matching view.

Stages match on folded text so that one rule covers `，` and `,`, `１` and `1`, `發展` and `发展`:

* full-width ASCII to half-width, ideographic and no-break spaces to a space, zero-width
  characters to a space;
* traditional characters to simplified ones, character for character, from
  `data/traditional_to_simplified.tsv` (the rules are written for simplified reports, and some
  reports, older ones especially, come in traditional characters).

The fold maps each character to exactly one character, so an offset into the folded text is the
same offset into the original and `original[start:end]` is always the surface form. That is why
this is neither `unicodedata.normalize` (NFKC may turn `㈠` into `(一)`) nor a phrase-level
converter such as OpenCC's (it may turn two characters into one).

The matching view (`MatchView`) goes one step further for the stages that match words and
numbers: it drops the white space that splits them (a scanned page's `民\n进`, `2 416名`,
`45 名`) and maps every span back to the original offsets, so it is the only place where a
matched surface may differ from the text it stands for.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from operator import itemgetter

import numpy as np

from .data import data_lines


def _fold_table() -> np.ndarray:
    """Every code point's folded code point."""
    table = np.arange(0x110000, dtype="<u4")
    for line in data_lines("traditional_to_simplified.tsv"):
        traditional, simplified = line.split("\t")
        table[ord(traditional)] = ord(simplified)
    table[0xFF01:0xFF5F] = np.arange(0xFF01 - 0xFEE0, 0xFF5F - 0xFEE0)
    table[[0x3000, 0x00A0]] = ord(" ")
    # Zero-width characters are invisible in a report but split words for a matcher; a space keeps
    # the length and keeps them from joining what they separated.
    table[[0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF]] = ord(" ")
    return table


#: `str.translate` with a dict looks each character up through a new int object: 0.07 s of CPU
#: for the 72 government work reports (1.1M characters), against 0.004 s for taking from this
#: table at the text's code points (`take`, not `[]`: 0.38 against 0.43 M instructions for the
#: bundled reports).
_FOLD = _fold_table()


def code_point_view(text: str) -> np.ndarray:
    """The code points of `text` as uint32, read from its UTF-32 bytes (lone surrogates included)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


#: 1 for each code point up to U+3000 that is white space as `str.isspace` (and `re`'s `\s`) has
#: it, else 0; none above U+3000 is, and the last entry (0) stands for them all: read by
#: `take(codes, mode="clip")`, one gather in compiled code.
WHITE_SPACE = np.array([chr(code).isspace() for code in range(0x3001)] + [False], dtype=np.uint8)


def fold(text: str) -> str:
    """Return `text` with width, spaces and traditional characters folded, one character for one."""
    return _FOLD.take(code_point_view(text)).tobytes().decode("utf-32-le", "surrogatepass")


def offsets_of(text: str, chars: str) -> list[int]:
    """The offset of every character of `text` that is one of the few `chars`, in order. Numpy
    compares the code points: a regex character class visits each character in Python's engine,
    four times slower on a long report."""
    codes = code_point_view(text)
    found = np.zeros(len(codes), dtype=bool)
    for char in chars:
        found |= codes == ord(char)
    return np.flatnonzero(found).tolist()


#: A Chinese character, as the body of a regex character class (`f"[{CJK_CLASS}]"`): the CJK
#: unified ideographs, extension A, and the supplementary planes' extensions with the
#: compatibility supplement. Rare characters of names stay inside a match instead of breaking it.
CJK_CLASS = "\u4e00-\u9fff\u3400-\u4dbf\U00020000-\U0002fa1f"
_CJK_CHAR = re.compile(f"[{CJK_CLASS}]")
#: The first and last characters of the class's first range, the main block.
_MAIN_FIRST, _MAIN_LAST = CJK_CLASS[0], CJK_CLASS[2]


def is_cjk(char: str) -> bool:
    """Whether the one character `char` is a Chinese character (see `CJK_CLASS`)."""
    # One of the main block, as most are, is told by comparisons: a `re` call costs several times more.
    return _MAIN_FIRST <= char <= _MAIN_LAST and len(char) == 1 or _CJK_CHAR.fullmatch(char) is not None


#: Where a number's digits or its unit may sit after a digit: a Chinese character or `%`.
_UNIT_START = re.compile(f"[{CJK_CLASS}%]")
#: Every character that breaks a line.
LINE_BREAKS = "\n\r\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85"
_LINE_BREAK_SET = frozenset(LINE_BREAKS)
#: The start and the end of a span: a `(start, end)` pair, or a record whose first two fields they are.
START, END = itemgetter(0), itemgetter(1)


class MatchView:
    """The text as matchers should read it: hard line breaks inside a sentence joined, spaces
    inside numbers (`2 416名`) and between a number and its unit (`45 名`) removed.

    Built once per document by the segment stage (it needs the sentences). Stages that match
    words and numbers read `text`/`folded` of the view and give their spans back through
    `spans`, so every record's offsets still point into the original text. Most reports need no
    change at all; then the view is the text itself and mapping costs nothing.
    """

    __slots__ = ("text", "folded", "_origin", "_view_offsets")

    def __init__(self, text: str, folded: str, in_view: np.ndarray | None) -> None:
        """`in_view`: whether each original character is in the view, and a last True for the
        end of the text; None when all are."""
        self.text = text
        self.folded = folded
        #: origin[i]: the original offset of view character i, and origin[len(text)] the length
        #: of the original text (where a span ending the view ends); None when nothing was removed.
        self._origin = None if in_view is None else np.flatnonzero(in_view)
        #: view_offsets[i]: how many view characters come before original offset i, which is the
        #: view offset of the first view character at or after it. A table rather than a search in
        #: `origin`, as tokens are moved into the view by the tens of thousands.
        self._view_offsets = None if in_view is None else np.cumsum(in_view) - in_view

    @property
    def unchanged(self) -> bool:
        return self._origin is None

    @classmethod
    def build(cls, text: str, folded: str, sentences: list[tuple[int, int]],
              white_space: Iterable[tuple[int, int]] | None = None) -> "MatchView":
        """The view of `text`; `sentences` are sorted (start, end) spans, the only places where a
        line break is joined; `white_space`: the runs of white space of `folded`
        (`white_space_runs`), where the caller has them already."""
        dropped: list[tuple[int, int]] = []
        sentence_index = 0
        for start, end in white_space_runs(folded) if white_space is None else white_space:
            # Both joins need a letter or digit before the run; most runs follow punctuation.
            if start == 0 or end == len(folded) or not folded[start - 1].isalnum():
                continue
            if _LINE_BREAK_SET.isdisjoint(folded[start:end]):
                if in_number(folded, start, end):
                    dropped.append((start, end))
            elif _breaks_a_word(folded[start - 1], folded[end]):
                # Only a break inside a sentence is joined: the first sentence ending after the
                # break, found by bisection from the last one found (the runs come in order).
                sentence_index = bisect_right(sentences, start, sentence_index, key=END)
                if sentence_index < len(sentences) and sentences[sentence_index][0] < start:
                    dropped.append((start, end))
        if not dropped:
            return cls(text, folded, None)
        kept: list[tuple[int, int]] = []
        in_view = np.ones(len(text) + 1, dtype=bool)
        cursor = 0
        for start, end in dropped:
            kept.append((cursor, start))
            in_view[start:end] = False
            cursor = end
        kept.append((cursor, len(text)))
        return cls("".join(text[s:e] for s, e in kept), "".join(folded[s:e] for s, e in kept), in_view)

    def spans(self, starts: list[int], ends: list[int]) -> tuple[list[int], list[int]]:
        """The original starts and ends of the view's spans `[start, end)`; an empty span is
        empty at the original offset of the view character it stands before."""
        if self._origin is None:
            return list(starts), list(ends)
        view_starts, view_ends = np.asarray(starts, dtype=np.intp), np.asarray(ends, dtype=np.intp)
        original_starts = self._origin[view_starts]
        # `ends - 1` of an empty span may fall before the view; `where` drops what it reads there.
        original_ends = np.where(view_ends > view_starts, self._origin[view_ends - 1] + 1,
                                 original_starts)
        return original_starts.tolist(), original_ends.tolist()

    def offsets(self, originals: list[int] | np.ndarray) -> np.ndarray:
        """For each original offset, the view offset of the first view character at or after it."""
        if self._view_offsets is None:
            return np.asarray(originals, dtype=np.intp)
        return self._view_offsets[originals]


def white_space_runs(text: str) -> Iterator[tuple[int, int]]:
    """The (start, end) of every run of white space in `text`, in order: what `re` finds for
    `\\s+`, at a third of the instructions, since `str.split` finds the words between them in C
    where `re` tries its pattern at every character."""
    cursor = 0
    for word in text.split():
        # Only white space lies between the cursor and the word, so the word's first character
        # found from the cursor is where it starts: a search for the whole word (a whole line,
        # most often) prepared it first, which cost more than the rest of this function.
        at = text.find(word[0], cursor)
        if at > cursor:
            yield cursor, at
        cursor = at + len(word)
    if cursor < len(text):
        yield cursor, len(text)


def _breaks_a_word(before: str, after: str) -> bool:
    """Could a line break between the characters `before` and `after` split a word or a number
    from its unit (`民` / `进`, `74.4` / `万亿元`), if it lies inside a sentence?"""
    return before.isalnum() and after.isalnum() and (is_cjk(before) or is_cjk(after))


def in_number(folded: str, start: int, end: int) -> bool:
    """Is the white space `[start, end)` (no line break in it) inside a number (`2 416`) or
    between a number and its unit (`45 名`)?"""
    if start == 0 or end >= len(folded):
        return False
    before, after = folded[start - 1], folded[end]
    if not before.isdigit():
        return False
    if after.isdigit():
        # `2 416`: a thousands separator, one to three digits before and three after;
        # `1 9 9 8`: digits spaced out one by one.
        left = _digits_before(folded, start)
        right = folded[end:end + 4]
        return left == 1 or (1 <= left <= 3 and len(right) >= 3 and right[:3].isdigit()
                             and not right[3:].isdigit())
    return bool(_UNIT_START.match(after))


def _digits_before(folded: str, end: int) -> int:
    """How many digits end at `end`, counting up to four; 0 when they follow a decimal point."""
    start = end
    while start > max(0, end - 4) and folded[start - 1].isdigit():
        start -= 1
    if start > 0 and folded[start - 1] == ".":
        return 0
    return end - start
