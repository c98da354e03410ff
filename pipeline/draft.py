"""The working state a document carries between stages, before it is frozen into a `Report`.

Stages read what earlier stages put here and add their own part; the runner checks, when it
builds the pipeline, that every stage's `REQUIRES` is among the names provided before it.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any

from .records import (Activity, DocumentMeta, Entity, Paragraph, Quantity, Section, Sentence,
                      Token)

#: What a new draft holds before any stage runs.
INITIAL_PROVIDES = frozenset({"text", "folded", "meta"})


@dataclass
class Draft:
    text: str
    folded: str
    meta: DocumentMeta
    sections: list[Section] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    tokens: list[Token] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    summary: dict[str, Any] | None = None
    #: Scratch space for one stage to hand a derived object to a later one (e.g. a spaCy Doc).
    shared: dict[str, Any] = field(default_factory=dict)
    #: Start offsets for bisecting; rebuilt when a stage replaces the list with one of another size.
    _token_starts: list[int] | None = field(default=None, repr=False)
    _sentence_starts: list[int] | None = field(default=None, repr=False)

    def tokens_between(self, start: int, end: int) -> list[Token]:
        """Tokens lying inside `[start, end)`; tokens are sorted and never cross a sentence."""
        if self._token_starts is None or len(self._token_starts) != len(self.tokens):
            self._token_starts = [token.start for token in self.tokens]
        first = bisect_left(self._token_starts, start)
        last = bisect_left(self._token_starts, end)
        return self.tokens[first:last]

    def sentence_at(self, offset: int) -> Sentence | None:
        """The sentence containing character `offset`, if any."""
        if self._sentence_starts is None or len(self._sentence_starts) != len(self.sentences):
            self._sentence_starts = [sentence.start for sentence in self.sentences]
        index = bisect_left(self._sentence_starts, offset + 1) - 1
        if index >= 0 and self.sentences[index].start <= offset < self.sentences[index].end:
            return self.sentences[index]
        return None
