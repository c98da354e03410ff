"""Furniture: the lines around a report that are not its content.

Bylines (`本报通讯员 王某`), word counts (`字数：1860`), photo captions (`▲ 会议现场`), time stamps
(`2023-05-12 10:30`) and subtitles (`——某县2023年统战工作综述`) stay in the text and are marked
with their kind; they are never headings, and never sentences that get a work area. The words
that give each kind away are data (`data/segment_cues.json`).
"""
from __future__ import annotations

import re

from .cues import cues
from .scan import has_terminator

#: Longest byline or word-count line; a longer line is prose that happens to start with `记者`.
_MAX_LINE = 60
#: What opens a subtitle line (`——某县2023年统战工作综述`), and the first characters of those.
_DASHES = ("——", "--", "—-")
_DASH_OPENERS = frozenset(dash[0] for dash in _DASHES)
#: A line made of a date and maybe a time, nothing else (`11.02.2015 11:29`, `2023年5月12日`).
_DATE_TIME = re.compile(r"[\d./\-:年月日 ]{6,30}")
_DATE_SEPARATORS = frozenset("./-:年月日")
#: A date followed by a time of day (`2024-01-15 09:30`): on a short line, the article's stamp
#: even with other words around it (`原创 某县统战 2024-01-15 09:30 发表于某地`).
_STAMP = re.compile(r"\d{4}[-./年]\d{1,2}[-./月]\d{1,2}日? ?\d{1,2}:\d{2}")


def _is_timestamp(line: str, timestamp_label: re.Pattern[str] | None) -> bool:
    """Is `line` a time stamp, labelled (`timestamp_label`: None where no label could open it) or not?"""
    label = timestamp_label.match(line) if timestamp_label is not None else None
    rest = line[label.end():] if label else line
    if _DATE_TIME.fullmatch(rest) and sum(char.isdigit() for char in rest) >= 6 \
            and not _DATE_SEPARATORS.isdisjoint(rest):
        return True
    return len(line) <= _MAX_LINE and "。" not in line and bool(_STAMP.search(line))


def kind_of_line(line: str) -> str | None:
    """The furniture kind of a whole stripped (folded) line, or None for content."""
    words = cues()
    # Most lines open with no character a label, a caption's mark or a dash opens with: one set
    # lookup turns them away, where `startswith` tried every prefix (some 1,500 instructions a
    # call) and `re` every alternative.
    first = line[0]
    labelled = first in words.label_openers
    if labelled and line.startswith(words.caption):
        return "caption"
    if first in _DASH_OPENERS and line.startswith(_DASHES) and len(line) <= _MAX_LINE \
            and not has_terminator(line):
        return "subtitle"
    if _is_timestamp(line, words.timestamp_label if labelled else None):
        return "timestamp"
    if len(line) > _MAX_LINE or "。" in line:
        return None
    if labelled and words.word_count.match(line):
        return "word_count"
    if labelled and words.byline.match(line):
        return "byline"
    return None


def glued_subtitle(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A `——…综述` subtitle run into the first line of a flattened article, as (start, end).

    Only where the dash follows a short unpunctuated headline and a review word closes the
    subtitle soon after it, so a dash inside prose is left alone."""
    dash = text.find("——", start, min(end, start + 41))
    if dash <= start or has_terminator(text[start:dash]) or "," in text[start:dash]:
        return None
    window = text[dash:min(end, dash + 40)]
    # The review word closes a subtitle that names what it reviews (`——某县…综述`).
    closes = [window.find(word, 4) + len(word) for word in cues().review_words if word in window[4:]]
    if not closes:
        return None
    return dash, dash + min(closes)
