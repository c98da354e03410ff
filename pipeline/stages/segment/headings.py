"""Headings and the title, in every form the reports use.

* numbered headings on their own lines (`一、` `（一）` `第一，` `1.` `01｜` `◆`), or run in
  before their body or their first item (`（一）完善协调机制。县委…`, `一、工作情况1.加强…`), also
  after a sentence inside a paragraph; a list of numbered sentences is a list, not headings;
* unnumbered headings on their own lines before a body, spaced out (`概 况`) or wrapped over two
  lines (`加强团结教育引导` / `民营经济健康成长`);
* yearbook headings in `【】`, on their own line or run in after a sentence end;
* flattened web articles, where a heading is a short unterminated chunk between two spaces;
* sentence-form headings that open their paragraphs in parallel (`聚焦…，…。该镇…`), or stand on
  their own lines above them;
* in a review flattened without a trace of its line breaks, a heading glued to the subject of
  the sentence after it (`强化政治引领巩固团结基础市委…`), and a numbered heading glued to its
  body after a standard section name (`一、基本概况某街道位于…`) or before the body's subject
  (`一、切实做好知联会工作学校…`), even with the title glued before it (`…工作总结一、…`).
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from ...textnorm import CJK_CLASS
from .cues import cues
from .scan import (CJK, CJK_RUN, CN_DIGITS, MAX_HEADING, OPENERS, Gaps, Marks, chunks, closing_at, dangles,
                   ends_sentence, first_stop, first_terminator, has_digit, has_terminator, heading_like, is_body,
                   mostly_chinese, numbering)

#: Each half of a couplet heading split by a space or a line (`民营经济添活力 “两个健康”结硕果`).
_MIN_COUPLET_HALF, _MAX_COUPLET_HALF = 4, 16
#: Longest sentence-like run-in heading (`（二）完善协调机制。`, `一是强化政治引领。`).
MAX_RUN_IN = 30
#: Shortest sentence-form heading opening a paragraph (`聚焦党建引领。`).
_MIN_LEAD_HEADING = 6
#: A yearbook heading: a bracketed name, no sentence inside.
_BRACKETED = re.compile(rf"【[^【】\n]{{1,{MAX_HEADING}}}】")
#: A line whose spaces stand for line breaks (a flattened web article) has many of them; one or
#: two spaces in a line are stray, and what they set off is not a heading.
_MIN_FLATTENED_CHUNKS = 4
#: Length of a heading glued to the next sentence's subject, in characters.
_MIN_GLUED, _MAX_GLUED = 8, 24
#: A first clause this long, before any punctuation, is where a glued heading may hide.
_MIN_GLUED_CLAUSE = 24
_CLAUSE_END = re.compile(r"[,;:。!?、“《(]")
#: Shortest name of a numbered heading whose body is glued on after it.
_MIN_GLUED_NAME = 4
#: What joins a section name to more of the heading (`工作情况和主要做法`), rather than to a body.
_NAME_CONNECTORS = frozenset("和与及并暨的")
#: The first section's numbering, where a title glued to it ends; titles are at most this long.
_FIRST_SECTION, _MAX_TITLE = "一、", 60
#: A quoted name and a comma opening a sentence-form heading (`“统战+生态”，绘就新画卷。`).
_QUOTED_LEAD = re.compile(r"“[^”]{1,12}”,")
#: A two- to four-character keyword and a comma opening a sentence-form heading (`引才，优化…。`).
_KEYWORD_LEAD = re.compile(rf"[{CJK_CLASS}]{{2,4}},")
#: `加强…是…`: a verb of action followed by a copula makes a statement about it, not a heading.
_COPULA = "是"
#: A short heading spaced out to the width of a longer one (`概 况`, `前 言`).
_SPACED_OUT = re.compile(rf"[{CJK_CLASS}](?: +[{CJK_CLASS}]){{1,4}}")
#: Where a numbered heading run into its text ends: at its first item's number (`1.` `(1)`
#: `一是`), at a space, or at its first comma or sentence end (`二、存在问题一是…`).
_FIRST_ITEM = re.compile(rf"\d{{1,2}}\.(?!\d)|\(\d{{1,2}}\)|[{CN_DIGITS}]是|\s|[,;:。!?]")
#: Numbering styles of sections (not of list items) that may start mid-line, after a sentence,
#: and what their numbers open with (`一、` `(一)` `第一部分`).
_SECTION_STYLES = frozenset({"一、", "（一）", "第一部分"})
_SECTION_NUMBER_OPENERS = frozenset(CN_DIGITS + "(第")
#: Marks that open a title or a quote: left in the gap before a line, they leave it open.
_OPENING_MARKS = frozenset("“‘「『(《[")
#: Headings whose style is no numbering at all.
UNNUMBERED = frozenset({"plain", "lead"})


@dataclass(slots=True)
class Head:
    start: int
    end: int
    style: str
    run_in: bool = False
    level: int = 0


def find_title(text: str, lines: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The first line, when it reads as a title: short, unterminated, unnumbered, finished."""
    if len(lines) < 2:
        return None
    start, end = lines[0]
    line = text[start:end]
    if len(line) <= 60 and not has_terminator(line) and numbering(line) is None and not dangles(line) \
            and not _BRACKETED.match(line):
        return start, end
    return None


def find_headings(text: str, lines: list[tuple[int, int]], gaps: Gaps, marks: Marks) -> list[Head]:
    """The headings among the content `lines` (title and furniture already taken out), in order;
    `gaps`: the text's white space, `marks`: its sentence marks."""
    heads: list[Head] = []
    styles_by_line = [numbering(text, s, e) for s, e in lines]
    previous_closed = True  # the start of the document, or a title, closes what came before
    number = 0
    while number < len(lines):
        start, end = lines[number]
        line = text[start:end]
        gap_before = text[lines[number - 1][1]:start] if number else ""
        if not _OPENING_MARKS.isdisjoint(gap_before):
            previous_closed = False  # a dropped line like `《` left a title or quote open
        numbered = styles_by_line[number]
        next_numbered = styles_by_line[number + 1] if number + 1 < len(lines) else None
        number += 1
        if bracketed := _bracketed_heads(text, start, end):
            heads.extend(bracketed)
            previous_closed = bracketed[-1].end == end or ends_sentence(line)
            continue
        if numbered is not None and (head := _numbered_head(text, start, end, numbered,
                                                            styles_by_line, number - 1)):
            heads.append(head)
            previous_closed = True
            if head.end < end:  # run-in: the rest of the line is body
                previous_closed = ends_sentence(line)
            continue
        if previous_closed and (heading_like(line) or _SPACED_OUT.fullmatch(line)) and next_numbered is None:
            # The next line is cut out only for a line that could be a heading, as few are.
            next_line = text[slice(*lines[number])] if number < len(lines) else ""
            if not _continues(line, next_line):
                if is_body(next_line):
                    heads.append(Head(start, end, "plain"))
                    continue
                if wrapped_end := _wrapped_heading_end(text, lines, number - 1):
                    heads.append(Head(start, wrapped_end, "plain"))
                    number += 1
                    continue
        line_chunks = chunks(text, start, end, gaps, marks)
        if len(line_chunks) >= _MIN_FLATTENED_CHUNKS:
            previous_closed = _run_in_heads(text, line_chunks, previous_closed, heads)
        else:
            previous_closed = ends_sentence(line)
    heads.extend(_parallel_leads(text, lines, heads, marks))
    heads.sort(key=lambda head: head.start)
    return heads


def _continues(line: str, next_line: str) -> bool:
    """Does `next_line` carry on `line`'s sentence: a number split from its unit (`民建6` / `人，`)
    or a line that opens with punctuation?"""
    return line[-1].isdigit() or bool(next_line) and not (next_line[0].isalnum() or next_line[0] in OPENERS)


def _wrapped_heading_end(text: str, lines: list[tuple[int, int]], number: int) -> int | None:
    """End of a heading wrapped onto the next line: two short heading-like halves one line
    break apart (no blank line between), then a body."""
    if number + 2 >= len(lines):
        return None
    (start, end), (next_start, next_end), after = lines[number], lines[number + 1], lines[number + 2]
    halves = (text[start:end], text[next_start:next_end])
    if text.count("\n", end, next_start) != 1 or not all(
            _MIN_COUPLET_HALF <= len(half) <= _MAX_COUPLET_HALF and heading_like(half) and "," not in half
            and (CJK.match(half) or half[0] in "“《") for half in halves):
        return None
    body = text[slice(*after)]
    # A body that opens with punctuation continues a sentence the link-like lines broke up.
    return next_end if is_body(body) and numbering(body) is None and CJK.match(body) else None


def _bracketed_heads(text: str, start: int, end: int) -> list[Head]:
    """`【概况】…` yearbook headings at the line's start or run in after a finished sentence."""
    if text.find("【", start, end) < 0:
        return []
    heads = []
    for match in _BRACKETED.finditer(text, start, end):
        before = match.start()
        while before > start and text[before - 1].isspace():
            before -= 1
        name = match.group()[1:-1]
        # What ends a sentence (a terminator and its closing quotes) fits in a few characters.
        if (before > start and not ends_sentence(text[max(start, before - 4):before])) \
                or has_terminator(name) or len(CJK.findall(name)) < 2:
            continue
        heads.append(Head(match.start(), match.end(), "【】", run_in=match.end() < end))
    return heads


def _run_in_heads(text: str, line_chunks: list[tuple[int, int]], closed: bool, heads: list[Head]) -> bool:
    """Add the headings run into a flattened line; return whether the line ends a sentence."""
    index = 0
    while index < len(line_chunks):
        found = _run_in_head(text, line_chunks, index) if closed else None
        if found is not None:
            heads.append(found[0])
            index += found[1]
            continue
        closed = ends_sentence(text[slice(*line_chunks[index])])
        index += 1
    return closed


def _run_in_head(text: str, line_chunks: list[tuple[int, int]], index: int) -> tuple[Head, int] | None:
    """A heading run into a flattened line: one chunk, or a couplet of two, before a body chunk.

    Returns the heading and how many chunks it takes. The chunk after it must hold a real
    sentence end, so a lead fragment before `↓↓` or before another fragment is not a heading.
    """
    for width in (1, 2):
        if index + width >= len(line_chunks):
            return None
        if not is_body(text[slice(*line_chunks[index + width])]):
            continue
        start, end = line_chunks[index][0], line_chunks[index + width - 1][1]
        piece = text[start:end]
        numbered = numbering(piece) if width == 1 else None
        if numbered is not None and len(piece) <= MAX_HEADING and not has_terminator(piece):
            return Head(start, end, numbered[0]), width
        halves_fit = width == 1 or all(_MIN_COUPLET_HALF <= chunk_end - chunk_start <= _MAX_COUPLET_HALF
                                       for chunk_start, chunk_end in line_chunks[index:index + width])
        if halves_fit and heading_like(piece):
            return Head(start, end, "plain"), width
    return None


def _numbered_head(text: str, start: int, end: int, numbered: tuple[str, int],
                   styles_by_line: list[tuple[str, int] | None], number: int) -> Head | None:
    """The heading a line opens with, given its numbering: (style, where its text starts)."""
    style, text_from = numbered
    line = text[start:end]
    if not CJK.search(text, start + text_from, end):
        return None  # `第一，` alone on its line: the item's text was split off, not a heading
    if (item_end := _first_item_end(text, start + text_from, end)) is not None:
        return Head(start, item_end, style, run_in=True)
    stop = first_terminator(line)
    if stop is None:
        # `1.开展“同心”活动，` runs on into the next line: a list item, not a heading.
        return Head(start, end, style) if len(line) <= MAX_HEADING and line[-1] not in ",;、" else None
    head_end = closing_at(line, stop)
    if head_end >= len(line.rstrip()):
        # One numbered sentence alone on its line: a heading, unless its neighbours are siblings
        # in the same style with nothing between them, which makes them a list, or it reports a
        # figure (`2.举办培训班2期。`), as list items do and headings do not.
        neighbours = [styles_by_line[i] for i in (number - 1, number + 1)
                      if 0 <= i < len(styles_by_line)]
        if len(line) > MAX_HEADING or any(n and n[0] == style for n in neighbours) \
                or has_digit(line[text_from:]):
            return None
        return Head(start, end, style)
    if head_end <= MAX_RUN_IN and "," not in line[:head_end]:
        return Head(start, start + head_end, style, run_in=True)
    glued_end = _glued_name_end(text, start + text_from, end)
    return Head(start, glued_end, style, run_in=True) if glued_end is not None else None


def _parallel_leads(text: str, lines: list[tuple[int, int]], heads: list[Head],
                    marks: Marks) -> list[Head]:
    """Sentence-form headings: paragraphs that open with a short sentence the same way.

    `聚焦党的领导，构建大格局。该镇…` and `聚焦民生实事，办好暖心事。该镇…` open two paragraphs alike,
    so each opening sentence is the paragraph's heading; so do three paragraphs that open with
    short sentences led by different verbs (`强化…。` `深化…。` `优化…。`), and such a sentence may
    stand on its own line above its paragraph. A series of keywords sharing a character, each
    with its verb phrase (`引才，优化人才结构。` `引智，优化决策咨询。`), heads paragraphs the same
    way. One alone proves nothing. A heading opens with a
    verb of action or a quoted name (`“统战+生态”，…。`), where a statement opens with its subject
    or a time; and a sentence with a figure in it is reporting."""
    taken = iter(sorted(head.start for head in heads))
    next_taken = next(taken, None)
    by_opener: dict[str, list[Head]] = defaultdict(list)
    by_keyword: dict[str, list[Head]] = defaultdict(list)  # keyed by the keyword's first character
    for number, (start, end) in enumerate(lines):
        while next_taken is not None and next_taken < start:
            next_taken = next(taken, None)
        if next_taken is not None and next_taken < end:
            continue  # the line already has its heading
        stop = first_stop(text, start, min(end, start + MAX_RUN_IN + 1), marks)
        if stop is None or stop >= end and not _body_follows(text, lines, number):
            continue
        sentence = text[start:stop]
        if (not sentence.rstrip("”’").endswith("。") or len(sentence) < _MIN_LEAD_HEADING
                or _COPULA in sentence or sentence.count(",") > 1 or numbering(sentence)
                or has_digit(sentence) or not mostly_chinese(sentence)):
            continue
        head = Head(start, stop, "lead", run_in=True)
        if sentence.startswith(cues().heading_verbs) or _QUOTED_LEAD.match(sentence):
            by_opener[sentence[:2]].append(head)
        if (keyword := _KEYWORD_LEAD.match(sentence)) and sentence.startswith(cues().heading_verbs,
                                                                              keyword.end()):
            by_keyword[sentence[0]].append(head)
    verb_led = sum(len(group) for group in by_opener.values())
    found = {head.start: head for group in by_opener.values() if len(group) >= 2 or verb_led >= 3
             for head in group}
    found.update((head.start, head) for group in by_keyword.values() if len(group) >= 2 for head in group)
    return list(found.values())


def _body_follows(text: str, lines: list[tuple[int, int]], number: int) -> bool:
    """Is line `number` followed by a line of body text (not a numbered one)?"""
    if number + 1 >= len(lines):
        return False
    following = text[slice(*lines[number + 1])]
    return is_body(following) and numbering(following) is None


def glued_heading_end(text: str, start: int, end: int) -> int | None:
    """Where a heading glued to its sentence's subject ends, if the sentence `[start, end)` opens
    with one: an unpunctuated run of Chinese characters before a subject word (`市委`, `全县`)
    in a first clause too long to be one."""
    clause_end = _CLAUSE_END.search(text, start, end)
    if (clause_end.start() if clause_end else end) - start < _MIN_GLUED_CLAUSE:
        return None
    subject_at = _subject_after(text, start, end, _MIN_GLUED, _MAX_GLUED, cues().subject_opener)
    if subject_at is None or not text.startswith(cues().heading_verbs, start):
        return None
    return subject_at


def _subject_after(text: str, start: int, end: int, shortest: int, longest: int,
                   subjects: re.Pattern[str]) -> int | None:
    """Where a sentence's subject (one of `subjects`: `市委`, `全县`) starts after an unpunctuated
    run of `shortest` to `longest` Chinese characters from `start`, with a clause of its own after it."""
    clause_end = _CLAUSE_END.search(text, start, end)
    clause_end_at = clause_end.start() if clause_end else end
    subject = subjects.search(text, start + shortest, min(clause_end_at, start + longest + 1))
    if subject is None or clause_end_at - subject.start() < _MIN_GLUED:
        return None
    heading = text[start:subject.start()]
    if not CJK_RUN.fullmatch(heading) or dangles(heading):
        return None
    return subject.start()


def _glued_name_end(text: str, name_start: int, end: int) -> int | None:
    """Where a numbered heading's name ends when its body is glued on with no mark between: after
    a standard section name (`一、基本概况某街道位于…`), or, for a name led by a verb of action,
    before the subject of the body's first sentence (`一、切实做好知联会工作学校组建…`)."""
    name = cues().section_name.match(text, name_start, end)
    if name is not None and name.end() < end and text[name.end()].isalnum() \
            and text[name.end()] not in _NAME_CONNECTORS:
        return name.end()
    if not text.startswith(cues().heading_verbs, name_start):
        return None
    return _subject_after(text, name_start, end, _MIN_GLUED_NAME, MAX_HEADING, cues().numbered_subject_opener)


def glued_title_end(text: str, start: int, end: int) -> int | None:
    """Where a title run straight into the first numbered heading ends (`某校2006年统战工作总结一、…`):
    before a `一、` that follows a short unpunctuated stretch closed by a word naming the
    report's kind (`总结`)."""
    first = text.find(_FIRST_SECTION, start, min(end, start + _MAX_TITLE + 1))
    title = text[start:first]
    if first - start < _MIN_GLUED or has_terminator(title) or "," in title \
            or not title.endswith(cues().review_words):
        return None
    return first


def _first_item_end(text: str, start: int, end: int) -> int | None:
    """End of a numbered heading's name run straight into its first item (`一、工作情况1.加强…`
    `二、存在问题一是…`), when an item's number comes before any punctuation; `start` is where
    the name begins, after the heading's own number."""
    mark = _FIRST_ITEM.search(text, start, min(end, start + MAX_HEADING))
    if mark is None or mark.start() - start < 2 or not text[mark.start()].isalnum():
        return None
    return mark.start()


def numbered_in_sentence(text: str, start: int, end: int) -> Head | None:
    """A section heading numbered `一、` or `（一）` that opens a sentence inside a paragraph: its
    name up to its first item, a space or its sentence end (`…完成。二、存在问题 基层…`)."""
    if text[start] not in _SECTION_NUMBER_OPENERS:
        return None  # as most sentences: the numbering patterns need not be tried
    numbered = numbering(text, start, end)
    if numbered is None or numbered[0] not in _SECTION_STYLES:
        return None
    name_start = start + numbered[1]
    name_end = _named_end(text, start, name_start, end)
    if name_end is None and (glued_end := _glued_name_end(text, name_start, end)) is not None:
        name_end = glued_end
    return Head(start, name_end, numbered[0], run_in=True) if name_end is not None else None


def _named_end(text: str, start: int, name_start: int, end: int) -> int | None:
    """End of the name (from `name_start`) of a heading numbered at `start` that some mark closes
    inside the sentence `[start, end)`."""
    mark = _FIRST_ITEM.search(text, name_start, min(end, name_start + MAX_HEADING))
    if mark is None:  # the name alone, its body split off at a gap
        return end if end - start <= MAX_HEADING else None
    if mark.start() - name_start < 2 or text[mark.start()] in ",;:":
        return None
    if text[mark.start()] in "。!?":  # a whole short sentence, unless it reports a figure
        stop = closing_at(text, mark.start())
        if stop - start > MAX_RUN_IN or has_digit(text[name_start:stop]):
            return None
        return stop
    return mark.start()
