"""Segment: the document's structure — title, furniture, headings, sections, paragraphs, sentences.

Reports reach us in many shapes, and one set of rules covers them all (`headings` lists the
kinds): lines with headings on their own or run in, yearbook entries with `【】` headings,
flattened web articles whose line breaks became spaces, prose with no headings at all. Bylines,
time stamps, captions, word counts and subtitles are furniture (`furniture`), marked and kept out
of the sentences. A scanned page's hard line breaks inside a sentence join its lines into one
paragraph, and the matching view (`textnorm.MatchView`) built here lets later stages read
`民\\n进` and `2 416名` as written words and numbers.

Everything is decided on the folded text (`textnorm.fold`), whose offsets equal the original's.
Whitespace inside quotes or brackets never separates chunks (“喜迎党的二十大 同心同行看变化” is one
name), and sentences are never split inside quotes, titles or brackets.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from ...draft import Draft
from ...records import Furniture, Heading, Paragraph, Section, Sentence, replaced
from ...textnorm import MatchView
from .furniture import glued_subtitle, kind_of_line
from .headings import (MAX_RUN_IN, UNNUMBERED, Head, find_headings, find_title, glued_heading_end, glued_title_end,
                       numbered_in_sentence)
from .scan import CJK, CN_DIGITS, OPENERS, ends_sentence, has_digit, line_spans, read_text, trim
from .sentences import split_sentences

NAME = "segment"
REQUIRES = ("text", "folded", "meta")
PROVIDES = ("sections", "paragraphs", "sentences", "title", "furniture", "view")

#: Ordinals that open a run-in sub-heading inside a paragraph: 一是…。 其一，…
_RUN_IN_ORDINAL = re.compile(rf"[{CN_DIGITS}]+是|其[{CN_DIGITS}]")
#: What such an ordinal opens with: a sentence opening otherwise is not matched against it.
_RUN_IN_OPENERS = frozenset(CN_DIGITS + "其")
#: A paragraph of this many sentences may be a whole flattened review, where headings can be
#: glued to the sentence after them.
_MIN_FLATTENED_SENTENCES = 5
#: Marks that end a clause, never a sentence: a line ending with one goes on in the next line.
_CLAUSE_MARKS = ",、"
#: A line this long that holds clause punctuation and no double space (which sets a speaker's
#: name off from their titles) is prose; when it stops without a sentence end, the line break
#: after it is a hard wrap (a scanned page), not a paragraph end.
_MIN_WRAPPED_LINE = 10
_PROSE_MARK = re.compile("[,;、。]")


def run(draft: Draft) -> None:
    """Fill the draft's title, furniture, sections, paragraphs, sentences and matching view."""
    folded = draft.folded
    gaps, marks = read_text(draft.folded_code_points())
    furniture: list[Furniture] = []
    content: list[tuple[int, int]] = []
    for start, end in line_spans(folded, gaps):
        kind = kind_of_line(folded[start:end])
        if kind == "subtitle" and len(content) > 1:
            kind = None  # past the title, a dash line is a list item (`——经济运行稳中向好`)
        if kind is None:
            content.append((start, end))
        else:
            furniture.append(Furniture(kind, draft.text[start:end], start, end))
    _take_title(draft, content, furniture)
    heads = find_headings(folded, content, gaps, marks)
    furniture.sort(key=lambda piece: piece.start)
    draft.furniture = furniture

    sentence_spans: list[tuple[int, int, int]] = []  # start, end, paragraph id
    ordinal_heads: list[int] = []  # indices into sentence_spans of `一是…。` heading candidates
    ordinal_sentences: Counter[int] = Counter()  # sentences opened by `一是` per paragraph id
    paragraph_spans: list[tuple[int, int]] = []
    for stretch_start, stretch_end in _paragraphs(folded, content, heads):
        spans = split_sentences(folded, stretch_start, stretch_end, gaps, marks)
        if not spans:
            continue
        paragraph_id = len(paragraph_spans)
        paragraph_spans.append((spans[0][0], spans[-1][1]))
        flattened = len(spans) >= _MIN_FLATTENED_SENTENCES
        for number, (span_start, span_end) in enumerate(spans):
            if number and (numbered := numbered_in_sentence(folded, span_start, span_end)):
                heads.append(numbered)
                span_start = trim(folded, numbered.end, span_end)[0]
                if span_start >= span_end:
                    continue
            elif flattened and number and (glued_end := glued_heading_end(folded, span_start, span_end)):
                heads.append(Head(span_start, glued_end, "plain", run_in=True))
                span_start = glued_end
            if folded[span_start] in _RUN_IN_OPENERS and _RUN_IN_ORDINAL.match(folded, span_start, span_end):
                sentence = folded[span_start:span_end]
                ordinal_sentences[paragraph_id] += 1
                after_gap = number > 0 and folded[span_start - 1].isspace()
                if _ordinal_heading(sentence, after_gap):
                    ordinal_heads.append(len(sentence_spans))
            sentence_spans.append((span_start, span_end, paragraph_id))
    sentence_spans = _take_ordinal_heads(sentence_spans, ordinal_heads, ordinal_sentences, heads)

    heads.sort(key=lambda head: head.start)
    _assign_levels(heads)
    _level_run_in_ordinals(heads)
    draft.sections = _build_sections(draft.text, heads, sentence_spans)
    paragraph_sections = _innermost_sections(draft.sections, [s for s, _ in paragraph_spans])
    # Records made by position, not keyword: a fifth cheaper, and a long report has thousands.
    draft.paragraphs = [Paragraph(i, s, e, section)
                        for i, ((s, e), section) in enumerate(zip(paragraph_spans, paragraph_sections))]
    sentence_sections = _innermost_sections(draft.sections, [s for s, _, _ in sentence_spans])
    text = draft.text
    draft.sentences = [Sentence(i, text[s:e], s, e, section, p)
                       for i, ((s, e, p), section) in enumerate(zip(sentence_spans, sentence_sections))]
    draft.view = MatchView.build(text, folded, [(s, e) for s, e, _ in sentence_spans], gaps.runs)


def _ordinal_heading(sentence: str, after_gap: bool) -> bool:
    """Could a sentence opened by `一是` be a run-in heading: short, finished, reporting no figure,
    and one clause, or a couplet of two (`一是夯实组织基础，健全联络机制。`) after a space that
    stands for a lost line break inside a flattened paragraph? A couplet in running prose, or
    opening its own paragraph, reads as a statement or as the paragraph's lead sentence."""
    return len(sentence) <= MAX_RUN_IN and sentence.count(",") <= (1 if after_gap else 0) \
        and ends_sentence(sentence) \
        and not has_digit(sentence)


def _take_ordinal_heads(sentence_spans: list[tuple[int, int, int]], candidates: list[int],
                        ordinal_sentences: Counter[int], heads: list[Head]) -> list[tuple[int, int, int]]:
    """Move the `一是…。` candidates from the sentences to the headings, unless their siblings in
    the same paragraph are mostly statements: one short sentence among long ones (`三是做好…工作。`
    after three long `一是…` statements) is a statement too."""
    if not candidates:
        return sentence_spans  # as in most reports: no list to count, no sentence to take out
    per_paragraph = Counter(sentence_spans[index][2] for index in candidates)
    taken = {index for index in candidates
             if 2 * per_paragraph[sentence_spans[index][2]] >= ordinal_sentences[sentence_spans[index][2]]}
    for index in sorted(taken):
        heads.append(Head(*sentence_spans[index][:2], "一是", run_in=True))
    return [span for index, span in enumerate(sentence_spans) if index not in taken]


def _take_title(draft: Draft, content: list[tuple[int, int]], furniture: list[Furniture]) -> None:
    """Set the document's title from its first content line and take that line out of `content`.

    A flattened article may run title, subtitle and body into one line
    (`标题——某县2023年统战工作综述2023年，…`): the title ends at the dash, the subtitle is
    furniture, and the rest of the line stays content. A flattened summary may run its title
    into its first section (`某校统战工作总结一、…`): the title ends at the section's number."""
    if not content:
        return
    folded = draft.folded
    start, end = content[0]
    title: tuple[int, int] | None
    subtitle = glued_subtitle(folded, start, end)
    if subtitle is not None:
        title = trim(folded, start, subtitle[0])
        furniture.append(Furniture("subtitle", draft.text[subtitle[0]:subtitle[1]], *subtitle))
        rest = trim(folded, subtitle[1], end)
        content[0:1] = [rest] if rest[0] < rest[1] else []
    elif (title_end := glued_title_end(folded, start, end)) is not None:
        title = trim(folded, start, title_end)
        content[0] = (title_end, end)
    else:
        title = find_title(folded, content)
        if title is None:
            return
        del content[0]
    draft.meta = replaced(draft.meta, title=draft.text[title[0]:title[1]])


def _paragraphs(text: str, content: list[tuple[int, int]], heads: list[Head]) -> list[tuple[int, int]]:
    """Body stretches: each content line minus its headings, a line hard-wrapped inside a
    sentence joined with the line after it."""
    cuts = sorted((head.start, head.end) for head in heads)
    # start, end, index of its line, whether it opens its line, whether it closes it
    stretches: list[tuple[int, int, int, bool, bool]] = []
    pointer = 0
    for number, (line_start, line_end) in enumerate(content):
        while pointer < len(cuts) and cuts[pointer][1] <= line_start:
            pointer += 1
        cursor = line_start
        index = pointer
        while index < len(cuts) and cuts[index][0] < line_end:
            if cuts[index][0] > cursor:
                stretches.append((*trim(text, cursor, cuts[index][0]), number, cursor == line_start, False))
            cursor = max(cursor, cuts[index][1])
            index += 1
        if cursor < line_end:
            stretches.append((*trim(text, cursor, line_end), number, cursor == line_start, True))
    paragraphs: list[tuple[int, int]] = []
    previous_line, closes_line = -1, False
    for start, end, number, opens_line, closes in stretches:
        if start >= end:
            continue
        # Only the next line can continue a sentence, and only when nothing was cut between.
        if paragraphs and closes_line and opens_line and number == previous_line + 1 \
                and _hard_wrapped(text, paragraphs[-1], start):
            paragraphs[-1] = (paragraphs[-1][0], end)
        else:
            paragraphs.append((start, end))
        previous_line, closes_line = number, closes
    return paragraphs


def _hard_wrapped(text: str, before: tuple[int, int], after_start: int) -> bool:
    """Does the line break between a paragraph and the body line after it fall inside a sentence?"""
    last, first = text[before[1] - 1], text[after_start]
    # `民` / `进`, `74.4` / `万亿元`: the break splits a word or a number from its unit; `积极投身` /
    # `“平安某县”建设`: it falls before a quoted name; `…的文章，` / `组织…`: after a clause.
    if not (CJK.match(last) or last.isdigit() or last in _CLAUSE_MARKS) \
            or not (CJK.match(first) or first.isdigit() or first in OPENERS):
        return False
    line = text[max(before[0], text.rfind("\n", before[0], before[1]) + 1):before[1]]
    return len(line) >= _MIN_WRAPPED_LINE and _PROSE_MARK.search(line) is not None and "  " not in line


def _assign_levels(heads: list[Head]) -> None:
    order: list[str] = []
    for head in heads:
        if head.style == "一是":
            continue  # below whatever encloses it (`_level_run_in_ordinals`)
        if head.style not in order:
            order.append(head.style)
        head.level = order.index(head.style) + 1


def _level_run_in_ordinals(heads: list[Head]) -> None:
    """`一是…` sits one level below whatever heading encloses it."""
    enclosing = 0
    for head in heads:
        if head.style == "一是":
            head.level = enclosing + 1
        else:
            enclosing = head.level


def _build_sections(text: str, heads: list[Head], sentences: list[tuple[int, int, int]]) -> list[Section]:
    sections: list[Section] = []
    first_heading = heads[0].start if heads else len(text)
    if not heads or any(s < first_heading for s, _, _ in sentences):
        lead_end = first_heading
        sections.append(Section(id=0, heading=None, level=0, parent=None, start=0,
                                end=trim(text, 0, lead_end)[1] if heads else len(text.rstrip())))
    stack: list[int] = []  # ids of open sections, outermost first
    for head, end in zip(heads, _section_ends(heads, len(text))):
        end = trim(text, head.start, end)[1]
        while stack and sections[stack[-1]].level >= head.level:
            stack.pop()
        # Records made by position (fields in declaration order), as `run` makes its sentences.
        heading = Heading(text[head.start:head.end], head.start, head.end, head.level,
                          None if head.style in UNNUMBERED else head.style)
        sections.append(Section(len(sections), heading, head.level, stack[-1] if stack else None, head.start, end))
        stack.append(len(sections) - 1)
    return sections


def _section_ends(heads: list[Head], text_end: int) -> list[int]:
    """Where each heading's section ends: at the next heading of its level or an outer one, else
    at `text_end`. One sweep: the headings still open form a stack of ever deeper levels, and a
    heading closes every one on top of it that is as deep or deeper."""
    ends = [text_end] * len(heads)
    open_heads: list[int] = []
    for index, head in enumerate(heads):
        while open_heads and heads[open_heads[-1]].level >= head.level:
            ends[open_heads.pop()] = head.start
        open_heads.append(index)
    return ends


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
