"""Sentences of a body stretch: split after terminators outside quotes, titles and brackets."""
from __future__ import annotations

from .scan import TERMINATORS, Gaps, Marks, chunks, closing_at, is_junk, outside_pairs, trim


def split_sentences(text: str, start: int, end: int, gaps: Gaps, marks: Marks) -> list[tuple[int, int]]:
    """Sentence spans in `[start, end)`: split after terminators outside quotes and brackets
    (`gaps`: the text's white space; `marks`: its sentence marks, the only characters visited)."""
    spans: list[tuple[int, int]] = []
    sentence_start = start
    # The closing marks a sentence takes in after its end are walked too: none of them opens a
    # pair, and none is read while a pair is open, so they change nothing.
    for index in outside_pairs(text, marks.between(start, end)):
        if index < sentence_start:
            continue  # a closing mark taken into the sentence just ended
        char = text[index]
        if char in TERMINATORS or char == "." and _is_latin_full_stop(text, index, end):
            stop = closing_at(text, index)
            if stop > end:
                stop = end
            spans.append((sentence_start, stop))
            sentence_start = stop
    if sentence_start < end:
        spans.append((sentence_start, end))
    if not gaps.within(start, end):
        # No white space in the stretch (most paragraphs): nothing to trim, no gap that could set
        # off a lead of fragments.
        return [(s, e) for s, e in spans if s < e and not is_junk(text, s, e)]
    sentences: list[tuple[int, int]] = []
    for span_start, span_end in spans:
        for piece_start, piece_end in _split_fragment_lead(text, span_start, span_end, gaps, marks):
            piece_start, piece_end = trim(text, piece_start, piece_end)
            if piece_start < piece_end and not is_junk(text, piece_start, piece_end):
                sentences.append((piece_start, piece_end))
    return sentences


def _is_latin_full_stop(text: str, index: int, end: int) -> bool:
    """`.` ends a Latin-script sentence (`… in 2023. The …`), never `1.5`, `1.民族` or `e.g. this`."""
    if index == 0:
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


def _split_fragment_lead(text: str, start: int, end: int, gaps: Gaps, marks: Marks) -> list[tuple[int, int]]:
    """Separate a run of unpunctuated fragments (flattened lines) from the prose sentence after it.

    `近日 会议召开 会上通报了 … 2022年,是…。` is a web lead whose line breaks became spaces, then a
    real sentence: split at the last gap with no comma before it and a comma after it. A gap that
    is a line break inside a joined paragraph is not such a fragment boundary.
    """
    first_comma = text.find(",", start, end)
    # Fragments are set off by gaps before the first comma, which most sentences lack.
    if first_comma < 0 or not gaps.within(start, first_comma):
        return [(start, end)]
    found = [chunk for chunk in chunks(text, start, end, gaps, marks) if chunk[0] < first_comma]
    # One stray space (`不断深化 “…”和…，`) sets off no fragment; a lead of fragments has several.
    if len(found) < 3 or "\n" in text[found[-2][1]:found[-1][0]]:
        return [(start, end)]
    return [(start, found[-2][1]), (found[-1][0], end)]
