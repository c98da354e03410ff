"""Segment: the document's structure — title, headings, sections, paragraphs, sentences.

Reports reach us in three shapes, and one set of rules covers them all:

* lines: a title line, headings on their own lines (numbered `一、` `（一）` `1.` `第一，` or not),
  paragraphs below them;
* flattened web articles, where every line break became a space, so a heading is a short
  unterminated chunk standing between two spaces, after a finished sentence and before one;
* prose with no headings at all.

Everything is decided on the folded text (`textnorm.fold`), whose offsets equal the original's.
Whitespace inside quotes or brackets never separates chunks (“喜迎党的二十大 同心同行看变化” is one
name), and sentences are never split inside quotes, titles or brackets.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..draft import Draft
from ..records import Heading, Paragraph, Section, Sentence
from ..textnorm import CJK_CLASS

NAME = "segment"
REQUIRES = ("text", "folded", "meta")
PROVIDES = ("sections", "paragraphs", "sentences", "title")

_CN_DIGITS = "一二三四五六七八九十"
#: Numbering styles in the order they are tried; a style's level is the rank of its first
#: appearance in the document, since reports disagree on which style is the outer one.
_NUMBERING = (
    ("cn、", re.compile(rf"^[{_CN_DIGITS}]+、")),
    ("(cn)", re.compile(rf"^\([{_CN_DIGITS}]+\)")),
    ("第cn部分", re.compile(rf"^第[{_CN_DIGITS}]+(?:部分|章|篇)")),
    ("第cn,", re.compile(rf"^第[{_CN_DIGITS}]+[,、:]")),
    ("1.", re.compile(r"^\d{1,2}(?:\.(?!\d)|、)")),
    ("(1)", re.compile(r"^\(\d{1,2}\)")),
    ("①", re.compile(r"^[\u2460-\u2473]")),
)
#: Ordinals that open a run-in sub-heading inside a paragraph: 一是…。 其一，…
_RUN_IN_ORDINAL = re.compile(rf"^(?:[{_CN_DIGITS}]+是|其[{_CN_DIGITS}])")

_TERMINATORS = frozenset("。!?;…↓")
_CLOSERS = frozenset("”’」』)》】]\"'")
_OPENERS = {"“": "”", "‘": "’", "「": "」", "『": "』", "(": ")", "《": "》", "【": "】", "[": "]"}
#: A letter, digit or Chinese character: `\w` of a str pattern covers all three.
_WORDY = re.compile(r"\w")
_CJK = re.compile(f"[{CJK_CLASS}]")
_PAGE_NUMBER = re.compile(r"^(?:[-—–\s]*\d{1,4}[-—–\s]*|第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)$")

#: Last characters that leave a line unfinished: punctuation that expects more, function words.
_DANGLING_ENDS = frozenset(",:、(“《的和与及或对把被")
_PAIRED = "".join(_OPENERS) + "".join(_OPENERS.values())
#: What the scanners stop at; every other character can neither open, close nor end anything.
_CHUNK_MARKS = re.compile(rf"(?P<gap>\s+)|[{re.escape(_PAIRED)}]")
_SENTENCE_MARKS = re.compile(f"[{re.escape(_PAIRED + ''.join(_TERMINATORS))}.]")
_GAP = re.compile(r"\s")
#: A quote left open longer than this is taken to be unbalanced, not a long name.
_MAX_QUOTE = 300
#: Longest heading, in characters; longer lines are paragraphs.
_MAX_HEADING = 40
#: Each half of a couplet heading split by a space (`民营经济添活力 “两个健康”结硕果`).
_MIN_COUPLET_HALF, _MAX_COUPLET_HALF = 4, 16
#: Longest sentence-like run-in heading (`（二）完善协调机制。`, `一是强化政治引领。`).
_MAX_RUN_IN = 30


@dataclass(frozen=True, slots=True)
class _Chunk:
    """A stretch of a line between whitespace gaps that lie outside quotes and brackets."""

    start: int
    end: int


@dataclass(slots=True)
class _Head:
    start: int
    end: int
    style: str
    run_in: bool = False
    level: int = 0


def _closing_at(text: str, index: int) -> int:
    """Index just past a terminator at `index` plus the closing quotes/terminators after it."""
    index += 1
    while index < len(text) and (text[index] in _CLOSERS or text[index] in _TERMINATORS):
        index += 1
    return index


class _Nesting:
    """Which quotes and brackets are open; a pair left open past `_MAX_QUOTE` is forgotten."""

    __slots__ = ("expected", "opened_at")

    def __init__(self) -> None:
        self.expected: list[str] = []
        self.opened_at = 0

    def step(self, index: int, char: str) -> bool:
        """Take in `char` at `index`; return whether it opened or closed a pair."""
        if self.expected and index - self.opened_at > _MAX_QUOTE:
            self.expected.clear()
        if self.expected and char == self.expected[-1]:
            self.expected.pop()
            return True
        if char in _OPENERS:
            if not self.expected:
                self.opened_at = index
            self.expected.append(_OPENERS[char])
            return True
        return False


def _chunks(text: str, start: int, end: int) -> list[_Chunk]:
    """The chunks of the stripped line `[start, end)`; only gaps and brackets are visited."""
    if not _GAP.search(text, start, end):
        return [_Chunk(start, end)]
    chunks: list[_Chunk] = []
    nesting = _Nesting()
    chunk_start = start
    for match in _CHUNK_MARKS.finditer(text, start, end):
        index = match.start()
        nesting.step(index, text[index])
        if match.lastgroup == "gap" and not nesting.expected:
            chunks.append(_Chunk(chunk_start, index))
            chunk_start = match.end()
    chunks.append(_Chunk(chunk_start, end))
    return chunks


def _is_body(text: str) -> bool:
    """Does `text` hold a sentence end (web arrows `↓` alone do not make a body)?"""
    return any(char in _TERMINATORS and char != "↓" for char in text)


def _has_terminator(text: str) -> bool:
    return any(char in _TERMINATORS for char in text)


def _ends_sentence(text: str) -> bool:
    stripped = text.rstrip("".join(_CLOSERS) + " ")
    return bool(stripped) and stripped[-1] in _TERMINATORS


def _numbering(text: str) -> tuple[str, int] | None:
    for style, pattern in _NUMBERING:
        match = pattern.match(text)
        if match:
            return style, match.end()
    return None


def _dangles(text: str) -> bool:
    """Does `text` stop where no heading or title would: after `：`, `的`, `和`, …?"""
    return text[-1] in _DANGLING_ENDS


def _heading_like(text: str) -> bool:
    """Could this unnumbered, unterminated stretch be a heading?"""
    if not 4 <= len(text) <= _MAX_HEADING or _has_terminator(text) or _dangles(text):
        return False
    if text[0] in "(“《" and text[-1] in ")”》":
        return False
    return len(_CJK.findall(text)) >= 4 and len(_CJK.findall(text)) >= 0.6 * len(text.replace(" ", ""))


def _is_junk(text: str) -> bool:
    return not _WORDY.search(text) or bool(_PAGE_NUMBER.match(text))


class _Lines:
    """The document's non-empty lines as (start, end) of their stripped content."""

    def __init__(self, text: str) -> None:
        self.spans: list[tuple[int, int]] = []
        for match in re.finditer(r"[^\n\r\u2028\u2029\x0b\x0c\x1c-\x1e\x85]+", text):
            start, end = match.span()
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if start < end and not _is_junk(text[start:end]):
                self.spans.append((start, end))


def _find_headings(text: str, lines: list[tuple[int, int]]) -> tuple[tuple[int, int] | None, list[_Head]]:
    """Return the title span (if any) and the headings, in document order."""
    heads: list[_Head] = []
    title: tuple[int, int] | None = None
    first_body = 0
    if len(lines) > 1:
        start, end = lines[0]
        line = text[start:end]
        if len(line) <= 60 and not _has_terminator(line) and _numbering(line) is None \
                and not _dangles(line):
            title = (start, end)
            first_body = 1

    styles_by_line = [_numbering(text[s:e]) for s, e in lines]
    previous_closed = True  # the start of the document, or a title, closes what came before
    for number, (start, end) in enumerate(lines):
        if number < first_body:
            continue
        line = text[start:end]
        gap_before = text[lines[number - 1][1]:start] if number else ""
        if any(char in _OPENERS for char in gap_before):
            previous_closed = False  # a dropped line like `《` left a title or quote open
        numbered = styles_by_line[number]
        next_line = text[slice(*lines[number + 1])] if number + 1 < len(lines) else ""
        if numbered is not None and (head := _numbered_head(text, start, end, numbered[0],
                                                            styles_by_line, number)):
            heads.append(head)
            previous_closed = True
            if head.end < end:  # run-in: the rest of the line is body
                previous_closed = _ends_sentence(line)
            continue
        if (previous_closed and _heading_like(line) and _is_body(next_line)
                and _numbering(next_line) is None):
            heads.append(_Head(start, end, "plain"))
            previous_closed = True
            continue
        chunks = _chunks(text, start, end)
        chunk_closed = previous_closed
        index = 0
        while index < len(chunks):
            found = _run_in_head(text, chunks, index) if chunk_closed else None
            if found is not None:
                heads.append(found[0])
                index += found[1]
                continue
            chunk_closed = _ends_sentence(text[chunks[index].start:chunks[index].end])
            index += 1
        previous_closed = chunk_closed if chunks else previous_closed
    return title, heads


def _run_in_head(text: str, chunks: list[_Chunk], index: int) -> tuple[_Head, int] | None:
    """A heading run into a flattened line: one chunk, or a couplet of two, before a body chunk.

    Returns the heading and how many chunks it takes. The chunk after it must hold a real
    sentence end, so a lead fragment before `↓↓` or before another fragment is not a heading.
    """
    for width in (1, 2):
        if index + width >= len(chunks):
            return None
        body = chunks[index + width]
        if not _is_body(text[body.start:body.end]):
            continue
        start, end = chunks[index].start, chunks[index + width - 1].end
        piece = text[start:end]
        numbered = _numbering(piece) if width == 1 else None
        if numbered is not None and len(piece) <= _MAX_HEADING and not _has_terminator(piece):
            return _Head(start, end, numbered[0]), width
        halves_fit = width == 1 or all(_MIN_COUPLET_HALF <= chunk.end - chunk.start <= _MAX_COUPLET_HALF
                                       for chunk in chunks[index:index + width])
        if halves_fit and _heading_like(piece):
            return _Head(start, end, "plain"), width
    return None


def _numbered_head(text: str, start: int, end: int, style: str,
                   styles_by_line: list[tuple[str, int] | None], number: int) -> _Head | None:
    line = text[start:end]
    if not _CJK.search(line[_numbering(line)[1]:]):
        return None  # `第一，` alone on its line: the item's text was split off, not a heading
    first_stop = next((i for i, char in enumerate(line) if char in _TERMINATORS), None)
    if first_stop is None:
        return _Head(start, end, style) if len(line) <= _MAX_HEADING else None
    head_end = _closing_at(line, first_stop)
    if head_end >= len(line.rstrip()):
        # One numbered sentence alone on its line: a heading, unless its neighbours are siblings
        # in the same style with nothing between them, which makes them a list.
        neighbours = [styles_by_line[i] for i in (number - 1, number + 1)
                      if 0 <= i < len(styles_by_line)]
        if len(line) > _MAX_HEADING or any(n and n[0] == style for n in neighbours):
            return None
        return _Head(start, end, style)
    if head_end <= _MAX_RUN_IN and "," not in line[:head_end]:
        return _Head(start, start + head_end, style, run_in=True)
    return None


def _assign_levels(heads: list[_Head]) -> None:
    order: list[str] = []
    for head in heads:
        if head.style not in order:
            order.append(head.style)
        head.level = order.index(head.style) + 1


def _split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans in `[start, end)`: split after terminators outside quotes and brackets."""
    spans: list[tuple[int, int]] = []
    nesting = _Nesting()
    sentence_start = start
    index = start
    while (match := _SENTENCE_MARKS.search(text, index, end)) is not None:
        index = match.start()
        char = text[index]
        if nesting.step(index, char):
            pass
        elif not nesting.expected and (char in _TERMINATORS or _is_latin_full_stop(text, index, end)):
            stop = min(_closing_at(text, index), end)
            spans.append((sentence_start, stop))
            sentence_start = index = stop
            continue
        index += 1
    if sentence_start < end:
        spans.append((sentence_start, end))
    result: list[tuple[int, int]] = []
    for span_start, span_end in spans:
        for piece in _split_fragment_lead(text, span_start, span_end):
            result.append(piece)
    return [(s, e) for s, e in (_trim(text, s, e) for s, e in result) if s < e and not _is_junk(text[s:e])]


def _is_latin_full_stop(text: str, index: int, end: int) -> bool:
    """`.` ends a Latin-script sentence (`… in 2023. The …`), never `1.5`, `1.民族` or `e.g. this`."""
    if text[index] != "." or index == 0:
        return False
    before = text[index - 1]
    if not (before.isascii() and before.isalnum() or before == ")"):
        return False
    after = index + 1
    if after >= end:
        return True
    if not text[after].isspace():
        return False
    while after < end and text[after].isspace():
        after += 1
    return after >= end or text[after].isascii() and text[after].isupper()


def _split_fragment_lead(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Separate a run of unpunctuated fragments (flattened lines) from the prose sentence after it.

    `近日 会议召开 会上通报了 … 2022年,是…。` is a web lead whose line breaks became spaces, then a
    real sentence: split at the last gap with no comma before it and a comma after it.
    """
    piece = text[start:end]
    if "," not in piece:
        return [(start, end)]
    first_comma = start + piece.index(",")
    chunks = [chunk for chunk in _chunks(text, start, end) if chunk.start < first_comma]
    if len(chunks) < 2:
        return [(start, end)]
    return [(start, chunks[-2].end), (chunks[-1].start, end)]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def run(draft: Draft) -> None:
    """Fill `draft.sections`, `draft.paragraphs`, `draft.sentences` and the title."""
    folded = draft.folded
    lines = _Lines(folded).spans
    title, heads = _find_headings(folded, lines)
    _assign_levels(heads)
    if title is not None:
        draft.meta = replace(draft.meta, title=draft.text[title[0]:title[1]])

    # Body stretches: each line minus its title/heading parts; a stretch is a paragraph.
    carve = sorted([(h.start, h.end) for h in heads] + ([title] if title else []))
    stretches: list[tuple[int, int]] = []
    for line_start, line_end in lines:
        cursor = line_start
        for cut_start, cut_end in carve:
            if cut_end <= line_start or cut_start >= line_end:
                continue
            if cut_start > cursor:
                stretches.append((cursor, cut_start))
            cursor = max(cursor, cut_end)
        if cursor < line_end:
            stretches.append((cursor, line_end))

    sentence_spans: list[tuple[int, int, int]] = []  # start, end, paragraph id
    paragraph_spans: list[tuple[int, int]] = []
    for stretch_start, stretch_end in stretches:
        stretch_start, stretch_end = _trim(folded, stretch_start, stretch_end)
        spans = _split_sentences(folded, stretch_start, stretch_end)
        if not spans:
            continue
        paragraph_id = len(paragraph_spans)
        paragraph_spans.append((spans[0][0], spans[-1][1]))
        for span_start, span_end in spans:
            sentence = folded[span_start:span_end]
            if _RUN_IN_ORDINAL.match(sentence) and len(sentence) <= _MAX_RUN_IN \
                    and "," not in sentence and _ends_sentence(sentence):
                heads.append(_Head(span_start, span_end, "cn是", run_in=True))
                continue
            sentence_spans.append((span_start, span_end, paragraph_id))

    heads.sort(key=lambda head: head.start)
    _level_run_in_ordinals(heads)
    draft.sections = _build_sections(draft.text, heads, sentence_spans)
    paragraph_sections = _innermost_sections(draft.sections, [s for s, _ in paragraph_spans])
    draft.paragraphs = [Paragraph(id=i, start=s, end=e, section=section)
                        for i, ((s, e), section) in enumerate(zip(paragraph_spans, paragraph_sections))]
    sentence_sections = _innermost_sections(draft.sections, [s for s, _, _ in sentence_spans])
    draft.sentences = [Sentence(id=i, text=draft.text[s:e], start=s, end=e, section=section, paragraph=p)
                       for i, ((s, e, p), section) in enumerate(zip(sentence_spans, sentence_sections))]


def _level_run_in_ordinals(heads: list[_Head]) -> None:
    """`一是…` sits one level below whatever heading encloses it."""
    enclosing = 0
    for head in heads:
        if head.style == "cn是":
            head.level = enclosing + 1
        else:
            enclosing = head.level


def _build_sections(text: str, heads: list[_Head], sentences: list[tuple[int, int, int]]) -> list[Section]:
    sections: list[Section] = []
    first_heading = heads[0].start if heads else len(text)
    if not heads or any(s < first_heading for s, _, _ in sentences):
        lead_end = first_heading
        sections.append(Section(id=0, heading=None, level=0, parent=None, start=0,
                                end=_trim(text, 0, lead_end)[1] if heads else len(text.rstrip())))
    stack: list[int] = []  # ids of open sections, outermost first
    for index, head in enumerate(heads):
        end = next((later.start for later in heads[index + 1:] if later.level <= head.level), len(text))
        end = _trim(text, head.start, end)[1]
        while stack and sections[stack[-1]].level >= head.level:
            stack.pop()
        heading = Heading(text=text[head.start:head.end], start=head.start, end=head.end,
                          level=head.level, numbering=None if head.style == "plain" else head.style)
        sections.append(Section(id=len(sections), heading=heading, level=head.level,
                                parent=stack[-1] if stack else None, start=head.start, end=end))
        stack.append(len(sections) - 1)
    return sections


def _innermost_sections(sections: list[Section], offsets: list[int]) -> list[int]:
    """For sorted `offsets`, the id of the innermost section holding each (0 if none).

    One sweep: sections nest, so the open ones form a stack whose top is the innermost."""
    found: list[int] = []
    open_sections: list[Section] = []
    upcoming = iter(sections)
    pending = next(upcoming, None)
    for offset in offsets:
        while pending is not None and pending.start <= offset:
            open_sections.append(pending)
            pending = next(upcoming, None)
        while open_sections and open_sections[-1].end <= offset:
            open_sections.pop()
        found.append(open_sections[-1].id if open_sections else 0)
    return found


def make_stage() -> Callable[[Draft], None]:
    return run
