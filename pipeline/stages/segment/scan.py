"""What every part of the segment stage reads the text with: marks, chunks, numbering, lines.

All of it runs on the folded text (`textnorm.fold`), whose offsets equal the original's.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

import numpy as np

from ...textnorm import CJK_CLASS, LINE_BREAKS, WHITE_SPACE, in_number

CN_DIGITS = "一二三四五六七八九十"
#: Numbering styles in the order they are tried, each with the pattern of a number of its style
#: (matched where a line starts); a style's level is the rank of its first appearance in the
#: document, since reports disagree on which style is the outer one. Each style is named by its
#: first number as written (`一、` for 一、 二、 三、); the name is the heading's published
#: `numbering` (the schema's `$defs/numbering` describes each).
NUMBERING = (
    ("一、", rf"[{CN_DIGITS}]+、"),
    ("（一）", rf"\([{CN_DIGITS}]+\)"),
    ("第一部分", rf"第[{CN_DIGITS}]+(?:部分|章|篇)"),
    ("第一，", rf"第[{CN_DIGITS}]+[,、:]"),
    ("1.", r"\d{1,2}(?:\.(?!\d)|、)"),
    ("（1）", r"\(\d{1,2}\)"),
    ("①", r"[\u2460-\u2473]"),
    # WeChat and newspaper layouts: `01 凝心铸魂`, `02｜服务大局`, `◆ 同心聚力`.
    ("01", r"0[1-9](?:[ |.、]+|(?=[^\d\s.]))"),
    ("◆", r"[◆■▌●◎★☆◇□▶►]\s*"),
)
#: All the styles in one pattern, tried in their order: one match per line instead of one per
#: style. Tried at a line's offset in the text, the line not cut out.
_ANY_NUMBERING = re.compile("|".join(f"(?P<style{rank}>{pattern})"
                                     for rank, (_, pattern) in enumerate(NUMBERING)))

TERMINATORS = frozenset("。!?;…↓")
#: Web arrows `↓` end a sentence but alone do not make a body of text.
_BODY_TERMINATOR = re.compile(f"[{re.escape(''.join(sorted(TERMINATORS - {'↓'})))}]")
CLOSERS = frozenset("”’」』)》】]\"'")
_CLOSERS_AND_SPACE = "".join(CLOSERS) + " "
#: Closing quotes and sentence ends, any number of them (a sentence takes them all).
_CLOSING = CLOSERS | TERMINATORS
_CLOSING_RUN = re.compile(f"[{re.escape(''.join(sorted(_CLOSING)))}]*")
#: Whether a text holds one of a few marks is asked of a pattern: `frozenset.isdisjoint` makes a
#: string of each Chinese character it reads and hashes it, where `re` tests the character in
#: place (the segment stage 13.65 → 12.90 M instructions a pass over the bundled reports).
_TERMINATOR = re.compile(f"[{re.escape(''.join(sorted(TERMINATORS)))}]")
OPENERS = {"“": "”", "‘": "’", "「": "」", "『": "』", "(": ")", "《": "》", "【": "】", "[": "]"}
PAIRED = "".join(OPENERS) + "".join(OPENERS.values())
_PAIR_MARKS = frozenset(PAIRED)
#: What opens or closes a pair or ends a sentence, and `.`, which may end a Latin sentence: the
#: marks sentences are split at (`Marks`); no other character opens or closes a pair (`outside_pairs`).
SENTENCE_MARKS = PAIRED + "".join(sorted(TERMINATORS)) + "."
#: What each code point up to the last sentence mark is, as bits: a sentence mark, white space
#: (as `str.isspace` has it; none past U+3000 is). The last entry (0) stands for every code point
#: after them.
_SENTENCE_MARK, _SPACE = 1, 2
_KINDS = np.zeros(max(map(ord, SENTENCE_MARKS)) + 2, dtype=np.uint8)
_KINDS[[ord(mark) for mark in SENTENCE_MARKS]] = _SENTENCE_MARK
_KINDS[WHITE_SPACE.nonzero()[0]] |= _SPACE
_LINE_BREAK_SET = frozenset(LINE_BREAKS)
CJK = re.compile(f"[{CJK_CLASS}]")
#: Runs of Chinese characters: counted by their lengths, one string a run rather than a character.
CJK_RUN = re.compile(f"[{CJK_CLASS}]+")
#: Last characters that leave a line unfinished: punctuation that expects more, function words.
_DANGLING_ENDS = frozenset(",:、(“《的和与及或对把被")
#: A quote left open longer than this is taken to be unbalanced, not a long name.
MAX_QUOTE = 300
#: Longest heading, in characters; longer lines are paragraphs.
MAX_HEADING = 40
#: Characters of an anti-copying token (`Q7+xk3-9Z;`).
_SCRAPE_TOKEN_CHAR = r"[A-Za-z0-9+\-/=!;]"
#: A stretch that is not text, in one pattern tried once at its start: no letter, digit or
#: Chinese character at all (`\w` of a str pattern covers all three); a page number (`- 12 -`,
#: `第3页`, `3/12`); or a token a site scatters through its text against copying (`Q7+xk3-9Z;`:
#: Latin letters and digits run together, no Chinese, no space).
_JUNK = re.compile(r"\W*\Z"
                   r"|(?:[-—–\s]*\d{1,4}[-—–\s]*|第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)$"
                   rf"|(?={_SCRAPE_TOKEN_CHAR}*[0-9])(?={_SCRAPE_TOKEN_CHAR}*[A-Za-z]){_SCRAPE_TOKEN_CHAR}+\Z")


class Gaps:
    """The runs of white space of one text, found once: whether a line, a paragraph or a
    sentence of it holds white space is then a bisection, where `str.split` read each of their
    characters again."""

    __slots__ = ("runs", "_starts", "_ends")

    def __init__(self, edges: list[int]) -> None:
        """`edges`: where each run starts and ends, in turn."""
        self._starts, self._ends = edges[::2], edges[1::2]
        self.runs = list(zip(self._starts, self._ends))

    def within(self, start: int, end: int) -> bool:
        """Does `[start, end)` hold white space?"""
        index = bisect_right(self._ends, start)  # the first run that ends past `start`
        return index < len(self.runs) and self.runs[index][0] < end

    def between(self, start: int, end: int) -> list[tuple[int, int]]:
        """The runs of white space in `[start, end)`, in order, cut to it."""
        if start >= end:
            return []  # a run around an empty stretch would be cut to nothing
        found = self.runs[bisect_right(self._ends, start):bisect_left(self._starts, end)]
        if found and (found[0][0] < start or found[-1][1] > end):
            found[0] = (max(found[0][0], start), found[0][1])
            found[-1] = (found[-1][0], min(found[-1][1], end))
        return found


class Marks:
    """The offsets of every sentence mark (`SENTENCE_MARKS`) of one text, listed once, where `re`
    tried a character class at each character of every paragraph (some 70 instructions a
    character) and made a match object per mark."""

    __slots__ = ("_offsets",)

    def __init__(self, offsets: list[int]) -> None:
        self._offsets = offsets

    def between(self, start: int, end: int) -> list[int]:
        """The offsets of the marks in `[start, end)`, in order."""
        offsets = self._offsets
        return offsets[bisect_left(offsets, start):bisect_left(offsets, end)]


def read_text(codes: np.ndarray) -> tuple[Gaps, Marks]:
    """The white space and the sentence marks of the text whose code points are `codes`, from one
    read of a table per character by numpy (`str.split` and `str.find` took as long for the white
    space alone)."""
    kinds = _KINDS.take(codes, mode="clip")
    # White space starts and ends where it differs from the character before: nothing before
    # the text or after it is white space.
    spaces = np.zeros(len(codes) + 2, dtype=np.uint8)
    np.bitwise_and(kinds, _SPACE, out=spaces[1:-1])
    edges = (spaces[1:] != spaces[:-1]).nonzero()[0].tolist()
    return Gaps(edges), Marks((kinds & _SENTENCE_MARK).nonzero()[0].tolist())


def closing_at(text: str, index: int) -> int:
    """Index just past a terminator at `index` plus the closing quotes/terminators after it."""
    if index + 1 >= len(text) or text[index + 1] not in _CLOSING:
        return index + 1  # as after most sentence ends: no run to match
    closing = _CLOSING_RUN.match(text, index + 1)
    assert closing is not None  # the pattern matches an empty run too
    return closing.end()


def outside_pairs(text: str, offsets: list[int]) -> list[int]:
    """The `offsets` (sorted) at which no quote or bracket is open and which neither open nor close
    one; a pair left open past `MAX_QUOTE` is forgotten at the first offset after that. Only the
    offsets are read: each caller passes the marks and gaps it must decide on, and the walk over
    them is one loop, where a method call per mark cost more than the rest of the walk."""
    found: list[int] = []
    expected: list[str] = []  # the closers of the pairs open, innermost last
    opened_at = 0  # where the outermost open pair opened
    for index in offsets:
        char = text[index]
        if expected:
            if index - opened_at > MAX_QUOTE:
                expected.clear()
            elif char == expected[-1]:
                expected.pop()
                continue
        closer = OPENERS.get(char)
        if closer is not None:
            if not expected:
                opened_at = index
            expected.append(closer)
        elif not expected:
            found.append(index)
    return found


def first_stop(text: str, start: int, end: int, marks: Marks) -> int | None:
    """Index just past the first sentence end in `[start, end)` outside quotes and brackets
    (`marks`: the text's)."""
    # Only the marks are visited: a pair left open too long is forgotten at the next mark instead
    # of the next character, and no character between them decides anything (nor does a `.`,
    # which only ever forgets such a pair, as the next mark would).
    for index in outside_pairs(text, marks.between(start, end)):
        if text[index] in TERMINATORS:
            return min(closing_at(text, index), end)
    return None


def chunks(text: str, start: int, end: int, gaps: Gaps, marks: Marks) -> list[tuple[int, int]]:
    """The chunks of the stripped line `[start, end)`, as (start, end): its stretches between
    whitespace gaps that lie outside quotes and brackets (`gaps` and `marks`: the text's white
    space and sentence marks). Only gaps and the marks of pairs are visited, in order (a gap by
    its first character, which may forget a pair left open too long, as a mark does). A space
    inside a number or before its unit (`2 416名`, `45 名`) separates nothing. Plain tuples: most
    lines are one chunk, and a record cost 7,000 instructions to make where a tuple costs a few
    dozen."""
    if not gaps.within(start, end):
        return [(start, end)]
    gap_ends = dict(gaps.between(start, end))
    visited = [index for index in marks.between(start, end) if text[index] in _PAIR_MARKS]
    visited += gap_ends
    visited.sort()
    found: list[tuple[int, int]] = []
    chunk_start = start
    for index in outside_pairs(text, visited):
        gap_end = gap_ends.get(index)
        if gap_end is not None and not in_number(text, index, gap_end):
            found.append((chunk_start, index))
            chunk_start = gap_end
    found.append((chunk_start, end))
    return found


def is_body(text: str) -> bool:
    """Does `text` hold a sentence end (web arrows `↓` alone do not make a body)?"""
    return _BODY_TERMINATOR.search(text) is not None


def has_terminator(text: str) -> bool:
    return _TERMINATOR.search(text) is not None


def first_terminator(text: str) -> int | None:
    """Index of the first sentence end mark in `text`, if any."""
    mark = _TERMINATOR.search(text)
    return mark.start() if mark else None


def has_digit(text: str) -> bool:
    """Does `text` hold a character `str.isdigit` accepts (`2`, `①`)? Not the same as a regex
    `\\d`, which leaves out circled and superscript digits."""
    return any(map(str.isdigit, text))


def ends_sentence(text: str) -> bool:
    stripped = text.rstrip(_CLOSERS_AND_SPACE)
    return bool(stripped) and stripped[-1] in TERMINATORS


def numbering(text: str, start: int = 0, end: int | None = None) -> tuple[str, int] | None:
    """The numbering style `text[start:end]` opens with, and where the number ends (counted from
    `start`)."""
    match = _ANY_NUMBERING.match(text, start, len(text) if end is None else end)
    if match is None:
        return None
    assert match.lastgroup is not None  # every alternative is a group
    return NUMBERING[int(match.lastgroup.removeprefix("style"))][0], match.end() - start


def dangles(text: str) -> bool:
    """Does `text` stop where no heading or title would: after `：`, `的`, `和`, …?"""
    return text[-1] in _DANGLING_ENDS


def mostly_chinese(text: str, minimum: int = 4) -> bool:
    count = sum(map(len, CJK_RUN.findall(text)))
    return count >= minimum and count >= 0.6 * (len(text) - text.count(" "))


def heading_like(text: str) -> bool:
    """Could this unnumbered, unterminated stretch be a heading?"""
    if not 4 <= len(text) <= MAX_HEADING or has_terminator(text) or dangles(text):
        return False
    if text[0] in "(“《" and text.find(OPENERS[text[0]]) == len(text) - 1:
        return False  # one quotation or bracket, a name or an aside: not a heading
    return mostly_chinese(text)


def is_junk(text: str, start: int = 0, end: int | None = None) -> bool:
    """Is `text[start:end]` no text at all (see `_JUNK`)?"""
    if end is None:
        end = len(text)
    # What opens with a Chinese character is text, unless a page number (`第3页`): most lines
    # and sentences, which then need no match. The character is read once: reading a Chinese
    # character out of a text makes a string of it.
    if start < end and "\u4e00" <= (first := text[start]) <= "\u9fff" and first != "第":
        return False
    return _JUNK.match(text, start, end) is not None


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def line_spans(text: str, gaps: Gaps) -> list[tuple[int, int]]:
    """The document's non-empty, non-junk lines as (start, end) of their stripped content (`gaps`:
    the text's white space). Every line break is white space (`str.splitlines` breaks at
    `textnorm.LINE_BREAKS` and nothing else), so a line's content runs from the first stretch
    after a run that holds a break to the last one before the next: the runs are visited, where
    cutting each line out and trimming it read every line again."""
    spans: list[tuple[int, int]] = []
    line_start = -1  # where the content of the line read so far starts; -1 while it has none
    content_end = cursor = 0  # where that content ends; where the last run ended
    for gap_start, gap_end in gaps.runs:
        if gap_start > cursor:
            if line_start < 0:
                line_start = cursor
            content_end = gap_start
        if line_start >= 0 and not _LINE_BREAK_SET.isdisjoint(text[gap_start:gap_end]):
            if not is_junk(text, line_start, content_end):
                spans.append((line_start, content_end))
            line_start = -1
        cursor = gap_end
    if cursor < len(text):
        if line_start < 0:
            line_start = cursor
        content_end = len(text)
    if line_start >= 0 and not is_junk(text, line_start, content_end):
        spans.append((line_start, content_end))
    return spans
