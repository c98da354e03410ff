"""The working state a document carries between stages, before it is frozen into a `Report`.

Stages read what earlier stages put here and add their own part; the runner checks, when it
builds the pipeline, that every stage's `REQUIRES` is among the names provided before it.
"""
from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from functools import lru_cache
from operator import attrgetter
from typing import Any, Protocol, TypeVar

import numpy as np

from .records import (Activity, DocumentMeta, Entity, Furniture, Paragraph, Quantity, Section,
                      Sentence, Token)
from .textnorm import MatchView


class _HasSpan(Protocol):
    """What a record moved into or out of the matching view has."""

    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


_Spanned = TypeVar("_Spanned", bound=_HasSpan)
#: The array type code of token offsets: a C int, as a report is at most a few million characters.
_OFFSET = "i"

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
    quantities: list[Quantity] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    summary: dict[str, Any] | None = None
    furniture: list[Furniture] = field(default_factory=list)
    #: The text as matchers read it (see `MatchView`); the segment stage builds it.
    view: MatchView | None = None
    #: Token i is `[_token_starts[i], _token_ends[i])`, sorted. Offsets live in two integer arrays
    #: rather than a `Token` per word: a report has tens of thousands of words, and their records
    #: were most of the tokenize stage's time and of the garbage collector's work.
    _token_starts: array = field(default_factory=lambda: array(_OFFSET), repr=False)
    _token_ends: array = field(default_factory=lambda: array(_OFFSET), repr=False)
    #: `Token` records, made only when asked for (`--tokens`, the spaCy Doc).
    _tokens: list[Token] | None = field(default=None, repr=False)
    _sentence_starts: list[int] | None = field(default=None, repr=False)
    _in_view: "Draft | None" = field(default=None, repr=False)

    def set_token_bounds(self, starts: array, ends: array) -> None:
        """The tokens, as the start and end offsets of each (sorted, not overlapping)."""
        self._token_starts, self._token_ends, self._tokens = starts, ends, None

    @property
    def tokens(self) -> list[Token]:
        """Every token as a record, built on first use."""
        if self._tokens is None:
            text = self.text
            self._tokens = [Token(text[start:end], start, end)
                            for start, end in zip(self._token_starts, self._token_ends)]
        return self._tokens

    @tokens.setter
    def tokens(self, tokens: Iterable[Token]) -> None:
        tokens = list(tokens)
        self.set_token_bounds(array(_OFFSET, [token.start for token in tokens]),
                              array(_OFFSET, [token.end for token in tokens]))
        self._tokens = tokens

    def token_offsets(self) -> tuple[array, array]:
        """The starts and the ends of all tokens, as the two integer arrays the draft keeps (for
        stages that read every token at once; not to be modified)."""
        return self._token_starts, self._token_ends

    def token_bounds_between(self, start: int, end: int, *,
                             straddling: bool = False) -> Iterator[tuple[int, int]]:
        """`(start, end)` of the tokens lying inside `[start, end)`; tokens never cross a sentence.
        `straddling`: also the token that begins before `start` and runs past it, if any."""
        first, last = self._token_range(start, end)
        if straddling and first and self._token_ends[first - 1] > start:
            first -= 1
        return zip(self._token_starts[first:last], self._token_ends[first:last])

    def _token_range(self, start: int, end: int) -> tuple[int, int]:
        """Indexes `[first, last)` of the tokens that start inside `[start, end)`."""
        first = bisect_left(self._token_starts, start)
        return first, bisect_left(self._token_starts, end, first)

    def sentence_at(self, offset: int) -> Sentence | None:
        """The sentence containing character `offset`, if any."""
        if self._sentence_starts is None or len(self._sentence_starts) != len(self.sentences):
            self._sentence_starts = [sentence.start for sentence in self.sentences]
        index = bisect_left(self._sentence_starts, offset + 1) - 1
        if index >= 0 and self.sentences[index].start <= offset < self.sentences[index].end:
            return self.sentences[index]
        return None

    def in_view(self) -> "Draft":
        """This draft in the matching view's offsets, built once; the draft itself when the view
        changed nothing. It holds what matching stages read, moved into the view: the sentences,
        paragraphs and tokens (not the sections)."""
        view = self.view
        if view is None or view.unchanged:
            return self
        if self._in_view is None:
            self._in_view = Draft(text=view.text, folded=view.folded, meta=self.meta,
                                  paragraphs=_moved(self.paragraphs, view),
                                  sentences=_moved(self.sentences, view, with_text=True))
            self._in_view.set_token_bounds(*(_moved_offsets(offsets, view)
                                             for offsets in (self._token_starts, self._token_ends)))
        self._in_view.meta = self.meta  # what stages since then have learnt of the document
        return self._in_view

    def from_view(self, records: Sequence[_Spanned]) -> list[_Spanned]:
        """Records found in `in_view()`, with offsets and surfaces in this draft's text."""
        view = self.view
        if view is None or view.unchanged:
            return list(records)
        return _respanned(records, [view.span(record.start, record.end) for record in records],
                          self.text)


def _moved_offsets(offsets: array, view: MatchView) -> array:
    """Token offsets moved into the view, array to array: as Python lists, a report's tens of
    thousands of tokens were most of the cost of building the view's draft."""
    moved = array(_OFFSET)
    moved.frombytes(view.offset_array(np.frombuffer(offsets, dtype=np.intc)).astype(np.intc).tobytes())
    return moved


def _moved(records: Sequence[_Spanned], view: MatchView, with_text: bool = False) -> list[_Spanned]:
    """`records` with offsets moved into the view (and their `text` re-cut from it)."""
    moved = view.offsets([offset for record in records for offset in (record.start, record.end)])
    return _respanned(records, list(zip(moved[::2], moved[1::2])), view.text if with_text else None)


@lru_cache(maxsize=None)
def _layout(record_type: type) -> tuple[attrgetter, int, int, int | None]:
    """A getter of all the fields of `record_type`, in order, and where `start`, `end` and
    `text` (if it has one) are among them."""
    names = [f.name for f in fields(record_type)]
    return (attrgetter(*names), names.index("start"), names.index("end"),
            names.index("text") if "text" in names else None)


def _respanned(records: Sequence[_Spanned], spans: Sequence[tuple[int, int]],
               text: str | None) -> list[_Spanned]:
    """`records` with the given `(start, end)` each and, when `text` is given, their `text` cut
    from it. Like `dataclasses.replace`, at a third of its cost: `replace` made moving a report's
    sentences into the view and its records back several percent of the pipeline's time."""
    moved = []
    for record, (start, end) in zip(records, spans):
        values, start_at, end_at, text_at = _layout(type(record))
        if start == record.start and end == record.end and \
                (text is None or text_at is None or text[start:end] == getattr(record, "text")):
            # Unmoved (most reports join a line or two near their end): immutable, so kept as is.
            moved.append(record)
            continue
        fields_of_record = list(values(record))
        fields_of_record[start_at], fields_of_record[end_at] = start, end
        if text is not None and text_at is not None:
            fields_of_record[text_at] = text[start:end]
        moved.append(type(record)(*fields_of_record))
    return moved


def on_matching_view(run: Callable[[Draft], None], *provides: str) -> Callable[[Draft], None]:
    """Run a matching stage on the draft's matching view; hand its records (the draft fields
    named in `provides`) and metadata back with offsets into the original text."""
    def run_on_view(draft: Draft) -> None:
        inner = draft.in_view()
        run(inner)
        if inner is not draft:
            for name in provides:
                setattr(draft, name, draft.from_view(getattr(inner, name)))
            draft.meta = inner.meta
    return run_on_view
