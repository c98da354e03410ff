"""The words the segment stage reads layouts by, from `data/segment_cues.json`, compiled once."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ...data import read_json


@dataclass(frozen=True, slots=True)
class Cues:
    byline: re.Pattern[str]
    word_count: re.Pattern[str]
    timestamp_label: re.Pattern[str]
    caption: tuple[str, ...]
    #: What a byline, a word count, a time stamp's label or a caption may open with: a line that
    #: opens with none of these characters is matched against none of them.
    label_openers: frozenset[str]
    review_words: tuple[str, ...]
    subject_opener: re.Pattern[str]
    numbered_subject_opener: re.Pattern[str]
    heading_verbs: tuple[str, ...]
    section_name: re.Pattern[str]


#: What a byline may open with before its label (`(记者 王某)`): the byline pattern and the
#: first characters a line is tested by (`label_openers`) both read it.
_BYLINE_BRACKET = "("


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def cues() -> Cues:
    data = read_json("segment_cues.json")
    return Cues(
        byline=re.compile(rf"{re.escape(_BYLINE_BRACKET)}?(?:{_alternation(data['byline_labels'])})(?:[:/]|\s)"),
        word_count=re.compile(rf"(?:{_alternation(data['word_count_labels'])})(?::\s*|\s+)?约?\d"),
        timestamp_label=re.compile(rf"(?:{_alternation(data['timestamp_labels'])})(?::\s*|\s+)"),
        caption=tuple(data["caption_marks"]),
        label_openers=frozenset(_BYLINE_BRACKET).union(*({label[0] for label in data[name]} for name in (
            "byline_labels", "word_count_labels", "timestamp_labels", "caption_marks"))),
        review_words=tuple(data["review_words"]),
        subject_opener=re.compile(_alternation(data["subject_openers"])),
        numbered_subject_opener=re.compile(_alternation(data["subject_openers"] + data["numbered_subject_openers"])),
        heading_verbs=tuple(data["heading_verbs"]),
        section_name=re.compile(_alternation(data["section_names"])),
    )
